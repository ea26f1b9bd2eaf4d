// Differentiable tensor operations. Binary element-wise ops broadcast with NumPy rules and sum
// their gradients back to each input's shape. Implementations live in core/ops/, one file per family.
#pragma once

#include <optional>
#include <utility>
#include <vector>

#include "op_attributes.hpp"
#include "tensor.hpp"

namespace tapegrad {

// ---- element-wise (core/ops/elementwise.cpp) ----
// Binary ops, comparisons and where compute in result_type of their operands (PyTorch's type
// promotion, core/tensor.hpp); a Scalar remembers whether it was written as an integer (x * 2) or
// not (x * 0.5). div is true division: int64 / int64 gives float32.
Tensor add(const Tensor& a, const Tensor& b);
Tensor sub(const Tensor& a, const Tensor& b);
Tensor mul(const Tensor& a, const Tensor& b);
Tensor div(const Tensor& a, const Tensor& b);
Tensor maximum(const Tensor& a, const Tensor& b);  // gradient goes to the larger (split evenly on ties)
Tensor minimum(const Tensor& a, const Tensor& b);
Tensor add(const Tensor& a, const Scalar& b);
Tensor sub(const Tensor& a, const Scalar& b);
Tensor mul(const Tensor& a, const Scalar& b);
Tensor div(const Tensor& a, const Scalar& b);
Tensor rsub(const Scalar& a, const Tensor& b);  // a - b
Tensor rdiv(const Scalar& a, const Tensor& b);  // a / b
Tensor neg(const Tensor& x);
Tensor pow(const Tensor& x, const Scalar& exponent);
Tensor exp(const Tensor& x);
Tensor log(const Tensor& x);
Tensor log1p(const Tensor& x);
Tensor sqrt(const Tensor& x);
Tensor abs(const Tensor& x);
Tensor clamp(const Tensor& x, std::optional<double> min, std::optional<double> max);  // grad 1 inside [min,max]
Tensor where(const Tensor& condition, const Tensor& a, const Tensor& b);  // condition != 0 picks a
// ---- copies between layouts (core/ops/copy.cpp) ----
// A copy that keeps x's strides when x covers its span densely (a transposed tensor stays transposed),
// else row-major: torch.clone's preserve_format.
Tensor clone(const Tensor& x);
Tensor to_dtype(const Tensor& x, Dtype dtype);
// x itself when contiguous, else a row-major copy (recorded as clone). Tensor::contiguous() calls it.
Tensor contiguous(const Tensor& x);
// Uninitialised storage seen through the given sizes and (non-negative) strides.
Tensor empty_strided(const Shape& sizes, const Strides& strides, TensorOptions options = {});

// In place, not recorded on the tape (for optimizers and gradient accumulation); bump the version.
// The result type must cast into self's dtype (int64 self with a float operand is refused).
Tensor& add_(Tensor& self, const Tensor& other, double alpha = 1.0);  // self += alpha * other
Tensor& mul_(Tensor& self, const Scalar& factor);

// Comparisons: masks of 0/1 in the promoted input dtype, never differentiable.
Tensor eq(const Tensor& a, const Tensor& b);
Tensor ne(const Tensor& a, const Tensor& b);
Tensor lt(const Tensor& a, const Tensor& b);
Tensor le(const Tensor& a, const Tensor& b);
Tensor gt(const Tensor& a, const Tensor& b);
Tensor ge(const Tensor& a, const Tensor& b);
Tensor gt(const Tensor& a, const Scalar& b);
Tensor lt(const Tensor& a, const Scalar& b);
Tensor eq(const Tensor& a, const Scalar& b);
Tensor ne(const Tensor& a, const Scalar& b);
Tensor le(const Tensor& a, const Scalar& b);
Tensor ge(const Tensor& a, const Scalar& b);
Tensor isnan(const Tensor& x);

// Shape of the broadcast of a and b, with PyTorch's error text when they do not broadcast.
Shape broadcast_shapes(const Shape& a, const Shape& b);
// Sums `grad` over broadcast dimensions so it has `shape` (the inverse of broadcasting; unchecked:
// the ops' backward formulas call it on shapes they know fit).
Tensor sum_to(const Tensor& grad, const Shape& shape);
// sum_to for users (libtorch's Tensor::sum_to_size, also a member): `size` must broadcast to x's
// shape, else std::invalid_argument. Differentiable (a recorded sum when x requires grad).
Tensor sum_to_size(const Tensor& x, const Shape& size);

// ---- unary math (core/ops/unary_math.cpp) ----
Tensor sin(const Tensor& x);
Tensor cos(const Tensor& x);
Tensor expm1(const Tensor& x);  // exp(x) - 1, accurate near 0
Tensor rsqrt(const Tensor& x);  // 1 / sqrt(x)
Tensor erf(const Tensor& x);

// ---- activations (core/ops/activation.cpp) ----
Tensor relu(const Tensor& x);
Tensor sigmoid(const Tensor& x);
Tensor tanh(const Tensor& x);
// The activations' backward ops (PyTorch's at::threshold_backward, sigmoid_backward, tanh_backward):
// one fused pass over (grad_output, output), each with its own backward.
Tensor threshold_backward(const Tensor& grad_output, const Tensor& self, double threshold);
Tensor sigmoid_backward(const Tensor& grad_output, const Tensor& output);
Tensor tanh_backward(const Tensor& grad_output, const Tensor& output);

// ---- reductions (core/ops/reduction.cpp) ----
Tensor sum(const Tensor& x);
Tensor sum(const Tensor& x, const std::vector<std::int64_t>& dims, bool keepdim = false);
Tensor mean(const Tensor& x);
Tensor mean(const Tensor& x, const std::vector<std::int64_t>& dims, bool keepdim = false);
// Max along dim: values (differentiable, gradient to the first maximal element) and int64 indices.
std::pair<Tensor, Tensor> max(const Tensor& x, std::int64_t dim, bool keepdim = false);
Tensor max(const Tensor& x);  // max of all elements
Tensor argmax(const Tensor& x, std::int64_t dim, bool keepdim = false);

// ---- views (core/ops/view.cpp) ----
// Each returns a view: the input's storage seen through new sizes, strides and storage offset, with
// PyTorch's geometry; nothing is copied, and writes through the view (under NoGradGuard) change the
// input. reshape and flatten copy only when no strides can express the result (as PyTorch).
Tensor view(const Tensor& x, const Shape& shape);     // one dim may be -1; throws when the strides do not allow it
Tensor reshape(const Tensor& x, const Shape& shape);  // a view when possible, else a row-major copy
Tensor flatten(const Tensor& x, std::int64_t start_dim = 0, std::int64_t end_dim = -1);
Tensor unflatten(const Tensor& x, std::int64_t dim, const Shape& sizes);
Tensor squeeze(const Tensor& x);  // every size-1 dim
Tensor squeeze(const Tensor& x, std::int64_t dim);
Tensor unsqueeze(const Tensor& x, std::int64_t dim);
Tensor transpose(const Tensor& x, std::int64_t dim0, std::int64_t dim1);
Tensor permute(const Tensor& x, const std::vector<std::int64_t>& dims);
Tensor t(const Tensor& x);  // 2-D transpose (0-D and 1-D unchanged)
Tensor movedim(const Tensor& x, const std::vector<std::int64_t>& source, const std::vector<std::int64_t>& destination);
Tensor movedim(const Tensor& x, std::int64_t source, std::int64_t destination);
// Repeats size-1 dims (stride 0) to fill `shape`; -1 keeps a dim's size. broadcast_to has no -1.
Tensor expand(const Tensor& x, const Shape& shape);
Tensor expand_as(const Tensor& x, const Tensor& other);
Tensor broadcast_to(const Tensor& x, const Shape& shape);
// Elements [start, start + length) / start, start + step, ... below end (ends clamp, as PyTorch) / one index.
Tensor narrow(const Tensor& x, std::int64_t dim, std::int64_t start, std::int64_t length);
Tensor slice(const Tensor& x, std::int64_t dim, std::int64_t start, std::int64_t end, std::int64_t step = 1);
Tensor select(const Tensor& x, std::int64_t dim, std::int64_t index);
// The diagonal of dims (dim1, dim2), moved last; offset > 0 above the main diagonal.
Tensor diagonal(const Tensor& x, std::int64_t offset = 0, std::int64_t dim1 = 0, std::int64_t dim2 = 1);
// Windows of `size` every `step` along dim, as a new last dim (overlapping windows share elements).
Tensor unfold(const Tensor& x, std::int64_t dim, std::int64_t size, std::int64_t step);
// Any geometry over x's storage (checked against its bounds); storage_offset defaults to x's.
Tensor as_strided(const Tensor& x, const Shape& size, const Strides& stride,
                  std::optional<std::int64_t> storage_offset = std::nullopt);
// Several views at once, recorded as one entry (its backward runs once): pieces of split_size along dim
// (the last may be smaller), pieces of the given sizes, `chunks` pieces of ceil(size / chunks), every
// index along dim. Writing in place into a piece that requires grad is refused, as PyTorch.
std::vector<Tensor> split(const Tensor& x, std::int64_t split_size, std::int64_t dim = 0);
std::vector<Tensor> split(const Tensor& x, const std::vector<std::int64_t>& split_sizes, std::int64_t dim = 0);
std::vector<Tensor> split_with_sizes(const Tensor& x, const std::vector<std::int64_t>& split_sizes, std::int64_t dim = 0);
std::vector<Tensor> chunk(const Tensor& x, std::int64_t chunks, std::int64_t dim = 0);
std::vector<Tensor> unbind(const Tensor& x, std::int64_t dim = 0);

// ---- indexing that copies (core/ops/shape.cpp) ----
Tensor gather(const Tensor& x, std::int64_t dim, const Tensor& index);
Tensor index_select(const Tensor& x, std::int64_t dim, const Tensor& index);
// index_select's backward op: grad's slices along dim added into zeros(input_shape) at index's rows.
Tensor index_select_backward(const Tensor& grad, const Shape& input_shape, std::int64_t dim, const Tensor& index);
// self + src added at the positions gather(self, dim, index) reads (torch.scatter_add); index's
// shape fits inside src's, whose leading block of that shape is added.
Tensor scatter_add(const Tensor& self, std::int64_t dim, const Tensor& index, const Tensor& src);

// ---- statistics (core/ops/statistics.cpp) ----
// Variance and standard deviation over dims (all when empty); unbiased divides by N - 1. (No
// std(x, bool) overload: std(x, {1}) would silently pick it, {1} converting to true.)
Tensor var(const Tensor& x, const std::vector<std::int64_t>& dims = {}, bool unbiased = true, bool keepdim = false);
Tensor std(const Tensor& x, const std::vector<std::int64_t>& dims = {}, bool unbiased = true, bool keepdim = false);
// Vector p-norm over dims (all when empty): p = 1, 2, any p > 0, or INFINITY (one dim or all).
// The gradient at a zero vector is 0 (PyTorch's convention), not NaN.
Tensor norm(const Tensor& x, double p = 2, const std::vector<std::int64_t>& dims = {}, bool keepdim = false);
Tensor cumsum(const Tensor& x, std::int64_t dim);

// ---- picking, repeating, ordering (core/ops/selection.cpp; indexing with Slice in core/indexing.hpp) ----
Tensor repeat(const Tensor& x, const std::vector<std::int64_t>& repeats);  // torch.Tensor.repeat (tile)
Tensor flip(const Tensor& x, const std::vector<std::int64_t>& dims);
Tensor masked_fill(const Tensor& x, const Tensor& mask, double value);  // mask != 0 takes value (mask broadcasts)
// In place through x's strides (a view writes into its base); not recorded, so refused on a tensor
// autograd tracks (write under NoGradGuard).
Tensor& masked_fill_(Tensor& x, const Tensor& mask, const Scalar& value);
// The lower (upper) triangle of the last two dims: elements with column - row <= diagonal (>= diagonal).
Tensor tril(const Tensor& x, std::int64_t diagonal = 0);
Tensor triu(const Tensor& x, std::int64_t diagonal = 0);
std::pair<Tensor, Tensor> min(const Tensor& x, std::int64_t dim, bool keepdim = false);  // values, int64 indices
Tensor min(const Tensor& x);
Tensor argmin(const Tensor& x, std::int64_t dim, bool keepdim = false);
// Stable sort along dim; NaN sorts above every number. Values are differentiable (a gather).
std::pair<Tensor, Tensor> sort(const Tensor& x, std::int64_t dim = -1, bool descending = false);
Tensor argsort(const Tensor& x, std::int64_t dim = -1, bool descending = false);
std::pair<Tensor, Tensor> topk(const Tensor& x, std::int64_t k, std::int64_t dim = -1, bool largest = true, bool sorted = true);
Tensor one_hot(const Tensor& x, std::int64_t num_classes = -1);  // int64 in, int64 out (..., num_classes)
// 1 where every (any) element over dims (all when empty) is non-zero: 0/1 in x's dtype, like eq().
Tensor all(const Tensor& x, const std::vector<std::int64_t>& dims = {}, bool keepdim = false);
Tensor any(const Tensor& x, const std::vector<std::int64_t>& dims = {}, bool keepdim = false);

// ---- matrix products (core/ops/matmul.cpp) ----
// torch.matmul's rules for any ranks: 1-D x 1-D is a dot product, a 1-D operand gains (and the result
// loses) a dim of 1, batch dims broadcast. Transposed views are read in place (GEMM flags).
Tensor matmul(const Tensor& a, const Tensor& b);
Tensor mm(const Tensor& a, const Tensor& b);   // 2-D only
Tensor bmm(const Tensor& a, const Tensor& b);  // (B, n, k) x (B, k, m)
// beta * input + alpha * bmm(batch1, batch2); beta = 0 ignores input (NaN included), as PyTorch.
Tensor baddbmm(const Tensor& input, const Tensor& batch1, const Tensor& batch2, const Scalar& beta = 1,
               const Scalar& alpha = 1);
// y = x Wᵀ + b for x of shape (*, in), W (out, in), bias (out) or undefined.
Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias = {});

