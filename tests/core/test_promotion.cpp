// Creation dtypes and type promotion, against PyTorch 1.13 (tests/fixtures/promotion_reference.txt, made
// by tests/fixtures/make_promotion_fixture.py): tensor({ints}) is int64, result_type for every pair of
// operand kinds, promoted forward values with each input's gradient in its own dtype, in-place ops
// refusing to narrow, and dtype names in printing.
#include <cmath>
#include <cstdint>
#include <fstream>
#include <limits>
#include <map>
#include <sstream>

#include "../support/helpers.hpp"

using namespace support;
using Catch::Matchers::Contains;
using Catch::Matchers::Message;

namespace {

tg::Dtype dtype_named(const std::string& name) {
  if (name == "float32") return tg::kFloat32;
  if (name == "float64") return tg::kFloat64;
  REQUIRE(name == "int64");
  return tg::kInt64;
}

// The operands of make_promotion_fixture.py's TENSOR_KINDS and SCALAR_KINDS.
tg::Tensor tensor_kind(const std::string& kind) {
  if (kind == "i64") return tg::tensor({3, -2});
  if (kind == "f32") return tg::tensor({1.5, -2.0}, tg::kFloat32);
  if (kind == "f64") return tg::tensor({1.5, -2.0}, tg::kFloat64);
  if (kind == "i64_0d") return tg::tensor(3);
  if (kind == "f32_0d") return tg::tensor(1.5, tg::kFloat32);
  REQUIRE(kind == "f64_0d");
  return tg::tensor(1.5, tg::kFloat64);
}

struct Line {
  std::vector<std::string> words;
};
std::vector<Line> fixture_lines(const std::string& kind) {
  std::ifstream in(std::string(TAPEGRAD_SOURCE_DIR) + "/tests/fixtures/promotion_reference.txt");
  REQUIRE(in.good());
  std::vector<Line> lines;
  for (std::string text; std::getline(in, text);) {
    std::istringstream s(text);
    Line line;
    for (std::string w; s >> w;) line.words.push_back(w);
    if (!line.words.empty() && line.words[0] == kind) lines.push_back(std::move(line));
  }
  return lines;
}

}  // namespace

TEST_CASE("tensor(): integer literals give int64, floating or mixed ones float32, an explicit dtype wins",
          "[core][promotion]") {
  const tg::Tensor ints = tg::tensor({0, 1, 2});
  CHECK(ints.dtype() == tg::kInt64);
  CHECK(tg::to_vector<std::int64_t>(ints) == std::vector<std::int64_t>{0, 1, 2});
  CHECK(tg::tensor({{1}, {2}}).dtype() == tg::kInt64);
  CHECK(tg::tensor({{{1, 2}}, {{3, 4}}}).shape() == tg::Shape{2, 1, 2});
  CHECK(tg::tensor(7).dtype() == tg::kInt64);
  CHECK(tg::tensor(7).dim() == 0);
  CHECK(tg::tensor({std::int64_t{3}, std::int64_t{-4}}).dtype() == tg::kInt64);
  CHECK(tg::tensor({true, false}).dtype() == tg::kInt64);  // no bool dtype: 1 and 0
  // Exact beyond 2^53, where a double would round to ...992.
  CHECK(tg::tensor({std::int64_t{9007199254740993}}).item<std::int64_t>() == 9007199254740993);

  CHECK(tg::tensor({1., 2.}).dtype() == tg::kFloat32);
  CHECK(tg::tensor({1.f, 2.f}).dtype() == tg::kFloat32);
  CHECK(tg::tensor(2.5).dtype() == tg::kFloat32);
  const tg::Tensor mixed = tg::tensor({1, 2.5});  // as torch.tensor([1, 2.5])
  CHECK(mixed.dtype() == tg::kFloat32);
  check_close(mixed, {1, 2.5});
  CHECK(tg::tensor({{1, 2}, {3, 4.5}}).dtype() == tg::kFloat32);
  CHECK(tg::tensor({}).dtype() == tg::kFloat32);  // torch.tensor([]) is float32

  CHECK(tg::tensor({0, 1}, tg::kFloat32).dtype() == tg::kFloat32);
  CHECK(tg::tensor({0, 1}, tg::kFloat64).dtype() == tg::kFloat64);
  CHECK(tg::tensor({0, 1}, tg::dtype(tg::kFloat64).requires_grad(true)).requires_grad());
  CHECK(tg::tensor({0.5, 1.5}, tg::kInt64).dtype() == tg::kInt64);
  CHECK(tg::to_vector<std::int64_t>(tg::tensor({2.5, -1.5}, tg::kInt64)) == std::vector<std::int64_t>{2, -1});
  // requires_grad without a dtype keeps the inferred one, and an int64 tensor cannot require grad.
  CHECK(tg::tensor({1., 2.}, tg::requires_grad()).requires_grad());
  CHECK_THROWS_AS(tg::tensor({1, 2}, tg::requires_grad()), std::invalid_argument);

  CHECK_FALSE(tg::TensorOptions().has_dtype());
  CHECK_FALSE(tg::requires_grad().has_dtype());
  CHECK(tg::TensorOptions().dtype() == tg::kFloat32);  // the default dtype when none is set
  CHECK(tg::TensorOptions(tg::kFloat32).has_dtype());
  CHECK(tg::TensorOptions().dtype(tg::kFloat32).has_dtype());
}

