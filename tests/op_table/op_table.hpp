// The op table: every differentiable op of the library, each with float64 sample inputs on which it is
// gradchecked and gradgradchecked (test_op_table.cpp sweeps it). Every op listed in core/op_list.hpp must have at least one
// entry here, or the sweep fails; public ops composed of listed ones (mean, flatten, ...) have entries
// too. To add an op: list it in op_list.hpp, add its entry in the family's table file, test it.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <tapegrad/tapegrad.hpp>

namespace tapegrad::testing {

struct OpTableEntry {
  std::string op;       // a name from core/op_list.hpp, or a composed public op's name
  std::string variant;  // what this entry exercises ("broadcast", "scalar", "weight, ignore_index")
  std::function<std::vector<Tensor>()> inputs;           // float64; those requiring grad are checked
  std::function<Tensor(const std::vector<Tensor>&)> fn;  // deterministic
  GradcheckOptions options = {};                         // PyTorch's float64 defaults unless said
};

// The whole table: one family file each (op_table_*.cpp) appends its entries.
const std::vector<OpTableEntry>& op_table();
std::vector<OpTableEntry> elementwise_entries();
std::vector<OpTableEntry> reduction_shape_entries();
std::vector<OpTableEntry> matmul_softmax_entries();
std::vector<OpTableEntry> loss_entries();
std::vector<OpTableEntry> conv_entries();
std::vector<OpTableEntry> activation_entries();
std::vector<OpTableEntry> composed_loss_entries();
std::vector<OpTableEntry> indexing_entries();
std::vector<OpTableEntry> view_entries();

// Ops of `listed` with no entry in `table` (empty when the table is complete).
std::vector<std::string> ops_without_entry(const std::vector<std::string>& listed, const std::vector<OpTableEntry>& table);

// Sample inputs: seeded normal values, values in [lo, hi), and int64 indices.
Tensor sample(const Shape& shape, bool requires_grad = true);
Tensor sample_in(const Shape& shape, double lo, double hi, bool requires_grad = true);
Tensor indices(const std::vector<std::int64_t>& values, const Shape& shape);

}  // namespace tapegrad::testing
