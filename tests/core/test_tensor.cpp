// Tensor: metadata, dtypes, conversions, factories, random numbers and xtensor access.
#include <algorithm>
#include <cstring>
#include <numeric>
#include <set>

#include <xtensor/xarray.hpp>
#include <xtensor/xmath.hpp>
#include <xtensor/xview.hpp>

#include <tapegrad/xtensor.hpp>

#include "../support/helpers.hpp"

using namespace support;
using Catch::Matchers::Contains;
using Catch::Matchers::Message;

TEST_CASE("tensor: shape, numel, dim and dtype for every dtype", "[core]") {
  const tg::Tensor f = tg::zeros({2, 3});
  CHECK(f.dtype() == tg::kFloat32);
  CHECK(f.shape() == tg::Shape{2, 3});
  CHECK(f.numel() == 6);
  CHECK(f.dim() == 2);
  CHECK(f.size(-1) == 3);
  CHECK(f.size(0) == 2);
  CHECK_THROWS_MATCHES(f.size(2), std::out_of_range,
                       Message("Dimension out of range (expected to be in range of [-2, 1], but got 2)"));
  CHECK(f.is_floating_point());

  const tg::Tensor d = tg::ones({4}, tg::kFloat64);
  CHECK(d.dtype() == tg::kFloat64);
  CHECK(d.numel() == 4);
  const tg::Tensor i = tg::full({2, 2, 2}, 7, tg::kInt64);
  CHECK(i.dtype() == tg::kInt64);
  CHECK_FALSE(i.is_floating_point());
  CHECK(tg::to_vector<std::int64_t>(i) == std::vector<std::int64_t>(8, 7));

  const tg::Tensor s = tg::scalar_tensor(2.5);
  CHECK(s.dim() == 0);
  CHECK(s.numel() == 1);
  CHECK(s.item() == 2.5);

  const tg::Tensor e = tg::zeros({0, 3});
  CHECK(e.numel() == 0);
  CHECK(e.dim() == 2);
  CHECK(tg::dtype_name(tg::kInt64) == std::string("int64"));
}

TEST_CASE("tensor: data<T>() checks the dtype", "[core]") {
  tg::Tensor f = tg::zeros({2});
  CHECK_THROWS_MATCHES(f.data<double>(), std::invalid_argument,
                       Message("data<float64>() called on a float32 tensor"));
  CHECK_THROWS_AS(tg::Tensor().shape(), std::invalid_argument);
}

TEST_CASE("tensor: item() of one-element tensors of each dtype", "[core]") {
  CHECK(tg::tensor({3.25}).item() == 3.25);
  CHECK(tg::tensor({{-1.5}}, tg::kFloat64).item<double>() == -1.5);
  CHECK(tg::full({1, 1, 1}, 42, tg::kInt64).item<std::int64_t>() == 42);
  // int64 values are read exactly, not through a double.
  CHECK(tg::from_vector(std::vector<std::int64_t>{9007199254740993}, {}).item<std::int64_t>() == 9007199254740993);
  CHECK_THROWS_MATCHES(tg::zeros({2, 3}).item(), std::invalid_argument,
                       Message("a Tensor with 6 elements cannot be converted to Scalar"));
  CHECK_THROWS_AS(tg::zeros({0}).item(), std::invalid_argument);
}

TEST_CASE("tensor: to(dtype) converts values; same dtype returns the same tensor", "[core]") {
  const tg::Tensor x = tg::tensor({1.5, -2.7, 0.1, 3.0});
  const tg::Tensor d = x.to(tg::kFloat64);
  CHECK(d.dtype() == tg::kFloat64);
  check_close(d, {1.5, static_cast<double>(-2.7f), static_cast<double>(0.1f), 3.0});
  // Float to int truncates toward zero, as PyTorch.
  CHECK(tg::to_vector<std::int64_t>(x.to(tg::kInt64)) == std::vector<std::int64_t>{1, -2, 0, 3});
  CHECK(tg::to_vector<double>(tg::arange(3).to(tg::kFloat32)) == std::vector<double>{0, 1, 2});
  CHECK(x.to(tg::kFloat32).is_same(x));
}

