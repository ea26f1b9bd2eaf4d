// Reductions (sum, mean, max, argmax), shape ops (reshape/view/flatten/squeeze/unsqueeze,
// transpose/t/permute) and indexing (gather, index_select): values, gradients, edge cases, errors.
#include "../support/helpers.hpp"

using namespace support;
using Catch::Matchers::Contains;
using Catch::Matchers::Message;

namespace {
// 0, 1, 2, ... as float64, shaped.
tg::Tensor iota(const tg::Shape& shape) { return tg::arange(static_cast<double>(tg::shape_numel(shape)), tg::kFloat64).reshape(shape); }
}  // namespace

TEST_CASE("reduce: sum and mean values over all, dims, keepdim and negative dims", "[core]") {
  const tg::Tensor x = iota({2, 3, 4});  // reference values from PyTorch 1.13
  CHECK(tg::sum(x).item() == 276);
  CHECK(tg::sum(x).dim() == 0);
  check_close(x.sum({0, -1}), {60, 92, 124});
  CHECK(x.sum({-2}, true).shape() == tg::Shape{2, 1, 4});
  check_close(x.sum({-2}, true), {12, 15, 18, 21, 48, 51, 54, 57});
  check_close(x.mean({0, 2}), {7.5, 11.5, 15.5});
  CHECK(x.mean().item() == 11.5);
  CHECK(x.mean({1, 2}, true).shape() == tg::Shape{2, 1, 1});
  CHECK(x.sum(std::vector<std::int64_t>{}).item() == 276);  // empty dims: everything
  CHECK(tg::sum(x.to(tg::kFloat32), {2}).dtype() == tg::kFloat32);
  CHECK(tg::to_vector<std::int64_t>(tg::arange(6).reshape({2, 3}).sum({1})) == std::vector<std::int64_t>{3, 12});
  // 0-d input: dim 0 and -1 are allowed, as PyTorch.
  CHECK(tg::sum(tg::scalar_tensor(5), {0}).item() == 5);
  CHECK(tg::mean(tg::scalar_tensor(5), {-1}).item() == 5);
  // Empty input: sum 0, mean NaN.
  CHECK(tg::sum(tg::zeros({0, 3})).item() == 0);
  CHECK(std::isnan(tg::mean(tg::zeros({0, 3})).item()));
  check_close(tg::zeros({0, 3}).sum({0}), {0, 0, 0});
  CHECK(tg::zeros({0, 3}).mean({1}).shape() == tg::Shape{0});
  CHECK_THROWS_MATCHES(x.sum({1, -2}), std::invalid_argument, Message("dim -2 appears multiple times in the list of dims"));
  CHECK_THROWS_MATCHES(x.sum({3}), std::out_of_range,
                       Message("Dimension out of range (expected to be in range of [-3, 2], but got 3)"));
}

TEST_CASE("reduce: sum and mean gradcheck", "[core]") {
  tg::manual_seed(21);
  const std::vector<std::pair<std::vector<std::int64_t>, bool>> cases = {
      {{}, false}, {{0}, false}, {{-1}, true}, {{0, 2}, false}, {{1}, true}, {{-3, -2, -1}, true}};
  for (const auto& c : cases) {
    const std::vector<std::int64_t>& dims = c.first;  // no structured binding: clang 14 cannot capture one
    const bool keepdim = c.second;
    INFO("dims size " << dims.size() << " keepdim " << keepdim);
    gradcheck_ok([&](const Inputs& in) { return tg::sum(in[0], dims, keepdim); }, {leaf({2, 3, 4})});
    gradcheck_ok([&](const Inputs& in) { return tg::mean(in[0], dims, keepdim); }, {leaf({2, 3, 4})});
  }
  gradcheck_ok([](const Inputs& in) { return tg::sum(in[0]) * tg::mean(in[0]); }, {leaf({3, 2})});
}

