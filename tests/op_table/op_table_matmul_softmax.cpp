// Op-table entries of core/ops/matmul.cpp and core/ops/softmax.cpp.
#include "op_table.hpp"

namespace tapegrad::testing {

namespace {
using Inputs = std::vector<Tensor>;
}  // namespace

std::vector<OpTableEntry> matmul_softmax_entries() {
  auto rows = [] { return Inputs{sample({3, 5})}; };
  return {
      {"mm", "2-D x 2-D", [] { return Inputs{sample({3, 4}), sample({4, 2})}; },
       [](const Inputs& x) { return mm(x[0], x[1]); }},
      {"matmul", "1-D x 2-D", [] { return Inputs{sample({4}), sample({4, 2})}; },
       [](const Inputs& x) { return matmul(x[0], x[1]); }},
      {"matmul", "dot", [] { return Inputs{sample({4}), sample({4})}; },
       [](const Inputs& x) { return matmul(x[0], x[1]); }},
      {"linear", "with bias, batched", [] { return Inputs{sample({2, 3, 4}), sample({5, 4}), sample({5})}; },
       [](const Inputs& x) { return linear(x[0], x[1], x[2]); }},
      {"linear", "no bias", [] { return Inputs{sample({3, 4}), sample({5, 4})}; },
       [](const Inputs& x) { return linear(x[0], x[1]); }},
      {"softmax", "last dim", rows, [](const Inputs& x) { return softmax(x[0], 1); }},
      {"softmax", "inner dim", [] { return Inputs{sample({2, 3, 4})}; }, [](const Inputs& x) { return softmax(x[0], 1); }},
      {"log_softmax", "last dim", rows, [](const Inputs& x) { return log_softmax(x[0], -1); }},
      {"softmax_backward_data", "inner dim", [] { return Inputs{sample({2, 3, 4}), sample_in({2, 3, 4}, 0.1, 0.9)}; },
       [](const Inputs& x) { return softmax_backward_data(x[0], x[1], 1); }},
      {"log_softmax_backward_data", "last dim", [] { return Inputs{sample({3, 5}), sample_in({3, 5}, -3.0, -0.1)}; },
       [](const Inputs& x) { return log_softmax_backward_data(x[0], x[1], -1); }},
      {"log_softmax", "inner dim", [] { return Inputs{sample({2, 3, 4})}; },
       [](const Inputs& x) { return log_softmax(x[0], 0); }},
      {"logsumexp", "keepdim", rows, [](const Inputs& x) { return logsumexp(x[0], 1, true); }},
      {"logsumexp", "inner dim", [] { return Inputs{sample({2, 3, 4})}; },
       [](const Inputs& x) { return logsumexp(x[0], 1); }},
  };
}

}  // namespace tapegrad::testing