TEST_CASE("tensor: clone() copies storage; detach() shares it without history", "[core]") {
  tg::Tensor x = tg::tensor({1., 2., 3.}).requires_grad_();
  tg::Tensor c = x.clone();
  CHECK(c.raw_data() != x.raw_data());
  CHECK(c.requires_grad());
  CHECK(c.grad_fn_name() == "clone");
  c.detach().fill_(9);
  CHECK(values(x) == std::vector<double>{1, 2, 3});

  tg::Tensor y = x * 2.0;
  tg::Tensor d = y.detach();
  CHECK(d.raw_data() == y.raw_data());
  CHECK_FALSE(d.requires_grad());
  CHECK(d.is_leaf());
  CHECK(d.grad_fn_name().empty());
  d.data<float>()[0] = 100;  // visible through the original: same storage
  CHECK(y.data<float>()[0] == 100);
  const auto v = y.version();
  d.fill_(0);
  CHECK(y.version() == v + 1);  // the version counter is shared too
}

TEST_CASE("tensor: requires_grad_ rules", "[core]") {
  tg::Tensor i = tg::arange(3);
  CHECK_THROWS_MATCHES(i.requires_grad_(), std::invalid_argument,
                       Message("only Tensors of floating point dtype can require gradients (got int64)"));
  tg::Tensor x = tg::zeros({2}, tg::TensorOptions().dtype(tg::kFloat64).requires_grad(true));
  CHECK(x.requires_grad());
  CHECK(x.is_leaf());
  tg::Tensor y = x + 1.0;
  CHECK_FALSE(y.is_leaf());
  CHECK_THROWS_WITH(y.requires_grad_(false), Contains("only change requires_grad flags of leaf variables"));
  x.requires_grad_(false);
  CHECK_FALSE(x.requires_grad());
}

TEST_CASE("tensor: grad, zero_grad and retain_grad", "[core]") {
  tg::Tensor x = tg::tensor({1, 2, 3}, tg::kFloat64).requires_grad_();
  CHECK_FALSE(x.grad().defined());
  tg::Tensor h = x * 3.0;
  h.retain_grad();
  tg::Tensor k = h * 2.0;  // not retained
  (k.sum()).backward();
  check_close(x.grad(), {6, 6, 6});
  check_close(h.grad(), {2, 2, 2});
  CHECK_FALSE(k.grad().defined());

  const void* buffer = x.grad().raw_data();
  x.zero_grad();
  check_close(x.grad(), {0, 0, 0});
  CHECK(x.grad().raw_data() == buffer);  // zeroed in place, buffer kept
  CHECK_THROWS_WITH(tg::zeros({2}).retain_grad(), Contains("can't retain_grad on a tensor that does not require grad"));
}

TEST_CASE("tensor: factories zeros, ones, full, arange, scalar_tensor", "[core]") {
  check_close(tg::zeros({2, 2}), {0, 0, 0, 0});
  check_close(tg::ones({3}, tg::kFloat64), {1, 1, 1});
  check_close(tg::full({2}, -0.5), {-0.5, -0.5});
  CHECK(tg::ones({2}, tg::TensorOptions().requires_grad(true)).requires_grad());
  CHECK(tg::zeros_like(tg::ones({2, 5}, tg::kInt64)).dtype() == tg::kInt64);

  const tg::Tensor a = tg::arange(5);
  CHECK(a.dtype() == tg::kInt64);
  CHECK(tg::to_vector<std::int64_t>(a) == std::vector<std::int64_t>{0, 1, 2, 3, 4});
  check_close(tg::arange(1, 2, 0.25, tg::kFloat64), {1, 1.25, 1.5, 1.75});
  check_close(tg::arange(3, 0, -1, tg::kFloat32), {3, 2, 1});
  CHECK(tg::arange(0).numel() == 0);
  CHECK(tg::arange(0, 1, 0.1, tg::kFloat64).numel() == 10);
  CHECK_THROWS_WITH(tg::arange(0, 1, 0), Contains("step must be nonzero"));
  CHECK_THROWS_WITH(tg::arange(0, 5, -1), Contains("inconsistent with step sign"));
  // An int64 result from fractional arguments would silently hold zeros: rejected.
  CHECK_THROWS_WITH(tg::arange(0, 1, 0.1), Contains("int64"));
}