TEST_CASE("reduce: max along a dim gives values and int64 indices; gradient to the first maximum", "[core]") {
  tg::Tensor x = tg::tensor({{1, 5, 5}, {7, 2, 7}}, tg::kFloat64).requires_grad_();
  auto [v, i] = tg::max(x, 1);
  check_close(v, {5, 7});
  CHECK(i.dtype() == tg::kInt64);
  CHECK(tg::to_vector<std::int64_t>(i) == std::vector<std::int64_t>{1, 0});
  CHECK_FALSE(i.requires_grad());
  v.sum().backward();
  check_close(x.grad(), {0, 1, 0, 1, 0, 0});

  auto [vk, ik] = tg::max(x, -2, true);
  CHECK(vk.shape() == tg::Shape{1, 3});
  check_close(vk, {7, 5, 7});
  CHECK(tg::to_vector<std::int64_t>(ik) == std::vector<std::int64_t>{1, 0, 1});
  CHECK(tg::max(x).item() == 7);
  CHECK(tg::to_vector<std::int64_t>(tg::argmax(x, 1)) == std::vector<std::int64_t>{1, 0});
  CHECK(x.argmax(0, true).shape() == tg::Shape{1, 3});
  CHECK(tg::argmax(tg::tensor({3, 1}, tg::kInt64), 0).item<std::int64_t>() == 0);

  // NaN counts as the maximum (PyTorch).
  const tg::Tensor n = tg::tensor({{1, std::nan(""), 5}, {7, 2, 7}});
  auto [nv, ni] = tg::max(n, 1);
  CHECK(std::isnan(values(nv)[0]));
  CHECK(tg::to_vector<std::int64_t>(ni) == std::vector<std::int64_t>{1, 0});
  CHECK(tg::to_vector<std::int64_t>(tg::argmax(n, 1)) == std::vector<std::int64_t>{1, 0});

  tg::manual_seed(22);
  for (std::int64_t dim : {0, 1, 2, -1})
    gradcheck_ok([dim](const Inputs& in) { return tg::max(in[0], dim).first; }, {leaf({3, 4, 2})});
  gradcheck_ok([](const Inputs& in) { return tg::max(in[0]); }, {leaf({3, 4})});

  CHECK_THROWS_MATCHES(tg::max(tg::zeros({2, 0}), 1), std::invalid_argument,
                       Message("max(): Expected reduction dim 1 to have non-zero size."));
  CHECK(tg::max(tg::zeros({0, 3}), 1).first.shape() == tg::Shape{0});
  CHECK_THROWS_AS(tg::argmax(tg::zeros({2, 0}), -1), std::invalid_argument);
  CHECK_THROWS_AS(tg::max(tg::zeros({0})), std::invalid_argument);
  CHECK_THROWS_AS(tg::argmax(x, 2), std::out_of_range);
}

