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
      // "#3 softmax[dim=1](...)": the name, then its attributes or its inputs.
      CHECK((dump.find(" " + e.op + "(") != std::string::npos || dump.find(" " + e.op + "[") != std::string::npos));
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

TEST_CASE("op table: gradgradcheck passes for every entry (float64)", "[op_table][gradgradcheck]") {
  for (std::size_t i = 0; i < op_table().size(); ++i) {
    const OpTableEntry& e = op_table()[i];
    DYNAMIC_SECTION(label(e)) {
      tg::manual_seed(i);
      const auto inputs = e.inputs();
      const auto result = tg::gradgradcheck(e.fn, inputs, {}, tg::GradcheckOptions(e.options).raise_exception(false));
      INFO(result.message);
      CHECK(result.passed);
    }
  }
}

namespace {

// The same values in a layout that is not contiguous: every other element of a tensor twice as long
// in a new last dim (0-d and one-element inputs have no other layout and stay as they are). Indices
// are spread out too, so index reads go through strides as well.
tg::Tensor non_contiguous(const tg::Tensor& x) {
  if (!x.defined() || x.numel() < 2) return x;
  tg::Shape wide = x.shape();
  wide.push_back(2);
  tg::Tensor spread = tg::zeros(wide, x.dtype()).select(-1, 1);
  spread.copy_(x.detach());
  if (x.requires_grad()) spread.requires_grad_(true);
  return spread;
}

std::vector<tg::Tensor> non_contiguous(const std::vector<tg::Tensor>& inputs) {
  std::vector<tg::Tensor> out;
  for (const auto& x : inputs) out.push_back(non_contiguous(x));
  return out;
}

}  // namespace

TEST_CASE("op table: gradcheck and gradgradcheck pass for every entry on non-contiguous inputs", "[op_table][gradgradcheck]") {
  for (std::size_t i = 0; i < op_table().size(); ++i) {
    const OpTableEntry& e = op_table()[i];
    DYNAMIC_SECTION(label(e)) {
      tg::manual_seed(i);
      const auto inputs = non_contiguous(e.inputs());
      for (const auto& x : inputs)
        if (x.defined() && x.numel() > 1) REQUIRE_FALSE(x.is_contiguous());
      const auto options = tg::GradcheckOptions(e.options).raise_exception(false);
      const auto first = tg::gradcheck(e.fn, inputs, options);
      INFO(first.message);
      CHECK(first.passed);
      const auto second = tg::gradgradcheck(e.fn, inputs, {}, options);
      INFO(second.message);
      CHECK(second.passed);
    }
  }
}

namespace {

// cube(x) = x³ with a backward g·3·square(x), where square's own backward is off by `error` (1.01:
// 1%): the first derivative is exact, the second is 1% wrong.
tg::Tensor square_with_error(const tg::Tensor& x, double error) {
  tg::Tensor y;
  {
    tg::NoGradGuard no_grad;
    y = x * x;
  }
  return tg::autograd::record("square_with_error", {x}, y, [sx = tg::autograd::save(x), error](const tg::Tensor& g) {
    return tg::autograd::Grads{g * sx.get() * (2.0 * error)};
  });
}

tg::Tensor cube(const tg::Tensor& x, double error) {
  tg::Tensor y;
  {
    tg::NoGradGuard no_grad;
    y = x * x * x;
  }
  return tg::autograd::record("cube", {x}, y, [sx = tg::autograd::save(x), error](const tg::Tensor& g) {
    return tg::autograd::Grads{g * square_with_error(sx.get(), error) * 3.0};
  });
}

}  // namespace

TEST_CASE("gradgradcheck catches a 1% error in a second derivative that gradcheck cannot see", "[op_table][gradgradcheck]") {
  tg::manual_seed(7);
  const std::vector<tg::Tensor> x{tg::testing::sample_in({2, 3}, 0.5, 2.0)};
  auto exact = [](const std::vector<tg::Tensor>& in) { return cube(in[0], 1.0); };
  auto wrong = [](const std::vector<tg::Tensor>& in) { return cube(in[0], 1.01); };
  const auto no_raise = tg::GradcheckOptions().raise_exception(false);
  CHECK(tg::gradcheck(exact, x, no_raise).passed);
  CHECK(tg::gradcheck(wrong, x, no_raise).passed);  // first derivatives are right
  CHECK(tg::gradgradcheck(exact, x, {}, no_raise).passed);
  const auto result = tg::gradgradcheck(wrong, x, {}, no_raise);
  INFO(result.message);
  CHECK_FALSE(result.passed);
  CHECK(result.message.find("second derivative mismatch") != std::string::npos);
  // The analytic second derivative is the numeric one times 1.01 (6x·1.01 vs 6x, scaled by v).
  CHECK(result.analytic == Approx(result.numeric * 1.01).epsilon(1e-4));
  CHECK_THROWS_AS(tg::gradgradcheck(wrong, x), tg::GradcheckError);
}