TEST_CASE("result_type: promote_types and can_cast for tapegrad's dtypes", "[core][promotion]") {
  CHECK(tg::promote_types(tg::kInt64, tg::kInt64) == tg::kInt64);
  CHECK(tg::promote_types(tg::kInt64, tg::kFloat32) == tg::kFloat32);
  CHECK(tg::promote_types(tg::kFloat64, tg::kInt64) == tg::kFloat64);
  CHECK(tg::promote_types(tg::kFloat32, tg::kFloat64) == tg::kFloat64);
  CHECK(tg::promote_types(tg::kFloat64, tg::kFloat32) == tg::kFloat64);
  CHECK(tg::can_cast(tg::kInt64, tg::kFloat32));
  CHECK(tg::can_cast(tg::kFloat64, tg::kFloat32));  // same category: allowed, as torch.can_cast
  CHECK_FALSE(tg::can_cast(tg::kFloat32, tg::kInt64));
  CHECK_FALSE(tg::can_cast(tg::kFloat64, tg::kInt64));
}

TEST_CASE("result_type: every pair of operand kinds matches PyTorch 1.13, and the ops compute in it",
          "[core][promotion]") {
  const auto results = fixture_lines("result_type");
  const auto divisions = fixture_lines("div_dtype");
  REQUIRE(results.size() == 6 * 8);
  REQUIRE(divisions.size() == results.size());
  for (std::size_t i = 0; i < results.size(); ++i) {
    const auto& w = results[i].words;
    REQUIRE(w.size() == 4);
    REQUIRE(divisions[i].words[1] == w[1]);
    REQUIRE(divisions[i].words[2] == w[2]);
    INFO(w[1] << " with " << w[2]);
    const tg::Dtype expected = dtype_named(w[3]);
    const tg::Dtype expected_div = dtype_named(divisions[i].words[3]);
    const tg::Tensor a = tensor_kind(w[1]);
    if (w[2] == "int" || w[2] == "float") {
      const tg::Scalar s = w[2] == "int" ? tg::Scalar(2) : tg::Scalar(0.5);
      CHECK(tg::result_type(a, s) == expected);
      CHECK(tg::add(a, s).dtype() == expected);
      CHECK(tg::sub(a, s).dtype() == expected);
      CHECK(tg::mul(a, s).dtype() == expected);
      CHECK(tg::rsub(s, a).dtype() == expected);
      CHECK(tg::eq(a, s).dtype() == expected);
      CHECK(tg::gt(a, s).dtype() == expected);
      CHECK(tg::div(a, s).dtype() == expected_div);
      CHECK(tg::rdiv(s, a).dtype() == expected_div);
    } else {
      const tg::Tensor b = tensor_kind(w[2]);
      CHECK(tg::result_type(a, b) == expected);
      CHECK(tg::add(a, b).dtype() == expected);
      CHECK(tg::sub(a, b).dtype() == expected);
      CHECK(tg::mul(a, b).dtype() == expected);
      CHECK(tg::eq(a, b).dtype() == expected);
      CHECK(tg::le(a, b).dtype() == expected);
      CHECK(tg::where(tg::ones({2}), a, b).dtype() == expected);
      CHECK(tg::div(a, b).dtype() == expected_div);
      if (tg::is_floating_point(expected)) {
        CHECK(tg::maximum(a, b).dtype() == expected);
        CHECK(tg::minimum(a, b).dtype() == expected);
      }
    }
  }
}

