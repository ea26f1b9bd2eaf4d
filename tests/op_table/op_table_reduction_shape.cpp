// Op-table entries of core/ops/reduction.cpp and core/ops/shape.cpp.
#include "op_table.hpp"

namespace tapegrad::testing {

namespace {
using Inputs = std::vector<Tensor>;
}  // namespace

std::vector<OpTableEntry> reduction_shape_entries() {
  auto cube = [] { return Inputs{sample({2, 3, 4})}; };
  auto matrix = [] { return Inputs{sample({3, 4})}; };
  return {
      {"sum", "all", cube, [](const Inputs& x) { return sum(x[0]); }},
      {"sum", "dims, keepdim", cube, [](const Inputs& x) { return sum(x[0], {0, 2}, true); }},
      {"mean", "all", cube, [](const Inputs& x) { return mean(x[0]); }},
      {"mean", "negative dim", cube, [](const Inputs& x) { return mean(x[0], {-1}); }},
      {"max", "along a dim", cube, [](const Inputs& x) { return max(x[0], 1).first; }},
      {"max", "all elements", cube, [](const Inputs& x) { return max(x[0]); }},
      {"broadcast_to", "", [] { return Inputs{sample({3, 1})}; },
       [](const Inputs& x) { return broadcast_to(x[0], {2, 3, 4}); }},
      {"sum_to_size", "leading and size-1 dims", cube, [](const Inputs& x) { return x[0].sum_to_size({3, 1}); }},
      {"reshape", "", cube, [](const Inputs& x) { return reshape(x[0], {4, -1}); }},
      {"view", "", cube, [](const Inputs& x) { return x[0].view({6, 4}); }},
      {"flatten", "", cube, [](const Inputs& x) { return flatten(x[0], 1); }},
      {"squeeze", "", [] { return Inputs{sample({3, 1, 2})}; }, [](const Inputs& x) { return squeeze(x[0], 1); }},
      {"unsqueeze", "", matrix, [](const Inputs& x) { return unsqueeze(x[0], -1); }},
      {"permute", "", cube, [](const Inputs& x) { return permute(x[0], {2, 0, 1}); }},
      {"transpose", "", cube, [](const Inputs& x) { return transpose(x[0], 0, 2); }},
      {"t", "", matrix, [](const Inputs& x) { return t(x[0]); }},
      {"gather", "repeated indices", matrix,
       [](const Inputs& x) { return gather(x[0], 1, indices({0, 3, 3, 1, 2, 2}, {3, 2})); }},
      {"index_select_backward", "repeated indices", [] { return Inputs{sample({3, 3})}; },
       [](const Inputs& x) { return index_select_backward(x[0], {3, 4}, 1, indices({2, 0, 2}, {3})); }},
      {"scatter_add", "self and src, src larger than index", [] { return Inputs{sample({3, 4}), sample({3, 3})}; },
       [](const Inputs& x) { return scatter_add(x[0], 1, indices({0, 3, 0, 1, 1, 2}, {3, 2}), x[1]); }},
      {"index_select", "repeated indices", matrix,
       [](const Inputs& x) { return index_select(x[0], 1, indices({2, 0, 2}, {3})); }},
      // Recorded only by the create_graph backward of gather/index_select: reached through autograd::grad.
      {"scatter_add", "create_graph backward of gather", [] { return Inputs{sample({3, 4}), sample({3, 2})}; },
       [](const Inputs& x) {
         ModeGuard<GradMode, true> grad_mode;  // gradcheck evaluates fn without grad; grad() needs the graph
         const Tensor y = gather(x[0], 1, indices({0, 3, 3, 1, 2, 2}, {3, 2}));
         return autograd::grad({y}, {x[0]}, {x[1]}, true, true)[0];
       }},
  };
}

}  // namespace tapegrad::testing
