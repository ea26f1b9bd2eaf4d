#include "activation.hpp"

#include "../functional.hpp"

namespace tapegrad::nn {

Tensor ReLU::forward(const Tensor& input) const { return functional::relu(input); }
Tensor Sigmoid::forward(const Tensor& input) const { return functional::sigmoid(input); }
Tensor Tanh::forward(const Tensor& input) const { return functional::tanh(input); }
Tensor Softmax::forward(const Tensor& input) const { return functional::softmax(input, dim_); }
Tensor LogSoftmax::forward(const Tensor& input) const { return functional::log_softmax(input, dim_); }

}  // namespace tapegrad::nn