TEST_CASE("tensor: tensor({..}), tensor({{..}}) and from_vector", "[core]") {
  const tg::Tensor v = tg::tensor({1, 2.5, -3});
  CHECK(v.shape() == tg::Shape{3});
  CHECK(v.dtype() == tg::kFloat32);
  check_close(v, {1, 2.5, -3});
  const tg::Tensor m = tg::tensor({{1, 2, 3}, {4, 5, 6}}, tg::kFloat64);
  CHECK(m.shape() == tg::Shape{2, 3});
  CHECK(m.data<double>()[5] == 6);
  CHECK(tg::tensor({{1, 2}, {3, 4}}, tg::kInt64).data<std::int64_t>()[3] == 4);
  CHECK_THROWS_MATCHES(tg::tensor({{1, 2}, {3}}), std::invalid_argument,
                       Message("tensor: nested lists have different shapes ([2] and [1])"));
  // Any depth, columns and scalars included.
  CHECK(tg::tensor({{1}, {2}, {3}}).shape() == tg::Shape{3, 1});
  CHECK(tg::tensor(4.0).shape() == tg::Shape{});
  CHECK(tg::tensor({{{1, 2}}, {{3, 4}}}).shape() == tg::Shape{2, 1, 2});
  check_close(tg::tensor({{{1, 2}}, {{3, 4}}}), {1, 2, 3, 4});

  const tg::Tensor f = tg::from_vector(std::vector<float>{1, 2, 3, 4, 5, 6}, {3, 2});
  CHECK(f.dtype() == tg::kFloat32);
  CHECK(f.shape() == tg::Shape{3, 2});
  const tg::Tensor d = tg::from_vector(std::vector<double>{0.5, 1.5}, {2, 1});
  CHECK(d.dtype() == tg::kFloat64);
  const tg::Tensor i = tg::from_vector(std::vector<std::int64_t>{7, 8, 9}, {3});
  CHECK(i.dtype() == tg::kInt64);
  CHECK(tg::from_vector(std::vector<double>{1, 2}, {2}, tg::kFloat32).dtype() == tg::kFloat32);
  CHECK_THROWS_MATCHES(tg::from_vector(std::vector<float>{1, 2, 3}, {2, 2}), std::invalid_argument,
                       Message("from_vector: 3 values cannot fill a tensor of shape [2, 2]"));
  CHECK(tg::from_vector(std::vector<float>{}, {0, 4}).numel() == 0);
}

TEST_CASE("tensor: values<T>() reads and writes through xtensor; from_xtensor copies", "[core]") {
  tg::Tensor t = tg::zeros({2, 3}, tg::kFloat64);
  auto view = tg::values<double>(t);
  CHECK(view.shape()[0] == 2);
  CHECK(view.shape()[1] == 3);
  view(1, 2) = 5.0;
  xt::row(view, 0) = xt::xarray<double>{1, 2, 3};  // writes go straight to the tensor's storage
  check_close(t, {1, 2, 3, 0, 0, 5});
  const tg::Tensor& ct = t;
  CHECK(xt::sum(tg::values<double>(ct))() == 11.0);
  CHECK_THROWS_AS(tg::values<float>(t), std::invalid_argument);

  const xt::xarray<double> a = {{1.0, 2.0}, {3.0, 4.0}};
  tg::Tensor fa = tg::from_xtensor(a * 2.0 + 1.0);  // a lazy expression is evaluated
  CHECK(fa.dtype() == tg::kFloat64);
  CHECK(fa.shape() == tg::Shape{2, 2});
  check_close(fa, {3, 5, 7, 9});
  const xt::xarray<float> b = {1.f, 2.f};
  tg::Tensor fb = tg::from_xtensor(b, tg::TensorOptions().dtype(tg::kFloat64).requires_grad(true));
  CHECK(fb.dtype() == tg::kFloat64);
  CHECK(fb.requires_grad());
  const xt::xarray<std::int64_t> c = {{4, 5, 6}};
  CHECK(tg::to_vector<std::int64_t>(tg::from_xtensor(c)) == std::vector<std::int64_t>{4, 5, 6});
}

