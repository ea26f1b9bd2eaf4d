// layer_norm, composed of core ops (mean, rsqrt): no backward of its own.
#include <stdexcept>
#include <string>

#include "../../core/ops.hpp"
#include "../functional.hpp"

namespace tapegrad::nn::functional {

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
