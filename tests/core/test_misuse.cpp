// Misuse and extremes at the core: replaced parameters, shapes whose size overflows, process-wide
// thread settings, tape memory, PyTorch's gradient rule for ties in max(), float32 gradchecks.
#include <catch2/catch.hpp>
#include <malloc.h>
#include <tapegrad/tapegrad.hpp>

#include <cmath>
#include <thread>

namespace tg = tapegrad;
namespace nn = tapegrad::nn;
using Catch::Contains;

TEST_CASE("a parameter replaced by set_data after the forward pass fails the backward cleanly", "[core][safety]") {
  tg::Tensor a = tg::ones({2, 3}).requires_grad_();
  tg::Tensor b = tg::ones({3, 2});
  tg::Tensor loss = tg::sum(tg::matmul(a, b));
  {
    tg::NoGradGuard no_grad;
    a.set_data(tg::ones({2000, 3}));  // its saved value in mm now has another storage and shape
  }
  CHECK_THROWS_WITH(loss.backward(), Contains("replaced (set_data or Module::to)"));
}

TEST_CASE("Module::to between forward and backward fails the backward cleanly", "[core][safety]") {
  nn::Linear lin(3, 2);
  tg::Tensor loss = tg::sum(lin(tg::ones({4, 3})));
  lin.to(tg::kFloat64);
  CHECK_THROWS_WITH(loss.backward(), Contains("replaced") || Contains("set_data"));
  CHECK_FALSE(lin.weight.grad().defined());  // no float32 gradient left on a float64 weight
}

TEST_CASE("shapes whose element count overflows are rejected before allocating", "[core][safety]") {
  const std::int64_t big = (std::int64_t{1} << 62) + 1;
  CHECK_THROWS_WITH(tg::zeros({4, big}), Contains("more elements than fit in 64 bits"));
  CHECK_THROWS_WITH(tg::zeros({std::int64_t{1} << 32, std::int64_t{1} << 32}), Contains("64 bits"));
  CHECK_THROWS_WITH(tg::zeros({0, big, big}), Contains("64 bits"));  // strides would overflow too
  CHECK_THROWS_WITH(tg::zeros({std::int64_t{1} << 61}), Contains("2^63 bytes"));  // float32 bytes overflow
  CHECK_THROWS_WITH(tg::ones({4}).reshape({-1, big, big}), Contains("64 bits"));
  CHECK_THROWS_WITH(tg::arange(0, 1e300, 1.0, tg::kFloat64), Contains("arange"));
  CHECK(tg::zeros({0, 5}).numel() == 0);
}

TEST_CASE("an int64 tensor divided by a scalar is refused like int64 / int64", "[core][safety]") {
  const tg::Tensor i = tg::tensor({3, 5}, tg::kInt64);
  CHECK_THROWS_WITH(i / 2.0, Contains("floating point") && Contains("int64"));
  CHECK_THROWS_WITH(i / i, Contains("int64"));
  CHECK(tg::to_vector<double>(i.to(tg::kFloat64) / 2.0) == std::vector<double>{1.5, 2.5});
}

TEST_CASE("set_num_threads is process-wide", "[core][safety][threads]") {
  const int before = tg::get_num_threads();
  tg::set_num_threads(1);
  int seen_on_other_thread = 0;
  std::thread other([&] { seen_on_other_thread = tg::get_num_threads(); });
  other.join();
  CHECK(seen_on_other_thread == 1);
  CHECK_THROWS_WITH(tg::set_num_threads(0), Contains("at least 1"));
  tg::set_num_threads(before);
}

TEST_CASE("a destroyed graph gives its memory back without waiting for the tape", "[core][safety]") {
  const auto heap_in_use = [] { return mallinfo2().uordblks; };
  const std::size_t before = heap_in_use();
  {
    tg::Tensor x = tg::ones({1}).requires_grad_();
    tg::Tensor y = x;
    for (int i = 0; i < 100000; ++i) y = y * 1.0001;
    tg::sum(y).backward();
  }
  // Only the tape's 100,000 dead weak references remain (a control block each), not the entries.
  const std::size_t after = heap_in_use();
  INFO("heap in use before " << before << ", after " << after);
  CHECK(after < before + 8 * 1024 * 1024);
}

TEST_CASE("max() over all elements shares the gradient among ties, as PyTorch", "[core][safety]") {
  tg::Tensor x = tg::tensor({1, 3, 3}, tg::kFloat64).requires_grad_();
  tg::max(x).backward();
  CHECK(tg::to_vector<double>(x.grad()) == std::vector<double>{0, 0.5, 0.5});
  tg::Tensor n = tg::tensor({1, NAN, 5}, tg::kFloat64).requires_grad_();
  const tg::Tensor m = tg::max(n);
  CHECK(std::isnan(m.item()));
  m.backward();
  CHECK(tg::to_vector<double>(n.grad()) == std::vector<double>{0, 1, 0});
  CHECK(tg::gradcheck([](const std::vector<tg::Tensor>& in) { return tg::max(in[0]); },
                      {tg::tensor({0.3, -1.0, 2.0, 0.7}, tg::kFloat64).requires_grad_()}));
}

TEST_CASE("gradcheck refuses float32 inputs at float64 step sizes", "[core][safety]") {
  const auto f = [](const std::vector<tg::Tensor>& in) { return tg::exp(in[0]) * in[0]; };
  tg::Tensor x = tg::tensor({1.1, -0.4}).requires_grad_();
  CHECK_THROWS_WITH(tg::gradcheck(f, {x}), Contains("float32") && Contains("float64"));
  CHECK(tg::gradcheck(f, {x}, tg::GradcheckOptions().eps(1e-2).rtol(1e-2).atol(1e-3)));
}

TEST_CASE("broadcast_to repeats values and sums gradients back", "[core]") {
  tg::Tensor x = tg::tensor({{1}, {2}}, tg::kFloat64).requires_grad_();  // (2, 1)
  const tg::Tensor y = tg::broadcast_to(x, {3, 2, 4});
  CHECK(y.shape() == tg::Shape{3, 2, 4});
  CHECK(y.data<double>()[4] == 2.0);  // [0][1][0]
  CHECK(tg::gradcheck([](const std::vector<tg::Tensor>& in) { return tg::broadcast_to(in[0], {3, 2, 4}); }, {x}));
  CHECK(tg::broadcast_to(x, {2, 3}).shape() == tg::Shape{2, 3});
  CHECK_THROWS_WITH(tg::broadcast_to(x, {3, 3}), Contains("[2, 1]") && Contains("[3, 3]"));
  CHECK_THROWS_WITH(tg::broadcast_to(tg::ones({2, 2}), {2}), Contains("cannot be broadcast"));
}

TEST_CASE("a leaf replaced by set_data that no op saved is caught when its gradient arrives", "[core][safety]") {
  tg::Tensor a = tg::ones({2}).requires_grad_();
  tg::Tensor loss = tg::sum(a + tg::ones({2}));  // add saves nothing
  {
    tg::NoGradGuard no_grad;
    a.set_data(tg::ones({3}));
  }
  CHECK_THROWS_WITH(loss.backward(), Contains("for an input of shape [3]") && Contains("set_data"));
  CHECK_FALSE(a.grad().defined());
}
