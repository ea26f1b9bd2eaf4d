// Multi-output tape entries (unbind, split, chunk): one entry for all the pieces, whose backward runs
// once with the gradients of the pieces that were used (zeros for the others); each piece is a view
// with its own output number, hooks, retain_grad and autograd::grad slot.
#include <catch2/catch.hpp>

#include <tapegrad/tapegrad.hpp>

namespace tg = tapegrad;
namespace ag = tg::autograd;

namespace {
std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}
}  // namespace

TEST_CASE("unbind records one entry for all its pieces; unused pieces get zero gradients", "[core][views]") {
  tg::Tensor x = tg::arange(12.0, tg::kFloat64).reshape({4, 3}).requires_grad_(true);
  const auto rows = x.unbind(0);
  REQUIRE(rows.size() == 4);
  const std::string dump = ag::tape_dump();
  INFO(dump);
  CHECK(count(dump, " unbind(") == 1);
  CHECK(dump.find("unbind([4, 3]) -> [3] float64, [3] float64, [3] float64, [3] float64") != std::string::npos);
  for (std::size_t i = 0; i < rows.size(); ++i) {
    CHECK(rows[i].impl()->output_nr == i);
    CHECK(rows[i].grad_fn_name() == "unbind");
    CHECK(rows[i].storage_offset() == static_cast<std::int64_t>(3 * i));
  }
  (rows[1] * 2.0 + rows[3]).sum().backward();
  CHECK(tg::to_vector<double>(x.grad()) == std::vector<double>{0, 0, 0, 2, 2, 2, 0, 0, 0, 1, 1, 1});
}

TEST_CASE("a loop over unbind's pieces runs the entry's backward once", "[core][views]") {
  tg::Tensor x = tg::ones({5, 2}, tg::kFloat64).requires_grad_(true);
  int runs = 0;
  auto steps = x.unbind(0);
  tg::Tensor acc = tg::zeros({2}, tg::kFloat64);
  for (const auto& s : steps) acc = acc * 0.5 + s;
  // A hook on each piece sees its gradient; the entry's backward then runs once for all of them.
  for (auto& s : steps)
    s.register_hook([&runs](const tg::Tensor& g) { ++runs; return g; });
  acc.sum().backward();
  CHECK(runs == 5);
  CHECK(tg::to_vector<double>(x.grad()) == std::vector<double>{0.0625, 0.0625, 0.125, 0.125, 0.25, 0.25, 0.5, 0.5, 1, 1});
}

TEST_CASE("split and chunk pieces: retain_grad, autograd::grad and double backward per piece", "[core][views]") {
  tg::Tensor x = tg::arange(6.0, tg::kFloat64).requires_grad_(true);
  auto pieces = tg::split(x, 4);  // [0..4), [4..6)
  REQUIRE(pieces.size() == 2);
  pieces[1].retain_grad();
  tg::Tensor y = (pieces[0] * pieces[0]).sum() + (pieces[1] * 3.0).sum();
  const auto g = ag::grad({y}, {pieces[0], x}, {}, true, true);
  CHECK(tg::to_vector<double>(g[0]) == std::vector<double>{0, 2, 4, 6});
  CHECK(tg::to_vector<double>(g[1]) == std::vector<double>{0, 2, 4, 6, 3, 3});
  // Second derivative through the split's backward (a cat of the pieces' gradients).
  const auto gg = ag::grad({g[1].sum()}, {x}, {}, true);
  CHECK(tg::to_vector<double>(gg[0]) == std::vector<double>{2, 2, 2, 2, 0, 0});
  y.backward();
  CHECK(tg::to_vector<double>(pieces[1].grad()) == std::vector<double>{3, 3});

  tg::Tensor z = tg::ones({4, 6}, tg::kFloat64).requires_grad_(true);
  auto halves = z.chunk(2, 1);
  halves[0].sum().backward();
  const auto dz = tg::to_vector<double>(z.grad());
  CHECK(dz[0] == 1);
  CHECK(dz[3] == 0);
}

TEST_CASE("in-place writes into unbind's pieces: refused when they require grad, allowed under NoGradGuard", "[core][views]") {
  tg::Tensor x = tg::zeros({3, 2}, tg::kFloat64).requires_grad_(true);
  auto pieces = x.unbind(0);
  CHECK_THROWS_WITH(pieces[2].fill_(1), Catch::Contains("Output 2 of UnbindBackward0 is a view and is being modified inplace"));
  tg::Tensor plain = tg::zeros({3, 2});
  auto rows = plain.unbind(0);
  rows[2].fill_(1);  // nothing requires grad: a plain write into the base
  CHECK(tg::to_vector<float>(plain) == std::vector<float>{0, 0, 0, 0, 1, 1});
}