TEST_CASE("reduce: max() over all elements shares the gradient among ties, as PyTorch", "[core]") {
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

TEST_CASE("shape: reshape/view share storage and infer -1", "[core]") {
  tg::Tensor x = iota({2, 3, 4});
  tg::Tensor r = x.reshape({4, -1});
  CHECK(r.shape() == tg::Shape{4, 6});
  CHECK(r.raw_data() == x.raw_data());
  CHECK(tg::view(x, {-1}).shape() == tg::Shape{24});
  CHECK(tg::reshape(tg::scalar_tensor(3), {1, 1}).shape() == tg::Shape{1, 1});
  CHECK(tg::reshape(tg::zeros({0, 4}), {-1, 2}).shape() == tg::Shape{0, 2});
  CHECK_THROWS_MATCHES(x.reshape({5, -1}), std::invalid_argument, Message("shape '[5, -1]' is invalid for input of size 24"));
  CHECK_THROWS_MATCHES(x.view({4, 4}), std::invalid_argument, Message("shape '[4, 4]' is invalid for input of size 24"));
  CHECK_THROWS_WITH(x.reshape({-1, -1}), "only one dimension can be inferred");
  CHECK_THROWS_WITH(tg::zeros({0, 4}).reshape({0, -1}), Contains("invalid for input of size 0"));
  tg::manual_seed(23);
  gradcheck_ok([](const Inputs& in) { return in[0].reshape({3, 2}) * tg::arange(2, tg::kFloat64); }, {leaf({2, 3})});
  gradcheck_ok([](const Inputs& in) { return in[0].view({-1}) * tg::arange(6, tg::kFloat64); }, {leaf({2, 3})});
}

TEST_CASE("shape: flatten, squeeze and unsqueeze", "[core]") {
  const tg::Tensor x = iota({2, 3, 4, 5});
  CHECK(x.flatten().shape() == tg::Shape{120});
  CHECK(x.flatten(1).shape() == tg::Shape{2, 60});
  CHECK(x.flatten(1, 2).shape() == tg::Shape{2, 12, 5});
  CHECK(x.flatten(-3, -2).shape() == tg::Shape{2, 12, 5});
  CHECK(tg::flatten(tg::scalar_tensor(1)).shape() == tg::Shape{1});
  CHECK_THROWS_WITH(x.flatten(2, 1), Contains("start_dim cannot come after end_dim"));
  const tg::Tensor y = tg::zeros({3, 1, 2});
  CHECK(tg::squeeze(y, 1).shape() == tg::Shape{3, 2});
  CHECK(tg::squeeze(y, -2).shape() == tg::Shape{3, 2});
  CHECK(tg::squeeze(y, 0).shape() == tg::Shape{3, 1, 2});  // not size 1: unchanged
  CHECK(tg::unsqueeze(y, 0).shape() == tg::Shape{1, 3, 1, 2});
  CHECK(tg::unsqueeze(y, -1).shape() == tg::Shape{3, 1, 2, 1});
  CHECK(tg::unsqueeze(y, 3).shape() == tg::Shape{3, 1, 2, 1});
  CHECK(tg::unsqueeze(tg::scalar_tensor(1), 0).shape() == tg::Shape{1});
  CHECK_THROWS_AS(tg::unsqueeze(y, 4), std::out_of_range);
  tg::manual_seed(24);
  gradcheck_ok([](const Inputs& in) { return tg::unsqueeze(tg::squeeze(in[0].flatten(0, 1), 1), -1) * in[0].sum(); },
               {leaf({2, 1, 3})});
}

TEST_CASE("shape: transpose, t and permute move elements correctly (4-D included)", "[core]") {
  const tg::Tensor m = tg::tensor({{1, 2, 3}, {4, 5, 6}}, tg::kFloat64);
  CHECK(m.t().shape() == tg::Shape{3, 2});
  check_close(m.t(), {1, 4, 2, 5, 3, 6});
  check_close(tg::transpose(m, -1, 0), {1, 4, 2, 5, 3, 6});
  check_close(tg::t(tg::tensor({1., 2.})), {1, 2});
  CHECK_THROWS_WITH(tg::t(tg::zeros({1, 2, 3})), "t() expects a tensor with <= 2 dimensions, but self is 3D");

  // 4-D: y[a,b,c,d] = x[b,d,a,c] for permute {2, 0, 3, 1} (checked element by element).
  const tg::Shape s{2, 3, 4, 5};
  const tg::Tensor x = iota(s);
  const tg::Tensor y = tg::permute(x, {2, 0, 3, 1});
  REQUIRE(y.shape() == tg::Shape{4, 2, 5, 3});
  const auto vx = values(x), vy = values(y);
  bool all_match = true;
  for (std::int64_t a = 0; a < 4; ++a)
    for (std::int64_t b = 0; b < 2; ++b)
      for (std::int64_t c = 0; c < 5; ++c)
        for (std::int64_t d = 0; d < 3; ++d)
          all_match &= vy[((a * 2 + b) * 5 + c) * 3 + d] == vx[((b * 3 + d) * 4 + a) * 5 + c];
  CHECK(all_match);
  // PyTorch 1.13: the first elements and y[3,1,4,2].
  CHECK(tg::sum(y).item() == 7140);
  CHECK(vy[0] == 0);
  CHECK(vy[1] == 20);
  CHECK(vy[2] == 40);
  CHECK(vy[3] == 1);
  CHECK(vy[((3 * 2 + 1) * 5 + 4) * 3 + 2] == 119);
  check_close(tg::permute(x, {-1, -2, -3, -4}), values(tg::permute(x, {3, 2, 1, 0})));
  CHECK_THROWS_WITH(tg::permute(x, {0, 1, 2}), Contains("number of dimensions in the tensor input does not match the length of the desired ordering"));
  CHECK_THROWS_WITH(tg::permute(x, {0, 1, 1, 2}), Contains("duplicate dims are not allowed"));
  CHECK(tg::permute(tg::zeros({0, 2, 3}), {2, 0, 1}).shape() == tg::Shape{3, 0, 2});

  tg::manual_seed(25);
  gradcheck_ok([](const Inputs& in) { return tg::permute(in[0], {2, 0, 3, 1}) * tg::arange(3, tg::kFloat64); },
               {leaf({2, 3, 2, 2})});
  gradcheck_ok([](const Inputs& in) { return in[0].transpose(0, 2).sum({0}).t(); }, {leaf({2, 3, 2})});
  gradcheck_ok([](const Inputs& in) { return in[0].t() * tg::arange(2, tg::kFloat64); }, {leaf({2, 3})});
}

TEST_CASE("shape: broadcast_to repeats values and sums gradients back", "[core]") {
  tg::Tensor x = tg::tensor({{1}, {2}}, tg::kFloat64).requires_grad_();  // (2, 1)
  const tg::Tensor y = tg::broadcast_to(x, {3, 2, 4});
  CHECK(y.shape() == tg::Shape{3, 2, 4});
  CHECK(y.index({0, 1, 0}).item<double>() == 2.0);
  CHECK(y.impl()->storage == x.impl()->storage);  // a view: nothing repeated in memory
  CHECK(tg::gradcheck([](const std::vector<tg::Tensor>& in) { return tg::broadcast_to(in[0], {3, 2, 4}); }, {x}));
  CHECK(tg::broadcast_to(x, {2, 3}).shape() == tg::Shape{2, 3});
  CHECK_THROWS_WITH(tg::broadcast_to(x, {3, 3}), Contains("[2, 1]") && Contains("[3, 3]"));
  CHECK_THROWS_WITH(tg::broadcast_to(tg::ones({2, 2}), {2}), Contains("cannot be broadcast"));
}

TEST_CASE("index: gather along a dim with int64 indices", "[core]") {
  const tg::Tensor x = tg::tensor({{1, 2, 3}, {4, 5, 6}}, tg::kFloat64);
  const tg::Tensor idx = tg::tensor({{2, 0}, {1, 1}}, tg::kInt64);
  check_close(tg::gather(x, 1, idx), {3, 1, 5, 5});
  check_close(tg::gather(x, 0, tg::tensor({{1, 0, 1}}, tg::kInt64)), {4, 2, 6});
  check_close(tg::gather(x, -1, tg::tensor({{0}, {2}}, tg::kInt64)), {1, 6});  // a target-picking pattern
  CHECK(tg::gather(x, 1, tg::zeros({2, 0}, tg::kInt64)).shape() == tg::Shape{2, 0});

  // Repeated indices accumulate in backward.
  tg::Tensor w = x.clone().detach().requires_grad_();
  tg::gather(w, 1, idx).sum().backward();
  check_close(w.grad(), {1, 0, 1, 0, 2, 0});
  tg::manual_seed(26);
  gradcheck_ok([&](const Inputs& in) { return tg::gather(in[0], 1, in[1]); }, {leaf({2, 3}), idx});
  gradcheck_ok([](const Inputs& in) { return tg::gather(in[0], 0, tg::tensor({{1, 0}, {1, 1}, {0, 0}}, tg::kInt64)); },
               {leaf({2, 3})});

  CHECK_THROWS_MATCHES(tg::gather(x, 1, tg::tensor({{0, 3}}, tg::kInt64)), std::out_of_range,
                       Message("index 3 is out of bounds for dimension 1 with size 3"));
  CHECK_THROWS_MATCHES(tg::gather(x, 1, tg::tensor({{0, -1}}, tg::kInt64)), std::out_of_range,
                       Message("index -1 is out of bounds for dimension 1 with size 3"));
  CHECK_THROWS_MATCHES(tg::gather(x, 1, tg::tensor({{0., 1.}})), std::invalid_argument,
                       Message("gather(): Expected dtype int64 for index, but got float32"));
  CHECK_THROWS_WITH(tg::gather(x, 1, tg::tensor({0, 1}, tg::kInt64)), Contains("same number of dimensions"));
  CHECK_THROWS_WITH(tg::gather(x, 1, tg::zeros({3, 1}, tg::kInt64)), Contains("Size does not match at dimension 0"));
}

TEST_CASE("index: index_select along a dim with int64 indices", "[core]") {
  const tg::Tensor x = iota({3, 2, 2});
  const tg::Tensor idx = tg::tensor({2, 0, 2}, tg::kInt64);
  const tg::Tensor y = tg::index_select(x, 0, idx);
  CHECK(y.shape() == tg::Shape{3, 2, 2});
  check_close(y, {8, 9, 10, 11, 0, 1, 2, 3, 8, 9, 10, 11});
  check_close(tg::index_select(x, -1, tg::tensor({1}, tg::kInt64)), {1, 3, 5, 7, 9, 11});
  CHECK(tg::index_select(x, 1, tg::zeros({0}, tg::kInt64)).shape() == tg::Shape{3, 0, 2});

  tg::Tensor w = x.detach().clone().requires_grad_();
  tg::index_select(w, 0, idx).sum().backward();
  check_close(w.grad(), {1, 1, 1, 1, 0, 0, 0, 0, 2, 2, 2, 2});
  tg::manual_seed(27);
  for (std::int64_t dim : {0, 1, 2})
    gradcheck_ok([&](const Inputs& in) { return tg::index_select(in[0], dim, tg::tensor({1, 0, 1}, tg::kInt64)); },
                 {leaf({2, 2, 3})});

  CHECK_THROWS_MATCHES(tg::index_select(x, 1, tg::tensor({0, 2}, tg::kInt64)), std::out_of_range,
                       Message("index 2 is out of bounds for dimension 1 with size 2"));
  CHECK_THROWS_MATCHES(tg::index_select(x, 1, tg::tensor({-1}, tg::kInt64)), std::out_of_range,
                       Message("index -1 is out of bounds for dimension 1 with size 2"));
  CHECK_THROWS_WITH(tg::index_select(x, 0, tg::tensor({0.0})), Contains("Expected dtype int64 for index"));
  CHECK_THROWS_WITH(tg::index_select(x, 0, tg::zeros({1, 1}, tg::kInt64)), Contains("Index is supposed to be a vector"));
}

TEST_CASE("reduce/shape/index: 0-d tensors", "[core]") {
  tg::Tensor s = tg::scalar_tensor(2.5, tg::kFloat64).requires_grad_();
  auto [v, i] = tg::max(s, 0);
  CHECK(v.dim() == 0);
  CHECK(v.item() == 2.5);
  CHECK(i.item<std::int64_t>() == 0);
  CHECK(tg::argmax(s, -1).dim() == 0);
  CHECK(tg::transpose(s, 0, -1).dim() == 0);
  CHECK(tg::t(s).dim() == 0);
  CHECK(tg::index_select(s, 0, tg::tensor({0}, tg::kInt64)).item() == 2.5);
  CHECK_THROWS_AS(tg::index_select(s, 0, tg::tensor({0, 0}, tg::kInt64)), std::invalid_argument);
  CHECK(tg::gather(s, 0, tg::full({}, 0, tg::kInt64)).item() == 2.5);
  CHECK_THROWS_WITH(tg::matmul(s, s), Contains("both arguments to matmul need to be at least 1D, but they are 0D and 0D"));
  (v * tg::sum(s, {0}) * tg::mean(s)).backward();  // d(s³)/ds = 3s²
  CHECK(s.grad().item() == Approx(3 * 2.5 * 2.5));
}

TEST_CASE("cat: a 1-D empty tensor joins tensors of any shape, and 0-d tensors are refused by position",
          "[core]") {
  // PyTorch 1.13's legacy rule: tensors of shape [0] are skipped (a list built from torch.tensor([])).
  const tg::Tensor empty_1d = tg::zeros({0});
  const tg::Tensor x = tg::arange(6.0, tg::kFloat32).reshape({2, 3});
  CHECK(tg::cat({empty_1d, x}).shape() == tg::Shape{2, 3});
  CHECK(tg::cat({x, empty_1d, x}, 1).shape() == tg::Shape{2, 6});
  check_close(tg::cat({x, empty_1d, x}, 1), {0, 1, 2, 0, 1, 2, 3, 4, 5, 3, 4, 5});
  CHECK(tg::cat({empty_1d, empty_1d}).shape() == tg::Shape{0});
  // It still takes part in the dtype: float32 [0] with int64 gives float32, as PyTorch.
  CHECK(tg::cat({empty_1d, tg::tensor({1, 2})}).dtype() == tg::kFloat32);
  // A [0, 2] tensor is not 1-D: its sizes must match.
  CHECK_THROWS_MATCHES(tg::cat({tg::zeros({0, 2}), x}), std::invalid_argument,
                       Message("Sizes of tensors must match except in dimension 0. Expected size 2 but got size 3 for "
                               "tensor number 1 in the list."));
  CHECK_THROWS_MATCHES(tg::cat({x, tg::scalar_tensor(1.0)}), std::invalid_argument,
                       Message("zero-dimensional tensor (at position 1) cannot be concatenated"));

  tg::Tensor e = tg::zeros({0}).requires_grad_();
  tg::Tensor a = x.clone().requires_grad_();
  tg::sum(tg::cat({e, a})).backward();
  CHECK(e.grad().shape() == tg::Shape{0});
  check_close(a.grad(), {1, 1, 1, 1, 1, 1});
}
