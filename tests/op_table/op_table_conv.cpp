// Op-table entries of convolutional networks: core/ops/conv.cpp, pool.cpp, join.cpp and the composed
// nn::functional batch_norm and dropout.
#include "op_table.hpp"

namespace tapegrad::testing {

namespace {
using Inputs = std::vector<Tensor>;
namespace F = nn::functional;

// Distinct values a few eps apart at least, so the max of each window is unique (max_pool's
// gradient is not differentiable at ties).
Tensor distinct(const Shape& shape) {
  const std::int64_t n = shape_numel(shape);
  Tensor perm = randperm(n).to(kFloat64);
  return (perm * (1.0 / static_cast<double>(n)) + randn(shape, kFloat64).reshape({n}) * 0.01).reshape(shape).detach().requires_grad_();
}

Conv2dParams strided() { return Conv2dParams().stride({2, 1}).padding({1, 0, 2, 1}).dilation({1, 2}); }
}  // namespace

std::vector<OpTableEntry> conv_entries() {
  auto image = [] { return Inputs{sample({2, 4, 5, 6}), sample({6, 2, 3, 2}), sample({6})}; };
  return {
      {"conv2d", "bias", [] { return Inputs{sample({2, 3, 5, 5}), sample({4, 3, 3, 3}), sample({4})}; },
       [](const Inputs& x) { return conv2d(x[0], x[1], x[2]); }},
      {"conv2d", "stride, uneven padding, dilation, groups", image,
       [](const Inputs& x) { return conv2d(x[0], x[1], x[2], strided().groups(2)); }},
      {"conv2d", "unbatched, no bias", [] { return Inputs{sample({2, 4, 4}), sample({3, 2, 2, 2})}; },
       [](const Inputs& x) { return conv2d(x[0], x[1], {}, Conv2dParams().padding({1, 1, 1, 1})); }},
      {"conv2d", "functional, padding same (even kernel)", [] { return Inputs{sample({1, 2, 5, 4}), sample({3, 2, 2, 3})}; },
       [](const Inputs& x) { return F::conv2d(x[0], x[1], nn::Conv2dFuncOptions().padding("same").dilation({2, 1})); }},
      {"conv2d_backward_input", "groups, stride", [] { return Inputs{sample({2, 6, 2, 7}), sample({6, 2, 3, 2})}; },
       [](const Inputs& x) { return conv2d_backward_input(x[0], x[1], {2, 4, 5, 6}, strided().groups(2)); }},
      {"conv2d_backward_weight", "groups, stride", [] { return Inputs{sample({2, 4, 5, 6}), sample({2, 6, 2, 7})}; },
       [](const Inputs& x) { return conv2d_backward_weight(x[0], x[1], {6, 2, 3, 2}, strided().groups(2)); }},
      {"max_pool2d", "stride, padding", [] { return Inputs{distinct({2, 2, 5, 5})}; },
       [](const Inputs& x) { return max_pool2d(x[0], Pool2dParams().kernel_size({3, 3}).stride({2, 2}).padding({1, 1})); }},
      {"max_pool2d", "dilation, ceil_mode, unbatched", [] { return Inputs{distinct({2, 6, 7})}; },
       [](const Inputs& x) {
         return max_pool2d(x[0], Pool2dParams().kernel_size({2, 3}).stride({2, 2}).dilation({2, 1}).ceil_mode(true));
       }},
      {"max_pool2d_backward", "", [] { return Inputs{sample({1, 2, 2, 2})}; },
       [](const Inputs& x) {
         return max_pool2d_backward(x[0], indices({0, 3, 5, 5, 1, 2, 8, 4}, {1, 2, 2, 2}), {1, 2, 3, 3});
       }},
      {"avg_pool2d", "padding, ceil_mode, count_include_pad", [] { return Inputs{sample({2, 2, 5, 6})}; },
       [](const Inputs& x) {
         return avg_pool2d(x[0], Pool2dParams().kernel_size({3, 2}).stride({2, 2}).padding({1, 1}).ceil_mode(true));
       }},
      {"avg_pool2d", "padding excluded from the count", [] { return Inputs{sample({1, 2, 5, 5})}; },
       [](const Inputs& x) {
         return avg_pool2d(x[0], Pool2dParams().kernel_size({3, 3}).stride({2, 2}).padding({1, 1}).count_include_pad(false));
       }},
      {"avg_pool2d_backward", "ceil_mode", [] { return Inputs{sample({1, 2, 2, 3})}; },
       [](const Inputs& x) {
         return avg_pool2d_backward(x[0], {1, 2, 5, 6}, Pool2dParams().kernel_size({3, 2}).stride({2, 2}).ceil_mode(true));
       }},
      {"adaptive_avg_pool2d", "overlapping windows", [] { return Inputs{sample({2, 3, 5, 7})}; },
       [](const Inputs& x) { return adaptive_avg_pool2d(x[0], {3, 4}); }},
      {"cat", "three tensors along dim 1", [] { return Inputs{sample({2, 1, 3}), sample({2, 3, 3}), sample({2, 2, 3})}; },
       [](const Inputs& x) { return cat({x[0], x[1], x[2]}, 1); }},
      {"cat", "a 1-D empty tensor joins a 3-D one (PyTorch's legacy skip)",
       [] { return Inputs{sample({0}), sample({2, 1, 3}), sample({2, 2, 3})}; },
       [](const Inputs& x) { return cat({x[0], x[1], x[2]}, 1); }},
      {"stack", "negative dim", [] { return Inputs{sample({2, 3}), sample({2, 3})}; },
       [](const Inputs& x) { return stack({x[0], x[1]}, -1); }},
      {"pad", "grow and crop", [] { return Inputs{sample({2, 3, 4})}; },
       [](const Inputs& x) { return pad(x[0], {1, -2, 2, 0}, 0.5); }},
      {"narrow", "", [] { return Inputs{sample({3, 5})}; }, [](const Inputs& x) { return narrow(x[0], 1, 1, 3); }},
      {"select", "negative index", [] { return Inputs{sample({3, 4, 2})}; }, [](const Inputs& x) { return select(x[0], 1, -1); }},
      {"slice", "step 2", [] { return Inputs{sample({3, 7})}; }, [](const Inputs& x) { return slice(x[0], 1, 1, 7, 2); }},
      {"batch_norm", "training, affine", [] { return Inputs{sample({4, 3, 2, 2}), sample({3}), sample({3})}; },
       [](const Inputs& x) {
         return F::batch_norm(x[0], {}, {}, nn::BatchNormFuncOptions().weight(x[1]).bias(x[2]).training(true));
       }},
      {"batch_norm", "eval with running statistics", [] { return Inputs{sample({4, 3}), sample({3})}; },
       [](const Inputs& x) {
         return F::batch_norm(x[0], tensor({0.1, -0.2, 0.3}, kFloat64), tensor({1.5, 0.5, 2.0}, kFloat64),
                              nn::BatchNormFuncOptions().weight(x[1]));
       }},
      {"dropout", "p 0.3 (seeded)", [] { return Inputs{sample({4, 5})}; },
       [](const Inputs& x) {
         manual_seed(5);
         return F::dropout(x[0], nn::DropoutFuncOptions().p(0.3));
       }},
      {"dropout2d", "p 0.5 (seeded)", [] { return Inputs{sample({2, 4, 2, 2})}; },
       [](const Inputs& x) {
         manual_seed(5);
         return F::dropout2d(x[0], nn::DropoutFuncOptions().p(0.5));
       }},
  };
}

}  // namespace tapegrad::testing
