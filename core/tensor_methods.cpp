// Tensor's op members (x.sum(), x.relu(), ...): PyTorch-style chaining over the free functions of
// ops.hpp, defined in one place.
#include "ops.hpp"

namespace tapegrad {

Tensor Tensor::reshape(const Shape& s) const { return tapegrad::reshape(*this, s); }
Tensor Tensor::view(const Shape& s) const { return tapegrad::view(*this, s); }
Tensor Tensor::flatten(std::int64_t a, std::int64_t b) const { return tapegrad::flatten(*this, a, b); }
Tensor Tensor::t() const { return tapegrad::t(*this); }
Tensor Tensor::transpose(std::int64_t a, std::int64_t b) const { return tapegrad::transpose(*this, a, b); }
Tensor Tensor::permute(const std::vector<std::int64_t>& d) const { return tapegrad::permute(*this, d); }
Tensor Tensor::movedim(std::int64_t s, std::int64_t d) const { return tapegrad::movedim(*this, s, d); }
Tensor Tensor::unsqueeze(std::int64_t d) const { return tapegrad::unsqueeze(*this, d); }
Tensor Tensor::squeeze() const { return tapegrad::squeeze(*this); }
Tensor Tensor::squeeze(std::int64_t d) const { return tapegrad::squeeze(*this, d); }
Tensor Tensor::unflatten(std::int64_t d, const Shape& s) const { return tapegrad::unflatten(*this, d, s); }
Tensor Tensor::expand(const Shape& s) const { return tapegrad::expand(*this, s); }
Tensor Tensor::expand_as(const Tensor& o) const { return tapegrad::expand_as(*this, o); }
Tensor Tensor::narrow(std::int64_t d, std::int64_t s, std::int64_t l) const { return tapegrad::narrow(*this, d, s, l); }
Tensor Tensor::select(std::int64_t d, std::int64_t i) const { return tapegrad::select(*this, d, i); }
Tensor Tensor::slice(std::int64_t d, std::int64_t s, std::int64_t e, std::int64_t st) const {
  return tapegrad::slice(*this, d, s, e, st);
}
Tensor Tensor::diagonal(std::int64_t o, std::int64_t a, std::int64_t b) const { return tapegrad::diagonal(*this, o, a, b); }
Tensor Tensor::unfold(std::int64_t d, std::int64_t s, std::int64_t st) const { return tapegrad::unfold(*this, d, s, st); }
Tensor Tensor::as_strided(const Shape& s, const Strides& st, std::optional<std::int64_t> o) const {
  return tapegrad::as_strided(*this, s, st, o);
}
std::vector<Tensor> Tensor::unbind(std::int64_t d) const { return tapegrad::unbind(*this, d); }
std::vector<Tensor> Tensor::split(std::int64_t s, std::int64_t d) const { return tapegrad::split(*this, s, d); }
std::vector<Tensor> Tensor::chunk(std::int64_t c, std::int64_t d) const { return tapegrad::chunk(*this, c, d); }
Tensor Tensor::sum() const { return tapegrad::sum(*this); }
Tensor Tensor::sum(const std::vector<std::int64_t>& d, bool k) const { return tapegrad::sum(*this, d, k); }
Tensor Tensor::sum_to_size(const Shape& s) const { return tapegrad::sum_to_size(*this, s); }
Tensor Tensor::mean() const { return tapegrad::mean(*this); }
Tensor Tensor::mean(const std::vector<std::int64_t>& d, bool k) const { return tapegrad::mean(*this, d, k); }
Tensor Tensor::argmax(std::int64_t d, bool k) const { return tapegrad::argmax(*this, d, k); }
Tensor Tensor::exp() const { return tapegrad::exp(*this); }
Tensor Tensor::log() const { return tapegrad::log(*this); }
Tensor Tensor::relu() const { return tapegrad::relu(*this); }
Tensor Tensor::pow(const Scalar& e) const { return tapegrad::pow(*this, e); }
Tensor Tensor::matmul(const Tensor& o) const { return tapegrad::matmul(*this, o); }
Tensor Tensor::clone() const { return tapegrad::clone(*this); }
Tensor Tensor::to(Dtype d) const { return tapegrad::to_dtype(*this, d); }

}  // namespace tapegrad