TEST_CASE("promoted ops: values, and each input's gradient in its own dtype, match PyTorch 1.13",
          "[core][promotion]") {
  // The cases of make_promotion_fixture.py, by name; loss = sum(out * w), w = [1, 2, ...] / 4.
  using Fn = std::function<tg::Tensor(const tg::Tensor&, const tg::Tensor&)>;
  struct Case {
    std::vector<tg::Tensor> inputs;
    Fn fn;
  };
  const tg::Tensor none;
  std::map<std::string, Case> cases;
  cases["mul_f32_f64"] = {{tg::tensor({1.5, -2.0, 0.25}, tg::kFloat32), tg::tensor({{2.0}, {-1.0 / 3}}, tg::kFloat64)},
                          [](auto& a, auto& b) { return a * b; }};
  cases["add_i64_f32"] = {{tg::tensor({1, 2, 3}), tg::tensor({0.5, -1.25, 2.0}, tg::kFloat32)},
                          [](auto& a, auto& b) { return a + b; }};
  cases["sub_f32_f64_0d"] = {{tg::tensor({1.0, 2.0, 3.5}, tg::kFloat32), tg::tensor(1.0 / 3, tg::kFloat64)},
                             [](auto& a, auto& b) { return a - b; }};
  cases["div_i64_i64"] = {{tg::tensor({1, 2, -7}), tg::tensor({2, 3, 2})}, [](auto& a, auto& b) { return a / b; }};
  cases["div_f64_i64"] = {{tg::tensor({1.0, 2.0, -7.0}, tg::kFloat64), tg::tensor({2, 3, 2})},
                          [](auto& a, auto& b) { return a / b; }};
  cases["mul_i64_half"] = {{tg::tensor({1, 2, 3}), none}, [](auto& a, auto&) { return a * 0.5; }};
  cases["mul_i64_int"] = {{tg::tensor({1, 2, 3}), none}, [](auto& a, auto&) { return a * 3; }};
  cases["rdiv_int_i64"] = {{tg::tensor({1, 2, 4}), none}, [](auto& a, auto&) { return 1 / a; }};
  cases["pow_i64_2"] = {{tg::tensor({1, -2, 3}), none}, [](auto& a, auto&) { return tg::pow(a, 2); }};
  cases["pow_i64_half"] = {{tg::tensor({1, 2, 4}), none}, [](auto& a, auto&) { return a.pow(0.5); }};
  cases["maximum_f32_f64"] = {{tg::tensor({1.0, 5.0, -1.0}, tg::kFloat32), tg::tensor({2.0, 3.0, -1.0}, tg::kFloat64)},
                              [](auto& a, auto& b) { return tg::maximum(a, b); }};
  cases["where_f32_f64"] = {{tg::tensor({1.0, 2.0, 3.0}, tg::kFloat32), tg::tensor({-1.0, -2.0, -3.0}, tg::kFloat64)},
                            [](auto& a, auto& b) { return tg::where(tg::tensor({1, 0, 1}), a, b); }};
  cases["gt_i64_float"] = {{tg::tensor({1, 2, 3}), none}, [](auto& a, auto&) { return tg::gt(a, 1.5); }};
  cases["eq_i64_f32"] = {{tg::tensor({1, 2, 3}), tg::tensor({1.0, 2.5, 3.0}, tg::kFloat32)},
                         [](auto& a, auto& b) { return tg::eq(a, b); }};

  std::map<std::string, std::map<std::string, Line>> fields;  // case -> field -> line
  for (auto& line : fixture_lines("case")) fields[line.words[1]][line.words[2]] = line;
  REQUIRE(fields.size() == cases.size());
  auto expect = [](const tg::Tensor& actual, const Line& line) {
    const auto& w = line.words;  // case name field dtype shape values...
    INFO(w[1] << " " << w[2]);
    REQUIRE(actual.defined());
    CHECK(actual.dtype() == dtype_named(w[3]));
    tg::Shape shape;
    if (w[4] != "-") {
      std::istringstream s(w[4]);
      for (std::string d; std::getline(s, d, ',');) shape.push_back(std::stoll(d));
    }
    CHECK(actual.shape() == shape);
    std::vector<double> values;
    for (std::size_t i = 5; i < w.size(); ++i) values.push_back(std::stod(w[i]));
    // float32 results are PyTorch's own float32 values: equal to a float32 rounding.
    check_close(actual, values, actual.dtype() == tg::kFloat32 ? 1e-7 : 1e-15, actual.dtype() == tg::kFloat32 ? 1e-6 : 1e-15);
  };
  for (auto& [name, c] : cases) {
    INFO(name);
    REQUIRE(fields.count(name) == 1);
    for (auto& t : c.inputs)
      if (t.defined() && t.is_floating_point()) t.requires_grad_();
    const tg::Tensor out = c.fn(c.inputs[0], c.inputs[1]);
    expect(out, fields[name].at("out"));
    // The fixture has gradients exactly where the result must record (so a lost recording fails here).
    CHECK(out.requires_grad() == (fields[name].count("grad_a") + fields[name].count("grad_b") > 0));
    if (!out.requires_grad()) continue;
    const tg::Tensor w = tg::div(tg::arange(1, static_cast<double>(out.numel()) + 1, 1, out.dtype()).reshape(out.shape()), 4);
    tg::sum(out * w).backward();
    const char* grad_names[] = {"grad_a", "grad_b"};
    for (std::size_t i = 0; i < 2; ++i) {
      if (!c.inputs[i].defined() || !c.inputs[i].requires_grad()) {
        CHECK(fields[name].count(grad_names[i]) == 0);
        continue;
      }
      expect(c.inputs[i].grad(), fields[name].at(grad_names[i]));
    }
  }
}