// ---- random numbers ----

TEST_CASE("random: the same seed gives the same numbers", "[core]") {
  auto draw = [] {
    std::vector<double> all;
    for (auto t : {tg::rand({5}), tg::randn({5}, tg::kFloat64), tg::randint(-3, 3, {5}), tg::randperm(6),
                   tg::uniform({3}, 2, 4)}) {
      const auto v = values(t);
      all.insert(all.end(), v.begin(), v.end());
    }
    return all;
  };
  tg::manual_seed(123);
  const auto first = draw();
  tg::manual_seed(123);
  CHECK(draw() == first);
  tg::manual_seed(124);
  CHECK(draw() != first);
}

TEST_CASE("random: ranges and distributions", "[core]") {
  tg::manual_seed(7);
  const auto u = values(tg::rand({20000}, tg::kFloat64));
  CHECK(*std::min_element(u.begin(), u.end()) >= 0.0);
  CHECK(*std::max_element(u.begin(), u.end()) < 1.0);
  CHECK(std::accumulate(u.begin(), u.end(), 0.0) / u.size() == Approx(0.5).margin(0.01));

  const auto n = values(tg::randn({100000}, tg::kFloat64));
  double mean = std::accumulate(n.begin(), n.end(), 0.0) / n.size(), var = 0;
  for (double v : n) var += (v - mean) * (v - mean);
  CHECK(std::abs(mean) < 0.02);
  CHECK(std::sqrt(var / n.size()) == Approx(1.0).margin(0.02));

  const auto r = tg::to_vector<std::int64_t>(tg::randint(-2, 3, {1000}));
  CHECK(std::set<std::int64_t>(r.begin(), r.end()) == std::set<std::int64_t>{-2, -1, 0, 1, 2});
  CHECK_THROWS_WITH(tg::randint(3, 3, {2}), Contains("expected low < high"));
  CHECK_THROWS_AS(tg::rand({2}, tg::kInt64), std::invalid_argument);

  auto p = tg::to_vector<std::int64_t>(tg::randperm(50));
  std::sort(p.begin(), p.end());
  std::vector<std::int64_t> expected(50);
  std::iota(expected.begin(), expected.end(), 0);
  CHECK(p == expected);
  CHECK(tg::randperm(0).numel() == 0);
}

// ---- printing: expected strings are PyTorch 1.13's repr() of the same tensors ----

