// Op-table entries of core/ops/view.cpp (views and their view_scatter backward), the batched products
// of core/ops/matmul.cpp and tril/triu. The sweep also runs each on non-contiguous inputs.
#include "op_table.hpp"

namespace tapegrad::testing {

namespace {
using Inputs = std::vector<Tensor>;
}  // namespace

std::vector<OpTableEntry> view_entries() {
  auto cube = [] { return Inputs{sample({2, 3, 4})}; };
  auto matrix = [] { return Inputs{sample({3, 4})}; };
  return {
      {"view", "split and merge dims", cube, [](const Inputs& x) { return x[0].contiguous().view({3, 2, 2, 2}); }},
      {"permute", "then a reshape that copies", cube,
       [](const Inputs& x) { return reshape(permute(x[0], {2, 0, 1}), {4, 6}); }},
      {"expand", "new leading dim", [] { return Inputs{sample({3, 1})}; },
       [](const Inputs& x) { return expand(x[0], {2, 3, 5}); }},
      {"as_strided", "overlapping windows", [] { return Inputs{sample({10})}; },
       [](const Inputs& x) { return as_strided(x[0].contiguous(), {4, 3}, {2, 1}, 1); }},
      {"slice", "step 2", cube, [](const Inputs& x) { return slice(x[0], 2, 1, 4, 2); }},
      {"narrow", "", cube, [](const Inputs& x) { return narrow(x[0], 1, 1, 2); }},
      {"select", "negative index", cube, [](const Inputs& x) { return select(x[0], 1, -1); }},
      {"diagonal", "offset 1 of the last two dims", cube, [](const Inputs& x) { return diagonal(x[0], 1, 1, 2); }},
      {"diagonal", "negative offset", matrix, [](const Inputs& x) { return diagonal(x[0], -1); }},
      {"unfold", "overlapping windows", matrix, [](const Inputs& x) { return unfold(x[0], 1, 3, 1); }},
      {"split", "one piece unused", cube,
       [](const Inputs& x) { auto p = split(x[0], 3, 2); return p[0] * 2.0; }},
      {"split", "sizes, all pieces", cube,
       [](const Inputs& x) { auto p = split(x[0], std::vector<std::int64_t>{1, 3}, 2); return sum(p[0]) * p[1]; }},
      {"unbind", "a loop over the pieces", cube, [](const Inputs& x) {
         Tensor acc = zeros({2, 4}, x[0].dtype());
         for (const Tensor& step : unbind(x[0], 1)) acc = tanh(acc + step);
         return acc;
       }},
      {"movedim", "", cube, [](const Inputs& x) { return movedim(x[0], 0, -1); }},
      {"unflatten", "", cube, [](const Inputs& x) { return unflatten(x[0], 2, {2, 2}); }},
      {"squeeze", "all size-1 dims", [] { return Inputs{sample({3, 1, 2, 1})}; }, [](const Inputs& x) { return squeeze(x[0]); }},
      // Recorded only by the create_graph backward of a picking view: reached through autograd::grad.
      {"view_scatter", "create_graph backward of select", [] { return Inputs{sample({3, 4}), sample({4})}; },
       [](const Inputs& x) {
         ModeGuard<GradMode, true> grad_mode;
         const Tensor y = select(x[0], 0, 1) * x[0].sum();
         return autograd::grad({y}, {x[0]}, {x[1]}, true, true)[0];
       }},
      {"matmul", "2-D x 2-D", [] { return Inputs{sample({3, 4}), sample({4, 2})}; },
       [](const Inputs& x) { return matmul(x[0], x[1]); }},
      {"matmul", "2-D x transposed view", [] { return Inputs{sample({3, 4}), sample({2, 4})}; },
       [](const Inputs& x) { return matmul(x[0], x[1].t()); }},
      {"matmul", "batch broadcast 4-D x 3-D", [] { return Inputs{sample({2, 1, 3, 4}), sample({3, 4, 2})}; },
       [](const Inputs& x) { return matmul(x[0], x[1]); }},
      {"matmul", "3-D x 2-D folds the batch", [] { return Inputs{sample({2, 3, 4}), sample({4, 2})}; },
       [](const Inputs& x) { return matmul(x[0], x[1]); }},
      {"matmul", "1-D x 3-D", [] { return Inputs{sample({4}), sample({2, 4, 3})}; },
       [](const Inputs& x) { return matmul(x[0], x[1]); }},
      {"matmul", "3-D x 1-D", [] { return Inputs{sample({2, 3, 4}), sample({4})}; },
       [](const Inputs& x) { return matmul(x[0], x[1]); }},
      {"matmul", "q kᵀ of attention", [] { return Inputs{sample({2, 2, 3, 4}), sample({2, 2, 5, 4})}; },
       [](const Inputs& x) { return matmul(x[0], x[1].transpose(-2, -1)); }},
      {"bmm", "", [] { return Inputs{sample({2, 3, 4}), sample({2, 4, 2})}; },
       [](const Inputs& x) { return bmm(x[0], x[1]); }},
      {"baddbmm", "beta and alpha", [] { return Inputs{sample({3, 1}), sample({2, 3, 4}), sample({2, 4, 2})}; },
       [](const Inputs& x) { return baddbmm(x[0], x[1], x[2], 0.5, 2.0); }},
      {"tril", "diagonal -1, batched", cube, [](const Inputs& x) { return tril(x[0], -1); }},
      {"triu", "diagonal 1", matrix, [](const Inputs& x) { return triu(x[0], 1); }},
      {"masked_fill", "broadcast causal mask", [] { return Inputs{sample({2, 3, 3})}; },
       [](const Inputs& x) { return masked_fill(x[0], triu(ones({3, 3}, x[0].dtype()), 1), -2.0); }},
  };
}

}  // namespace tapegrad::testing