TEST_CASE("promotion: int64 arithmetic stays int64 with integers, and what still needs one dtype",
          "[core][promotion]") {
  const tg::Tensor i = tg::tensor({7, -3});
  CHECK(tg::to_vector<std::int64_t>(i + 2) == std::vector<std::int64_t>{9, -1});
  CHECK(tg::to_vector<std::int64_t>(i * i) == std::vector<std::int64_t>{49, 9});
  CHECK((i + 2.0).dtype() == tg::kFloat32);  // a floating scalar, even integer-valued, as PyTorch
  check_close(tg::tensor({1, 2}) * 0.5, {0.5, 1.0});
  CHECK_THROWS_MATCHES(tg::pow(i, -1), std::invalid_argument,
                       Message("pow: Integers to negative integer powers are not allowed."));
  // int64 powers are exact above 2^53 and wrap on overflow, as PyTorch 1.13 (values from torch.pow).
  CHECK(tg::to_vector<std::int64_t>(tg::pow(tg::tensor({94906267, -3, 5}), 3 - 1)) ==
        std::vector<std::int64_t>{9007199515875289, 9, 25});
  CHECK(tg::pow(tg::tensor({std::int64_t{3037000500}}), 2).item<std::int64_t>() == -9223372036709301616);
  CHECK(tg::pow(tg::tensor({-3}), 3).item<std::int64_t>() == -27);
  CHECK(tg::pow(tg::tensor({-3}), 0).item<std::int64_t>() == 1);
  // Integer scalars stay exact beyond 2^53 (a double would round 2^53 + 1 down), up to int64's maximum.
  const std::int64_t big = 9007199254740993;
  CHECK((tg::tensor({0}) + big).item<std::int64_t>() == big);
  CHECK((tg::tensor({1}) * std::numeric_limits<std::int64_t>::max()).item<std::int64_t>() ==
        std::numeric_limits<std::int64_t>::max());
  CHECK(tg::tensor({big}).item<std::int64_t>() == big);
  // An unsigned value beyond int64 has no dtype, as a literal or as a scalar.
  const std::uint64_t too_big = std::uint64_t{1} << 63;
  CHECK_THROWS_MATCHES(tg::tensor({too_big}), std::invalid_argument,
                       Message("9223372036854775808 does not fit in int64"));
  CHECK_THROWS_MATCHES(tg::tensor({1}) * too_big, std::invalid_argument,
                       Message("9223372036854775808 does not fit in int64"));
  // full, fill_ and comparisons with a number take it exactly too.
  CHECK(tg::to_vector<std::int64_t>(tg::full({2}, big, tg::kInt64)) == std::vector<std::int64_t>{big, big});
  CHECK(tg::to_vector<std::int64_t>(tg::eq(tg::tensor({big, big - 1}), big)) == std::vector<std::int64_t>{1, 0});
  // Matrix products and losses' input against target keep requiring one dtype.
  CHECK_THROWS_WITH(tg::matmul(tg::ones({2, 2}), tg::ones({2, 2}, tg::kFloat64)), Contains("same dtype"));
  CHECK_THROWS_AS(tg::matmul(tg::ones({2, 2}), tg::ones({2, 2}, tg::kFloat64)), std::invalid_argument);
}