// ---- softmax family (core/ops/softmax.cpp) ----
Tensor softmax(const Tensor& x, std::int64_t dim);
Tensor log_softmax(const Tensor& x, std::int64_t dim);
Tensor logsumexp(const Tensor& x, std::int64_t dim, bool keepdim = false);
// Their backward ops (PyTorch's _softmax_backward_data, _log_softmax_backward_data): the gradient of x
// from the gradient of the output y = softmax(x, dim) (or log_softmax), each with its own backward.
Tensor softmax_backward_data(const Tensor& grad_output, const Tensor& output, std::int64_t dim);
Tensor log_softmax_backward_data(const Tensor& grad_output, const Tensor& output, std::int64_t dim);

// ---- operators ----
inline Tensor operator+(const Tensor& a, const Tensor& b) { return add(a, b); }
inline Tensor operator-(const Tensor& a, const Tensor& b) { return sub(a, b); }
inline Tensor operator*(const Tensor& a, const Tensor& b) { return mul(a, b); }
inline Tensor operator/(const Tensor& a, const Tensor& b) { return div(a, b); }
inline Tensor operator+(const Tensor& a, const Scalar& b) { return add(a, b); }
inline Tensor operator-(const Tensor& a, const Scalar& b) { return sub(a, b); }
inline Tensor operator*(const Tensor& a, const Scalar& b) { return mul(a, b); }
inline Tensor operator/(const Tensor& a, const Scalar& b) { return div(a, b); }
inline Tensor operator+(const Scalar& a, const Tensor& b) { return add(b, a); }
inline Tensor operator-(const Scalar& a, const Tensor& b) { return rsub(a, b); }
inline Tensor operator*(const Scalar& a, const Tensor& b) { return mul(b, a); }
inline Tensor operator/(const Scalar& a, const Tensor& b) { return rdiv(a, b); }
inline Tensor operator-(const Tensor& x) { return neg(x); }
inline Tensor operator==(const Tensor& a, const Tensor& b) { return eq(a, b); }
inline Tensor operator!=(const Tensor& a, const Tensor& b) { return ne(a, b); }
inline Tensor operator<(const Tensor& a, const Tensor& b) { return lt(a, b); }
inline Tensor operator<=(const Tensor& a, const Tensor& b) { return le(a, b); }
inline Tensor operator>(const Tensor& a, const Tensor& b) { return gt(a, b); }
inline Tensor operator>=(const Tensor& a, const Tensor& b) { return ge(a, b); }

}  // namespace tapegrad

