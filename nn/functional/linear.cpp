// The functional layers: direct calls into core's ops (which hold forward and backward).
#include "../../core/ops.hpp"
#include "../functional.hpp"

namespace tapegrad::nn::functional {

Tensor linear(const Tensor& input, const Tensor& weight, const Tensor& bias) {
  return tapegrad::linear(input, weight, bias);
}
Tensor relu(const Tensor& input) { return tapegrad::relu(input); }
Tensor sigmoid(const Tensor& input) { return tapegrad::sigmoid(input); }
Tensor tanh(const Tensor& input) { return tapegrad::tanh(input); }
Tensor softmax(const Tensor& input, std::int64_t dim) { return tapegrad::softmax(input, dim); }
Tensor log_softmax(const Tensor& input, std::int64_t dim) { return tapegrad::log_softmax(input, dim); }

}  // namespace tapegrad::nn::functional
