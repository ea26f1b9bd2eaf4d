#include "loss_utils.hpp"

#include <stdexcept>

#include "../ops.hpp"

namespace tapegrad {

namespace detail {

const char* torch_type_name(Dtype dtype) { return torch_scalar_type_name(dtype); }

void check_loss_dtype(const char* op, const char* what, const Tensor& other, const Tensor& input) {
  check_floating(input.dtype(), op);
  check_same_dtype(op, input, other, (std::string("input and ") + what).c_str());
}

Tensor reduce_losses(const Tensor& losses, Reduction reduction, double denominator, const Shape& none_shape) {
  if (reduction == Reduction::kNone) return losses.reshape(none_shape);
  return dispatch_floating(losses.dtype(), "reduce_losses", [&](auto tag) {
    using T = decltype(tag);
    const T* l = losses.data<T>();
    double total = 0;  // accumulate in double: float32 sums over large batches drift
    for (std::int64_t i = 0, n = losses.numel(); i < n; ++i) total += l[i];
    return scalar_tensor(reduction == Reduction::kMean ? total / denominator : total, losses.dtype());
  });
}

Tensor broadcast_to_shape(const char* op, const char* what, const Tensor& t, const Shape& shape) {
  if (!t.defined()) return t;
  const Shape common = broadcast_shapes(shape, t.shape());  // PyTorch's message when they do not broadcast
  if (common != shape)
    throw std::invalid_argument(std::string(op) + ": " + what + " of shape " + shape_str(t.shape()) +
                                " would enlarge the loss of shape " + shape_str(shape));
  NoGradGuard no_grad;
  return broadcast_to(t.detach(), shape).contiguous();  // the loss kernels read it element by element
}

}  // namespace detail
}  // namespace tapegrad