TEST_CASE("cat and stack concatenate mixed dtypes in their promoted type, gradients back in each input's own",
          "[core][promotion]") {
  // Values from PyTorch 1.13.
  const tg::Tensor mixed = tg::cat({tg::tensor({1, 2, 3}), tg::tensor({0.5, 2.5, 1.0})});
  CHECK(mixed.dtype() == tg::kFloat32);
  check_close(mixed, {1, 2, 3, 0.5, 2.5, 1});
  const tg::Tensor wide = tg::cat({tg::tensor({1, 2}), tg::tensor({3.5}, tg::kFloat64)});
  CHECK(wide.dtype() == tg::kFloat64);
  check_close(wide, {1, 2, 3.5});
  const tg::Tensor stacked = tg::stack({tg::tensor({1, 2}), tg::tensor({0.5, 1.5})});
  CHECK(stacked.dtype() == tg::kFloat32);
  CHECK(stacked.shape() == tg::Shape{2, 2});
  check_close(stacked, {1, 2, 0.5, 1.5});

  tg::Tensor a = tg::tensor({1.0, 2.0}).requires_grad_();
  tg::Tensor b = tg::tensor({3.0}, tg::kFloat64).requires_grad_();
  const tg::Tensor y = tg::cat({a, b});
  CHECK(y.dtype() == tg::kFloat64);
  tg::sum(y * tg::tensor({1.0, 2.0, 3.0}, tg::kFloat64)).backward();
  CHECK(a.grad().dtype() == tg::kFloat32);
  CHECK(b.grad().dtype() == tg::kFloat64);
  check_close(a.grad(), {1, 2});
  check_close(b.grad(), {3});
}

TEST_CASE("int64 fills refuse floating values int64 cannot hold, with PyTorch's message", "[core][promotion]") {
  const auto overflow = Message("value cannot be converted to type int64_t without overflow");
  CHECK_THROWS_MATCHES(tg::full({2}, 1e30, tg::kInt64), std::invalid_argument, overflow);
  CHECK_THROWS_MATCHES(tg::zeros({2}, tg::kInt64).fill_(std::nan("")), std::invalid_argument, overflow);
  CHECK_THROWS_MATCHES(tg::zeros({2}, tg::kInt64).fill_(-1e19), std::invalid_argument, overflow);
  // 2^63 is refused too (PyTorch 1.13 lets it through as -2^63: its check compares with INT64_MAX
  // rounded up to 2^63); -2^63 itself is int64's minimum.
  CHECK_THROWS_MATCHES(tg::zeros({1}, tg::kInt64).fill_(0x1p63), std::invalid_argument, overflow);
  CHECK(tg::zeros({1}, tg::kInt64).fill_(-0x1p63).item<std::int64_t>() == std::numeric_limits<std::int64_t>::min());
  // In range, the value is truncated toward zero, as PyTorch.
  CHECK(tg::to_vector<std::int64_t>(tg::full({2}, -3.7, tg::kInt64)) == std::vector<std::int64_t>{-3, -3});
  CHECK(tg::to_vector<std::int64_t>(tg::full({1}, 3.7, tg::kInt64)) == std::vector<std::int64_t>{3});
}