TEST_CASE("print: floats, float64, int64, 0-d and empty tensors as PyTorch", "[core]") {
  using support::to_string;
  CHECK(to_string(tg::tensor({{1.5, -2.25, 3.0}, {4.0, 5.125, -6.0}})) ==
        "tensor([[ 1.5000, -2.2500,  3.0000],\n        [ 4.0000,  5.1250, -6.0000]])");
  CHECK(to_string(tg::tensor({{1., 2.}, {3., 40.}})) == "tensor([[ 1.,  2.],\n        [ 3., 40.]])");
  CHECK(to_string(tg::tensor({0.1, 0.2, 0.3}, tg::kFloat64)) == "tensor([0.1000, 0.2000, 0.3000], dtype=float64)");
  CHECK(to_string(tg::tensor({{1, -20, 3}, {4, 5, 600}}, tg::kInt64)) ==
        "tensor([[  1, -20,   3],\n        [  4,   5, 600]])");
  CHECK(to_string(tg::scalar_tensor(3.5)) == "tensor(3.5000)");
  CHECK(to_string(tg::scalar_tensor(7, tg::kInt64)) == "tensor(7)");
  CHECK(to_string(tg::scalar_tensor(2, tg::kFloat64)) == "tensor(2., dtype=float64)");
  CHECK(to_string(tg::zeros({0})) == "tensor([])");
  CHECK(to_string(tg::zeros({0, 3})) == "tensor([], size=(0, 3))");
  CHECK(to_string(tg::zeros({0}, tg::kInt64)) == "tensor([], dtype=int64)");
  CHECK(to_string(tg::zeros({2, 0}, tg::kFloat64)) == "tensor([], size=(2, 0), dtype=float64)");
  CHECK(to_string(tg::zeros({2, 2})) == "tensor([[0., 0.],\n        [0., 0.]])");
  CHECK(to_string(tg::zeros({3}, tg::kFloat64)) == "tensor([0., 0., 0.], dtype=float64)");
  CHECK(to_string(tg::tensor({-0.0, 1.5})) == "tensor([-0.0000, 1.5000])");
  CHECK(to_string(tg::tensor({{1.5}, {2.5}})) == "tensor([[1.5000],\n        [2.5000]])");
  CHECK(to_string(tg::tensor({12345678901.0, 2}, tg::kInt64)) == "tensor([12345678901,           2])");
  CHECK(to_string(tg::tensor({0.1, 1.0 / 3})) == "tensor([0.1000, 0.3333])");
}

TEST_CASE("print: scientific notation, nan and inf as PyTorch", "[core]") {
  using support::to_string;
  const double nan = std::nan(""), inf = INFINITY;
  CHECK(to_string(tg::tensor({1e-5, 1.0, 100.0})) == "tensor([1.0000e-05, 1.0000e+00, 1.0000e+02])");
  CHECK(to_string(tg::tensor({1e9, 1.0})) == "tensor([1.0000e+09, 1.0000e+00])");
  CHECK(to_string(tg::tensor({1., 10000.})) == "tensor([1.0000e+00, 1.0000e+04])");
  CHECK(to_string(tg::tensor({0., 1., 1000.})) == "tensor([   0.,    1., 1000.])");
  CHECK(to_string(tg::tensor({1., 1001.})) == "tensor([1.0000e+00, 1.0010e+03])");
  CHECK(to_string(tg::tensor({nan, 1.5, inf, -inf})) == "tensor([   nan, 1.5000,    inf,   -inf])");
  CHECK(to_string(tg::tensor({-nan, 1.0, inf})) == "tensor([nan, 1., inf])");
  CHECK(to_string(tg::tensor({nan})) == "tensor([nan])");
}

TEST_CASE("print: requires_grad and grad_fn suffixes", "[core]") {
  using support::to_string;
  tg::Tensor x = tg::tensor({1., 2.}).requires_grad_();
  CHECK(to_string(x) == "tensor([1., 2.], requires_grad=True)");
  CHECK(to_string(x * 2.0) == "tensor([2., 4.], grad_fn=<MulBackward0>)");
  CHECK(to_string(x.sum()) == "tensor(3., grad_fn=<SumBackward0>)");
  CHECK(to_string(tg::tensor({1, 2}, tg::kFloat64).requires_grad_() * 2.0) ==
        "tensor([2., 4.], dtype=float64, grad_fn=<MulBackward0>)");
  CHECK(to_string(tg::tensor({1e-6, 2.0}).requires_grad_()) == "tensor([1.0000e-06, 2.0000e+00], requires_grad=True)");
  CHECK(to_string(tg::index_select(x, 0, tg::arange(1))) == "tensor([1.], grad_fn=<IndexSelectBackward0>)");
  // Suffixes move to a new line when the last line would pass 80 characters.
  tg::Tensor r = (tg::arange(8, tg::kFloat64) / 3.0 - 2.0).detach().requires_grad_();
  CHECK(to_string(r) ==
        "tensor([-2.0000, -1.6667, -1.3333, -1.0000, -0.6667, -0.3333,  0.0000,  0.3333],\n"
        "       dtype=float64, requires_grad=True)");
  CHECK(to_string(r * 2.0) ==
        "tensor([-4.0000, -3.3333, -2.6667, -2.0000, -1.3333, -0.6667,  0.0000,  0.6667],\n"
        "       dtype=float64, grad_fn=<MulBackward0>)");
}

