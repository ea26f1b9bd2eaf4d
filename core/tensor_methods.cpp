// Tensor's op members (x.sum(), x.relu(), ...): PyTorch-style chaining over the free functions of
// ops.hpp, defined in one place.
#include "ops.hpp"

namespace tapegrad {

Tensor Tensor::reshape(const Shape& s) const { return tapegrad::reshape(*this, s); }
Tensor Tensor::view(const Shape& s) const { return tapegrad::view(*this, s); }
Tensor Tensor::flatten(std::int64_t a, std::int64_t b) const { return tapegrad::flatten(*this, a, b); }
Tensor Tensor::t() const { return tapegrad::t(*this); }
Tensor Tensor::transpose(std::int64_t a, std::int64_t b) const { return tapegrad::transpose(*this, a, b); }
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
