#include <catch2/catch.hpp>
#include <tapegrad/tapegrad.hpp>

namespace tg = tapegrad;

TEST_CASE("smoke: linear + relu + sum backward") {
  auto x = tg::tensor({{1, 2, 3}, {-1, 0.5, 2}}, tg::kFloat64);
  auto w = tg::tensor({{0.1, -0.2, 0.3}, {0.4, 0.5, -0.6}}, tg::kFloat64).requires_grad_();
  auto b = tg::tensor({0.01, -0.02}, tg::kFloat64).requires_grad_();
  auto y = tg::linear(x, w, b);
  CHECK(y.data<double>()[0] == Approx(0.61));
  tg::sum(y).backward();
  CHECK(w.grad().data<double>()[0] == Approx(0.0));
  CHECK(tg::gradcheck([](const std::vector<tg::Tensor>& in) { return tg::linear(in[0], in[1], in[2]); },
                      {x.clone().requires_grad_(), w, b}));
}

TEST_CASE("tensor() from nested braces of any depth") {
  CHECK(tg::tensor({{1}, {2}, {3}}).shape() == tg::Shape{3, 1});
  CHECK(tg::tensor({1, 2.5}).shape() == tg::Shape{2});
  CHECK(tg::tensor(4.0).shape() == tg::Shape{});
  CHECK(tg::tensor({{{1, 2}}, {{3, 4}}}).shape() == tg::Shape{2, 1, 2});
  CHECK(tg::to_vector<double>(tg::tensor({{1, 2}, {3, 4}})) == std::vector<double>{1, 2, 3, 4});
  CHECK_THROWS_WITH(tg::tensor({{1, 2}, {3}}), Catch::Contains("different shapes ([2] and [1])"));
}