TEST_CASE("print: 3-D and 4-D nesting, line wrapping and summarisation as PyTorch", "[core]") {
  using support::to_string;
  CHECK(to_string(tg::arange(12, tg::kFloat32).reshape({2, 2, 3})) ==
        "tensor([[[ 0.,  1.,  2.],\n"
        "         [ 3.,  4.,  5.]],\n"
        "\n"
        "        [[ 6.,  7.,  8.],\n"
        "         [ 9., 10., 11.]]])");
  CHECK(to_string(tg::ones({1, 2, 1, 2})) == "tensor([[[[1., 1.]],\n\n         [[1., 1.]]]])");
  CHECK(to_string(tg::arange(30, tg::kFloat32) / 7.0) ==
        "tensor([0.0000, 0.1429, 0.2857, 0.4286, 0.5714, 0.7143, 0.8571, 1.0000, 1.1429,\n"
        "        1.2857, 1.4286, 1.5714, 1.7143, 1.8571, 2.0000, 2.1429, 2.2857, 2.4286,\n"
        "        2.5714, 2.7143, 2.8571, 3.0000, 3.1429, 3.2857, 3.4286, 3.5714, 3.7143,\n"
        "        3.8571, 4.0000, 4.1429])");
  CHECK(to_string(tg::arange(40)) ==
        "tensor([ 0,  1,  2,  3,  4,  5,  6,  7,  8,  9, 10, 11, 12, 13, 14, 15, 16, 17,\n"
        "        18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35,\n"
        "        36, 37, 38, 39])");
  CHECK(to_string(tg::arange(1500)) == "tensor([   0,    1,    2,  ..., 1497, 1498, 1499])");
  CHECK(to_string(tg::arange(2000, tg::kFloat32).reshape({40, 50})) ==
        "tensor([[0.0000e+00, 1.0000e+00, 2.0000e+00,  ..., 4.7000e+01, 4.8000e+01,\n"
        "         4.9000e+01],\n"
        "        [5.0000e+01, 5.1000e+01, 5.2000e+01,  ..., 9.7000e+01, 9.8000e+01,\n"
        "         9.9000e+01],\n"
        "        [1.0000e+02, 1.0100e+02, 1.0200e+02,  ..., 1.4700e+02, 1.4800e+02,\n"
        "         1.4900e+02],\n"
        "        ...,\n"
        "        [1.8500e+03, 1.8510e+03, 1.8520e+03,  ..., 1.8970e+03, 1.8980e+03,\n"
        "         1.8990e+03],\n"
        "        [1.9000e+03, 1.9010e+03, 1.9020e+03,  ..., 1.9470e+03, 1.9480e+03,\n"
        "         1.9490e+03],\n"
        "        [1.9500e+03, 1.9510e+03, 1.9520e+03,  ..., 1.9970e+03, 1.9980e+03,\n"
        "         1.9990e+03]])");
  // A 3-D summary: "..." between blocks is followed by a blank line (as PyTorch).
  const std::string big3d = to_string(tg::arange(1200, tg::kFloat32).reshape({10, 10, 12}));
  CHECK(big3d.rfind("tensor([[[0.0000e+00, 1.0000e+00, 2.0000e+00,  ..., 9.0000e+00,\n"
                    "          1.0000e+01, 1.1000e+01],\n", 0) == 0);
  CHECK(big3d.find("         ...,\n         [8.4000e+01,") != std::string::npos);
  CHECK(big3d.find("3.5900e+02]],\n\n        ...,\n\n        [[8.4000e+02,") != std::string::npos);
  CHECK(big3d.size() > 3000);
  CHECK(big3d.substr(big3d.size() - 26) == "1.1980e+03, 1.1990e+03]]])");
}
