// nn::init: in-place initialisation of a tensor (PyTorch 1.13's torch.nn.init), without autograd
// recording; random draws come from tapegrad's generator (manual_seed).
#pragma once

#include <optional>
#include <string>

#include "../../core/tensor.hpp"

namespace tapegrad::nn::init {

// The recommended gain for a nonlinearity: "linear", "conv1d".."conv3d", "conv_transpose1d".."3d",
// "sigmoid" → 1; "tanh" → 5/3; "relu" → √2; "leaky_relu" → √(2 / (1 + slope²)) (slope default
// 0.01); "selu" → 3/4. Anything else: std::invalid_argument("Unsupported nonlinearity ...").
double calculate_gain(const std::string& nonlinearity, std::optional<double> param = std::nullopt);
// (fan_in, fan_out) of a weight of 2 or more dimensions: size(1)·receptive field, size(0)·receptive field.
std::pair<std::int64_t, std::int64_t> calculate_fan_in_and_fan_out(const Tensor& tensor);

Tensor uniform_(Tensor tensor, double a = 0, double b = 1);
Tensor normal_(Tensor tensor, double mean = 0, double std = 1);
Tensor constant_(Tensor tensor, double value);
Tensor zeros_(Tensor tensor);
Tensor ones_(Tensor tensor);
Tensor eye_(Tensor tensor);  // 2-D only
Tensor xavier_uniform_(Tensor tensor, double gain = 1);
Tensor xavier_normal_(Tensor tensor, double gain = 1);
// mode "fan_in" or "fan_out"; nonlinearity as calculate_gain's, with `a` its negative slope.
Tensor kaiming_uniform_(Tensor tensor, double a = 0, const std::string& mode = "fan_in",
                        const std::string& nonlinearity = "leaky_relu");
Tensor kaiming_normal_(Tensor tensor, double a = 0, const std::string& mode = "fan_in",
                       const std::string& nonlinearity = "leaky_relu");

}  // namespace tapegrad::nn::init
