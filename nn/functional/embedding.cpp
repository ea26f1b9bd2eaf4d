// embedding and layer_norm, composed of core ops (index_select, where, mean, rsqrt): no backward of
// their own.
#include <stdexcept>

#include "../../core/ops.hpp"
#include "../functional.hpp"

namespace tapegrad::nn::functional {

Tensor embedding(const Tensor& input, const Tensor& weight, const EmbeddingFuncOptions& options) {
  if (!input.defined() || !weight.defined()) throw std::invalid_argument("embedding(): input and weight must be defined");
  if (input.dtype() != kInt64)
    throw std::invalid_argument(std::string("embedding(): Expected tensor for argument #1 'indices' to have scalar type int64; but got ") +
                                dtype_name(input.dtype()) + " instead");
  if (weight.dim() != 2) throw std::invalid_argument("embedding(): 'weight' must be 2-D");
  const Tensor flat = input.reshape({-1});
  Tensor rows = index_select(weight, 0, flat);
  if (options.padding_idx()) {
    // The padding row is read as usual but gets no gradient: its lookups read a detached copy.
    std::int64_t pad = *options.padding_idx();
    if (pad < 0) pad += weight.size(0);
    const Tensor is_pad = eq(flat, full({}, static_cast<double>(pad), kInt64)).reshape({-1, 1});
    rows = where(is_pad, rows.detach(), rows);
  }
  Shape out_shape = input.shape();
  out_shape.push_back(weight.size(1));
  return rows.reshape(out_shape);
}

Tensor layer_norm(const Tensor& input, const LayerNormFuncOptions& options) {
  const auto& normalized = options.normalized_shape();
  const auto k = static_cast<std::int64_t>(normalized.size());
  bool fits = k >= 1 && input.dim() >= k;
  for (std::int64_t i = 0; fits && i < k; ++i) fits = input.size(input.dim() - k + i) == normalized[static_cast<std::size_t>(i)];
  if (!fits) {
    Shape expected = normalized;
    std::string star = "[*";
    for (auto d : expected) star += ", " + std::to_string(d);
    throw std::invalid_argument("Given normalized_shape=" + shape_str(normalized) + ", expected input with shape " + star +
                                "], but got input of size" + shape_str(input.shape()));
  }
  std::vector<std::int64_t> dims;
  for (std::int64_t i = input.dim() - k; i < input.dim(); ++i) dims.push_back(i);
  const Tensor centred = sub(input, mean(input, dims, true));
  const Tensor variance = mean(mul(centred, centred), dims, true);  // biased, as PyTorch
  Tensor y = mul(centred, rsqrt(add(variance, options.eps())));
  if (options.weight().defined()) y = mul(y, options.weight());
  if (options.bias().defined()) y = add(y, options.bias());
  return y;
}

}  // namespace tapegrad::nn::functional