namespace tapegrad {

// ---- convolution (core/ops/conv.cpp) ----
// Conv2dParams and Pool2dParams are in op_attributes.hpp (tape entries keep them).
// input (N, C, H, W) or unbatched (C, H, W); weight (O, C/groups, KH, KW); bias (O) or undefined.
Tensor conv2d(const Tensor& input, const Tensor& weight, const Tensor& bias, const Conv2dParams& params = {});
// The two halves of conv2d's backward, each an op with its own (differentiable) backward:
// the input gradient (a transposed convolution of grad_output by weight) and the weight gradient.
Tensor conv2d_backward_input(const Tensor& grad_output, const Tensor& weight, const Shape& input_shape,
                             const Conv2dParams& params);
Tensor conv2d_backward_weight(const Tensor& input, const Tensor& grad_output, const Shape& weight_shape,
                              const Conv2dParams& params);

// ---- pooling (core/ops/pool.cpp) ----
// Values and int64 indices (each the flat h·W + w position of the maximum inside its plane, as PyTorch).
std::pair<Tensor, Tensor> max_pool2d_with_indices(const Tensor& input, const Pool2dParams& params);
Tensor max_pool2d(const Tensor& input, const Pool2dParams& params);
// The gradient of max_pool2d: grad_output added at the indices (its own backward gathers).
Tensor max_pool2d_backward(const Tensor& grad_output, const Tensor& indices, const Shape& input_shape);
Tensor avg_pool2d(const Tensor& input, const Pool2dParams& params);
// The gradient of avg_pool2d (its own backward is avg_pool2d again).
Tensor avg_pool2d_backward(const Tensor& grad_output, const Shape& input_shape, const Pool2dParams& params);
Tensor adaptive_avg_pool2d(const Tensor& input, const std::vector<std::int64_t>& output_size);

// ---- losses (core/ops/{nll_loss,cross_entropy,binary_cross_entropy,mse_loss}.cpp) ----
// ATen's fused losses, each one tape entry; nn::functional's (libtorch's F::) take options and call
// these. Inputs with classes: (N, C), (N, C, d1..dk) or unbatched (C). No defaults, so that a call
// with F::'s arguments never meets these by argument-dependent lookup.
Tensor nll_loss(const Tensor& input, const Tensor& target, const Tensor& weight, Reduction reduction,
                std::int64_t ignore_index);
// nll_loss's backward op: the gradient of the loss (0-d, or one per target for kNone) into the input's shape.
Tensor nll_loss_backward(const Tensor& grad_output, const Tensor& target, const Tensor& weight, Reduction reduction,
                         std::int64_t ignore_index, const Shape& input_shape);
// Class indices (int64 target) or class probabilities (floating target of input's shape).
Tensor cross_entropy_loss(const Tensor& input, const Tensor& target, const Tensor& weight, Reduction reduction,
                          std::int64_t ignore_index, double label_smoothing);
Tensor binary_cross_entropy(const Tensor& input, const Tensor& target, const Tensor& weight, Reduction reduction);
Tensor binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target, const Tensor& weight,
                                        const Tensor& pos_weight, Reduction reduction);
Tensor mse_loss(const Tensor& input, const Tensor& target, Reduction reduction);

// ---- joining and slicing (core/ops/join.cpp) ----
Tensor cat(const std::vector<Tensor>& tensors, std::int64_t dim = 0);
Tensor stack(const std::vector<Tensor>& tensors, std::int64_t dim = 0);
// Constant padding as torch.nn.functional.pad: `pads` holds (before, after) pairs starting from the
// last dim; negative amounts crop. Its gradient is pad with the amounts negated.
Tensor pad(const Tensor& x, const std::vector<std::int64_t>& pads, double value = 0.0);

}  // namespace tapegrad
