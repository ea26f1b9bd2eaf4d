// Gradient clipping (PyTorch 1.13's torch.nn.utils.clip_grad_norm_ / clip_grad_value_), in place on
// each parameter's .grad; parameters without a gradient are ignored.
#pragma once

#include <limits>
#include <vector>

#include "../../core/tensor.hpp"

namespace tapegrad::nn::utils {

// Scales every gradient by min(1, max_norm / (total_norm + 1e-6)), where total_norm is the norm of
// the concatenated gradients (norm_type: any p > 0, or infinity for the largest magnitude). Returns
// total_norm. With error_if_nonfinite, a NaN or infinite total raises std::runtime_error (nothing is
// scaled).
double clip_grad_norm_(const std::vector<Tensor>& parameters, double max_norm, double norm_type = 2.0,
                       bool error_if_nonfinite = false);
double clip_grad_norm_(const Tensor& parameter, double max_norm, double norm_type = 2.0, bool error_if_nonfinite = false);

// Clamps every gradient element into [-clip_value, clip_value].
void clip_grad_value_(const std::vector<Tensor>& parameters, double clip_value);
void clip_grad_value_(const Tensor& parameter, double clip_value);

}  // namespace tapegrad::nn::utils
