// Every op the library records on the tape, listed once (ggml's op table idea). Built-in ops record
// themselves with record(Op::name, ...), so an op cannot be recorded without being listed here, and
// the op-table test (tests/op_table/) fails until each listed op has an entry there: a float64 sample
// input on which the op is gradchecked. User-defined ops record with a string name instead.
//
// The fused losses of nn::functional are single tape entries too, so their names are listed here as
// names only: core knows nothing else about them.
#pragma once

#include <array>
#include <cstddef>
#include <string_view>

namespace tapegrad::autograd {

#define TAPEGRAD_BUILTIN_OPS(X)                                                                        \
  /* core/ops/elementwise.cpp */                                                                       \
  X(add) X(sub) X(mul) X(div) X(rsub) X(maximum) X(minimum) X(neg) X(pow) X(exp) X(log) X(log1p)        \
  X(sqrt) X(abs) X(clamp) X(where)                                                                     \
  /* core/ops/copy.cpp */                                                                              \
  X(clone) X(to)                                                                                       \
  /* core/ops/view.cpp */                                                                              \
  X(view) X(permute) X(expand) X(as_strided) X(slice) X(select) X(diagonal) X(unfold) X(split) X(unbind) \
  X(view_scatter) /* the backward of the picking views (as_strided to unfold) */                      \
  /* core/ops/unary_math.cpp */                                                                        \
  X(sin) X(cos) X(expm1) X(rsqrt) X(erf)                                                               \
  /* core/ops/statistics.cpp */                                                                        \
  X(cumsum)                                                                                            \
  /* core/ops/activation.cpp */                                                                        \
  X(relu) X(sigmoid) X(tanh)                                                                           \
  /* core/ops/reduction.cpp */                                                                         \
  X(sum) X(max)                                                                                        \
  /* core/ops/shape.cpp */                                                                             \
  X(gather) X(index_select)                                                                            \
  X(scatter_add) /* recorded only as the create_graph backward of gather and index_select */           \
  /* core/ops/matmul.cpp */                                                                            \
  X(mm) X(bmm) X(linear)                                                                                      \
  /* core/ops/softmax.cpp */                                                                           \
  X(softmax) X(log_softmax) X(logsumexp)                                                               \
  /* nn/functional/ (fused losses) */                                                                  \
  X(nll_loss) X(cross_entropy) X(cross_entropy_probabilities) X(binary_cross_entropy)                   \
   X(binary_cross_entropy_with_logits) X(mse_loss)                                                     \
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
