// The op-table sweep: every op listed in core/op_list.hpp has an entry, every entry exercises the op it
// names, and every entry passes gradcheck in float64.
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>

#include "op_table.hpp"

namespace tg = tapegrad;
using tg::testing::op_table;
using tg::testing::OpTableEntry;
using tg::testing::ops_without_entry;

namespace {

std::vector<std::string> listed_ops() { return {tg::autograd::kOpNames.begin(), tg::autograd::kOpNames.end()}; }

bool is_listed(const std::string& op) {
  const auto& names = tg::autograd::kOpNames;
  return std::find(names.begin(), names.end(), op) != names.end();
}

std::string label(const OpTableEntry& e) { return e.variant.empty() ? e.op : e.op + " (" + e.variant + ")"; }

}  // namespace

TEST_CASE("op table: every op of core/op_list.hpp has an entry", "[op_table]") {
  const auto missing = ops_without_entry(listed_ops(), op_table());
  std::string names;
  for (const auto& m : missing) names += " " + m;
  INFO("listed in core/op_list.hpp but without an entry in tests/op_table/:" << names);
  CHECK(missing.empty());
}

TEST_CASE("op table: the completeness check names an op that has no entry", "[op_table]") {
  // An op added to the list without a table entry...
  auto listed = listed_ops();
  listed.push_back("made_up_op");
  CHECK(ops_without_entry(listed, op_table()) == std::vector<std::string>{"made_up_op"});
  // ...and a table that lost every entry of a listed op.
  std::vector<OpTableEntry> without_relu;
  for (const auto& e : op_table())
    if (e.op != "relu") without_relu.push_back(e);
  CHECK(ops_without_entry(listed_ops(), without_relu) == std::vector<std::string>{"relu"});
}

TEST_CASE("op table: each entry of a listed op records that op on the tape", "[op_table]") {
  for (std::size_t i = 0; i < op_table().size(); ++i) {
    const OpTableEntry& e = op_table()[i];
    if (!is_listed(e.op)) continue;  // composed ops record their parts
    DYNAMIC_SECTION(label(e)) {
      tg::manual_seed(i);
      const auto inputs = e.inputs();
      const tg::Tensor out = e.fn(inputs);
      const std::string dump = tg::autograd::tape_dump();
      INFO(dump);
      CHECK(dump.find(" " + e.op + "(") != std::string::npos);
    }
  }
}

TEST_CASE("op table: gradcheck passes for every entry (float64)", "[op_table]") {
  for (std::size_t i = 0; i < op_table().size(); ++i) {
    const OpTableEntry& e = op_table()[i];
    DYNAMIC_SECTION(label(e)) {
      tg::manual_seed(i);
      const auto inputs = e.inputs();
      const auto result = tg::gradcheck(e.fn, inputs, tg::GradcheckOptions(e.options).raise_exception(false));
      INFO(result.message);
      CHECK(result.passed);
    }
  }
}
