#include "class_targets.hpp"

#include <stdexcept>
#include <string>

#include "loss_utils.hpp"

namespace tapegrad::detail {

ClassLayout class_layout(const char* op, const Tensor& input) {
  check_floating(input.dtype(), op);
  if (input.dim() < 1)
    throw std::invalid_argument("Expected 1 or more dimensions (got " + std::to_string(input.dim()) + ")");
  ClassLayout layout;
  const Shape& s = input.shape();
  if (input.dim() == 1) {
    layout.classes = s[0];
    return layout;  // unbatched: one target, 0-d
  }
  layout.class_dim = 1;
  layout.batch = s[0];
  layout.classes = s[1];
  layout.per_target_shape = {s[0]};
  for (std::size_t d = 2; d < s.size(); ++d) {
    layout.inner *= s[d];
    layout.per_target_shape.push_back(s[d]);
  }
  return layout;
}

ClassLayout class_index_layout(const char* op, const Tensor& input, const Tensor& target) {
  const ClassLayout layout = class_layout(op, input);
  if (target.dtype() != kInt64)
    throw std::invalid_argument(std::string(op) + ": expected target (class indices) of scalar type Long but found " +
                                torch_type_name(target.dtype()) + "; class indices must be int64 (target.to(kInt64))" +
                                (input.defined() && target.defined() && target.shape() == input.shape()
                                     ? ", or class probabilities of input's dtype"
                                     : ""));
  // PyTorch's words, then both shapes and the one the target should have: an (N, 1) target, a
  // column of labels, is a common slip.
  const auto multi_target = [&] {
    return std::invalid_argument(
        "0D or 1D target tensor expected, multi-target not supported: got input of shape " + shape_str(input.shape()) +
        " and target of shape " + shape_str(target.shape()) + "; the target should have shape " +
        shape_str(layout.per_target_shape) +
        (input.dim() == 1 ? ", a single class index" : " (N), one class index per sample"));
  };
  if (input.dim() == 1) {
    if (target.dim() == 1)
      throw std::invalid_argument("size mismatch (got input: " + shape_str(input.shape()) +
                                  ", target: " + shape_str(target.shape()) + ")");
    if (target.dim() > 1) throw multi_target();
    return layout;
  }
  if (target.dim() >= 1 && target.size(0) != layout.batch)
    throw std::invalid_argument("Expected input batch_size (" + std::to_string(layout.batch) +
                                ") to match target batch_size (" + std::to_string(target.size(0)) + ").");
  if (input.dim() == 2 && target.dim() > 1) throw multi_target();
  if (target.shape() != layout.per_target_shape)
    throw std::invalid_argument("Expected target size " + shape_str(layout.per_target_shape) + ", got " +
                                shape_str(target.shape()));
  return layout;
}

void check_class_weight(const char* op, const char* prefix, const Tensor& weight, const Tensor& input,
                        std::int64_t classes) {
  if (!weight.defined()) return;
  if (weight.dim() != 1 || weight.numel() != classes)
    throw std::invalid_argument(std::string(prefix) + "weight tensor should be defined either for all " +
                                std::to_string(classes) + " classes or no classes but got weight tensor of shape: " +
                                shape_str(weight.shape()));
  check_loss_dtype(op, "weight", weight, input);
}

void check_target_bounds(const Tensor& target0, std::int64_t classes, std::int64_t ignore_index) {
  const Tensor target = target0.expect_contiguous();
  const std::int64_t* t = target.data<std::int64_t>();
  for (std::int64_t i = 0, n = target.numel(); i < n; ++i)
    if (t[i] != ignore_index && (t[i] < 0 || t[i] >= classes))
      throw std::out_of_range("Target " + std::to_string(t[i]) + " is out of bounds.");
}

double valid_target_weight(const Tensor& target0, const Tensor& weight0, std::int64_t ignore_index) {
  const Tensor target = target0.expect_contiguous();
  const Tensor weight = weight0.defined() ? weight0.expect_contiguous() : weight0;
  const std::int64_t* t = target.data<std::int64_t>();
  return dispatch_floating(weight.defined() ? weight.dtype() : kFloat64, "valid_target_weight", [&](auto tag) {
    using T = decltype(tag);
    const T* w = weight.defined() ? weight.data<T>() : nullptr;
    double total = 0;
    for (std::int64_t i = 0, n = target.numel(); i < n; ++i)
      if (t[i] != ignore_index) total += w ? static_cast<double>(w[t[i]]) : 1.0;
    return total;
  });
}

}  // namespace tapegrad::detail
