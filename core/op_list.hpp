// Every op the library records on the tape, listed once (ggml's op table idea). Built-in ops record
// themselves with record(Op::name, attributes, ...), so an op cannot be recorded without being listed
// here, and the op-table test (tests/op_table/) fails until each listed op has an entry there: a
// float64 sample input on which the op is gradchecked and gradgradchecked. A backward that must be
// differentiable and has a fused kernel is an op of its own (threshold_backward, softmax_backward_data,
// ...), listed here like any other. User-defined ops record with a string name instead.
#pragma once

#include <array>
#include <cstddef>
#include <string_view>

namespace tapegrad::autograd {

#define TAPEGRAD_BUILTIN_OPS(X)                                                                        \
  /* core/ops/elementwise.cpp */                                                                       \
  X(add) X(sub) X(mul) X(div) X(rsub) X(maximum) X(minimum) X(where)                                   \
  /* core/ops/unary.cpp */                                                                             \
  X(neg) X(pow) X(exp) X(log) X(log1p) X(sqrt) X(rsqrt) X(abs) X(clamp) X(sin) X(cos) X(expm1) X(erf)   \
  X(relu) X(threshold_backward) X(sigmoid) X(sigmoid_backward) X(tanh) X(tanh_backward)               \
  /* core/ops/copy.cpp */                                                                              \
  X(clone) X(to)                                                                                       \
  /* core/ops/view.cpp */                                                                              \
  X(view) X(permute) X(expand) X(as_strided) X(slice) X(select) X(diagonal) X(unfold) X(split) X(unbind) \
  X(view_scatter) /* the backward of the picking views (as_strided to unfold) */                      \
  /* core/ops/statistics.cpp */                                                                        \
  X(cumsum)                                                                                            \
  /* core/ops/reduction.cpp */                                                                         \
  X(sum) X(max)                                                                                        \
  /* core/ops/shape.cpp */                                                                             \
  X(gather) X(index_select) X(index_select_backward)                                                   \
  X(scatter_add) /* the scatter of positions: gather's backward, and scatter_add's */                  \
  /* core/ops/matmul.cpp */                                                                            \
  X(mm) X(bmm) X(linear)                                                                               \
  /* core/ops/softmax.cpp */                                                                           \
  X(softmax) X(softmax_backward_data) X(log_softmax) X(log_softmax_backward_data) X(logsumexp)         \
  /* core/ops/{nll_loss,cross_entropy,binary_cross_entropy,mse_loss}.cpp (fused losses) */            \
  X(nll_loss) X(nll_loss_backward) X(cross_entropy) X(cross_entropy_backward) X(binary_cross_entropy)   \
  X(binary_cross_entropy_with_logits) X(mse_loss)                                                      \
  /* core/ops/conv.cpp, pool.cpp, join.cpp */                                                          \
  X(conv2d) X(conv2d_backward_input) X(conv2d_backward_weight) X(max_pool2d) X(max_pool2d_backward)     \
  X(avg_pool2d) X(avg_pool2d_backward) X(cat) X(pad)                                                   \
  /* core/ops/selection.cpp */                                                                         \
  X(tril) X(triu)

enum class Op : unsigned short {
#define TAPEGRAD_OP_ENUM(name) name,
  TAPEGRAD_BUILTIN_OPS(TAPEGRAD_OP_ENUM)
#undef TAPEGRAD_OP_ENUM
};

inline constexpr std::array kOpNames = {
#define TAPEGRAD_OP_NAME(name) std::string_view(#name),
    TAPEGRAD_BUILTIN_OPS(TAPEGRAD_OP_NAME)
#undef TAPEGRAD_OP_NAME
};
inline constexpr std::size_t kOpCount = kOpNames.size();

constexpr const char* op_name(Op op) { return kOpNames[static_cast<std::size_t>(op)].data(); }

}  // namespace tapegrad::autograd
