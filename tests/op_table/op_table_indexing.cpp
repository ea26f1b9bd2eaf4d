// Op-table entries of the tensor ops of torch::indexing (core/ops/indexing.cpp), the picking and
// ordering ops (core/ops/selection.cpp) and the statistics (core/ops/statistics.cpp). All but cumsum are
// composed of listed ops.
#include <cmath>

#include "op_table.hpp"

namespace tapegrad::testing {

namespace {
using Inputs = std::vector<Tensor>;
using indexing::Ellipsis;
using indexing::None;
using indexing::Slice;
}  // namespace

std::vector<OpTableEntry> indexing_entries() {
  auto matrix = [] { return Inputs{sample({4, 5})}; };
  return {
      {"index", "slices with a step", matrix, [](const Inputs& x) { return x[0].index({Slice(1, 3), Slice(std::nullopt, std::nullopt, 2)}); }},
      {"index", "int64 tensor with repeats and a negative entry", matrix,
       [](const Inputs& x) { return x[0].index({Slice(), indices({0, -1, 2, 2}, {2, 2})}); }},
      {"index", "None, Ellipsis, integer", matrix, [](const Inputs& x) { return x[0].index({None, Ellipsis, 1}); }},
      {"split", "uneven last piece", matrix, [](const Inputs& x) { return split(x[0], 2, 1)[2]; }},
      {"chunk", "middle piece", matrix, [](const Inputs& x) { return chunk(x[0], 3, 0)[1]; }},
      {"expand", "-1 keeps a dim", [] { return Inputs{sample({3, 1})}; }, [](const Inputs& x) { return expand(x[0], {2, -1, 4}); }},
      {"repeat", "extra leading dim", [] { return Inputs{sample({2, 3})}; }, [](const Inputs& x) { return repeat(x[0], {2, 1, 2}); }},
      {"flip", "two dims", [] { return Inputs{sample({2, 3, 4})}; }, [](const Inputs& x) { return flip(x[0], {0, 2}); }},
      {"masked_fill", "", matrix, [](const Inputs& x) { return masked_fill(x[0], gt(x[0], 0.0), -1.5); }},
      {"min", "along a dim", matrix, [](const Inputs& x) { return min(x[0], 1).first; }},
      {"min", "all elements", matrix, [](const Inputs& x) { return min(x[0]); }},
      {"var", "biased, all", matrix, [](const Inputs& x) { return var(x[0], {}, false); }},
      {"std", "unbiased, dim, keepdim", matrix, [](const Inputs& x) { return tapegrad::std(x[0], {1}, true, true); }},
      {"norm", "p = 1, dim", matrix, [](const Inputs& x) { return norm(x[0], 1, {1}); }},
      {"norm", "p = 2, all", matrix, [](const Inputs& x) { return norm(x[0]); }},
      {"norm", "p = inf, dim", matrix, [](const Inputs& x) { return norm(x[0], INFINITY, {0}); }},
      {"norm", "p = 3, keepdim", matrix, [](const Inputs& x) { return norm(x[0], 3, {1}, true); }},
      {"cumsum", "", matrix, [](const Inputs& x) { return cumsum(x[0], 1); }},
      {"topk", "k = 2", matrix, [](const Inputs& x) { return topk(x[0], 2, 1).first; }},
      {"sort", "descending, dim 0", matrix, [](const Inputs& x) { return sort(x[0], 0, true).first; }},
  };
}

}  // namespace tapegrad::testing