TEST_CASE("in-place ops refuse a result type that would narrow into self, with PyTorch's message",
          "[core][promotion]") {
  tg::Tensor i = tg::tensor({1, 2});
  const auto version = i.version();
  CHECK_THROWS_MATCHES(tg::add_(i, tg::tensor({0.5, 1.5})), std::invalid_argument,
                       Message("add_: result type Float can't be cast to the desired output type Long"));
  CHECK_THROWS_MATCHES(tg::add_(i, tg::tensor({0.5}, tg::kFloat64)), std::invalid_argument,
                       Message("add_: result type Double can't be cast to the desired output type Long"));
  CHECK_THROWS_MATCHES(tg::mul_(i, 0.5), std::invalid_argument,
                       Message("mul_: result type Float can't be cast to the desired output type Long"));
  CHECK_THROWS_MATCHES(tg::add_(i, tg::tensor({1, 1}), 0.5), std::invalid_argument,
                       Message("add_: For integral input tensors, argument alpha must not be a floating point number."));
  CHECK(i.version() == version);  // refused before writing
  CHECK(tg::to_vector<std::int64_t>(i) == std::vector<std::int64_t>{1, 2});

  tg::mul_(i, 3);
  tg::add_(i, tg::tensor({1, 1}), 2);
  CHECK(tg::to_vector<std::int64_t>(i) == std::vector<std::int64_t>{5, 8});
  // Widening into self is fine: float32 += int64, float32 += float64 (computed in float64, then rounded).
  tg::Tensor f = tg::tensor({0.5, 1.0}, tg::kFloat32);
  tg::add_(f, tg::tensor({1, 2}));
  check_close(f, {1.5, 3.0});
  tg::add_(f, tg::tensor({1e-8, 0.1}, tg::kFloat64), 2.0);
  CHECK(f.dtype() == tg::kFloat32);
  CHECK(tg::to_vector<float>(f) == std::vector<float>{static_cast<float>(1.5 + 2e-8), static_cast<float>(3.0 + 0.2)});
  // A 0-d float64 operand does not widen the computation (result_type float32), as PyTorch 1.13:
  // 1 + (2^-24 + 2^-50) is 1 in float32 arithmetic, 1 + 2^-23 when summed in float64 and rounded.
  const double just_over_half_ulp = std::ldexp(1.0, -24) + std::ldexp(1.0, -50);
  tg::Tensor one = tg::ones({1});
  tg::add_(one, tg::scalar_tensor(just_over_half_ulp, tg::kFloat64));
  CHECK(one.item<float>() == 1.0f);
  tg::add_(one, tg::full({1}, just_over_half_ulp, tg::kFloat64));  // dimensioned: computed in float64
  CHECK(one.item<float>() == 1.0f + std::ldexp(1.0f, -23));
}

TEST_CASE("printing names dtypes as tapegrad does, never torch.*", "[core][promotion]") {
  CHECK(to_string(tg::tensor({0.5, 1.0}, tg::kFloat64)) == "tensor([0.5000, 1.0000], dtype=float64)");
  CHECK(to_string(tg::zeros({0}, tg::kInt64)) == "tensor([], dtype=int64)");
  CHECK(to_string(tg::tensor({1, 2})) == "tensor([1, 2])");  // int64 is inferred from the digits, as PyTorch
  CHECK(to_string(tg::tensor({1., 2.})) == "tensor([1., 2.])");
  CHECK_THAT(to_string(tg::tensor({1., 2.}, tg::kFloat64).requires_grad_() * 2), !Contains("torch."));
}
