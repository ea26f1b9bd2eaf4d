// functional::linear: a direct call into core's op (which holds forward and backward).
#include "../../core/ops.hpp"
#include "../functional.hpp"

namespace tapegrad::nn::functional {

Tensor linear(const Tensor& input, const Tensor& weight, const Tensor& bias) {
  return tapegrad::linear(input, weight, bias);
}

}  // namespace tapegrad::nn::functional
