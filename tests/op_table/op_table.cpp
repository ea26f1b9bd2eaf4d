#include "op_table.hpp"

#include <algorithm>

namespace tapegrad::testing {

const std::vector<OpTableEntry>& op_table() {
  static const std::vector<OpTableEntry> table = [] {
    std::vector<OpTableEntry> all;
    for (auto family : {elementwise_entries, reduction_shape_entries, matmul_softmax_entries, loss_entries, conv_entries,
                        activation_entries, composed_loss_entries, indexing_entries, view_entries})
      for (auto& entry : family()) all.push_back(std::move(entry));
    return all;
  }();
  return table;
}

std::vector<std::string> ops_without_entry(const std::vector<std::string>& listed, const std::vector<OpTableEntry>& table) {
  std::vector<std::string> missing;
  for (const auto& name : listed)
    if (std::none_of(table.begin(), table.end(), [&](const OpTableEntry& e) { return e.op == name; }))
      missing.push_back(name);
  return missing;
}

Tensor sample(const Shape& shape, bool requires_grad) {
  Tensor t = randn(shape, kFloat64);
  return requires_grad ? t.requires_grad_() : t;
}

Tensor sample_in(const Shape& shape, double lo, double hi, bool requires_grad) {
  Tensor t = uniform(shape, lo, hi, kFloat64);
  return requires_grad ? t.requires_grad_() : t;
}

Tensor indices(const std::vector<std::int64_t>& values, const Shape& shape) { return from_vector(values, shape); }

}  // namespace tapegrad::testing
