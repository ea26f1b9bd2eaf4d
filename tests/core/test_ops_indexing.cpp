// Tensor ops beyond the element-wise and matmul families (indexing, split/chunk, repeat, sort/topk,
// min/argmin, var/std/norm, cumsum, one_hot, all/any, sin ... erf): their PyTorch-reference cases (run
// by test_functional_reference.cpp), and behaviour tests of indexing, index_put_, split, chunk, repeat,
// expand, one_hot and topk.
#include <catch2/catch.hpp>

#include <cmath>

#include "../support/functional_reference.hpp"

namespace tg = tapegrad;
using tg::indexing::Ellipsis;
using tg::indexing::None;
using tg::indexing::Slice;
using functional_reference::Fn;
using functional_reference::Inputs;

std::map<std::string, Fn> functional_reference::tensor_op_reference_cases() {
  std::map<std::string, Fn> m;
  auto idx = [](std::vector<std::int64_t> v, tg::Shape s) { return tg::from_vector(v, s); };
  m["index_slices"] = [](const Inputs& x) { return x[0].index({Slice(1, 3), Slice(std::nullopt, std::nullopt, 2)}); };
  m["index_tensor"] = [=](const Inputs& x) { return x[0].index({Slice(), idx({0, -1, 2, 2}, {2, 2})}); };
  m["index_none_ellipsis_int"] = [](const Inputs& x) { return x[0].index({None, Ellipsis, 1}); };
  m["split_last_piece"] = [](const Inputs& x) { return tg::split(x[0], 2, 1)[2]; };
  m["chunk_middle"] = [](const Inputs& x) { return tg::chunk(x[0], 3, 0)[1]; };
  m["expand"] = [](const Inputs& x) { return tg::expand(x[0], {2, -1, 4}); };
  m["repeat"] = [](const Inputs& x) { return tg::repeat(x[0], {2, 1, 2}); };
  m["flip"] = [](const Inputs& x) { return tg::flip(x[0], {0, 2}); };
  m["masked_fill"] = [](const Inputs& x) { return tg::masked_fill(x[0], tg::gt(x[0], 0.0), -1.5); };
  m["min_dim"] = [](const Inputs& x) { return tg::min(x[0], 1).first; };
  m["min_dim_indices"] = [](const Inputs& x) { return tg::min(x[0], 1).second; };
  m["argmin_keepdim"] = [](const Inputs& x) { return tg::argmin(x[0].index({Slice(std::nullopt, 2)}), 0, true); };
  m["min_all"] = [](const Inputs& x) { return tg::min(x[0].index({Slice(std::nullopt, 2)})); };
  m["std_dim_keepdim"] = [](const Inputs& x) { return tg::std(x[0], {1}, true, true); };
  m["var_biased_all"] = [](const Inputs& x) { return tg::var(x[0], {}, false); };
  m["std_constant_rows"] = [](const Inputs& x) { return tg::std(x[0], {1}); };
  m["norm_p1_dim"] = [](const Inputs& x) { return tg::norm(x[0], 1, {1}); };
  m["norm_p2_all"] = [](const Inputs& x) { return tg::norm(x[0]); };
  m["norm_inf_dim"] = [](const Inputs& x) { return tg::norm(x[0], INFINITY, {0}); };
  m["norm_p3_keepdim"] = [](const Inputs& x) { return tg::norm(x[0], 3, {1}, true); };
  m["norm_zero_vector"] = [](const Inputs& x) { return tg::norm(x[0], 2, {1}); };
  m["cumsum"] = [](const Inputs& x) { return tg::cumsum(x[0], 1); };
  m["topk"] = [](const Inputs& x) { return tg::topk(x[0], 2, 1).first; };
  m["topk_smallest_indices"] = [](const Inputs& x) { return tg::topk(x[0], 3, 0, false).second; };
  m["sort_descending"] = [](const Inputs& x) { return tg::sort(x[0], 0, true).first; };
  m["sort_nan_indices"] = [](const Inputs& x) { return tg::sort(x[0], 1).second; };
  m["argsort"] = [](const Inputs& x) { return tg::argsort(x[0], 1); };
  m["one_hot"] = [](const Inputs& x) { return tg::one_hot(x[0], 5); };
  m["all_dim"] = [](const Inputs& x) { return tg::all(x[0], {1}); };
  m["any_all"] = [](const Inputs& x) { return tg::any(x[0]); };
  m["sin"] = [](const Inputs& x) { return tg::sin(x[0]); };
  m["cos"] = [](const Inputs& x) { return tg::cos(x[0]); };
  m["expm1"] = [](const Inputs& x) { return tg::expm1(x[0]); };
  m["erf"] = [](const Inputs& x) { return tg::erf(x[0]); };
  m["rsqrt"] = [](const Inputs& x) { return tg::rsqrt(x[0]); };
  return m;
}

TEST_CASE("index: PyTorch's messages for bad indices", "[core]") {
  const tg::Tensor x = tg::zeros({2, 3});
  CHECK_THROWS_WITH(x.index({0, 1, 2}), "too many indices for tensor of dimension 2");
  CHECK_THROWS_WITH(x.index({2}), "index 2 is out of bounds for dimension 0 with size 2");
  CHECK_THROWS_AS(x.index({Slice(), tg::from_vector(std::vector<std::int64_t>{3}, {1})}), std::out_of_range);
  CHECK_THROWS_WITH(x.index({Slice(0, 2, 0)}), "step must be greater than zero");
  CHECK_THROWS_WITH(x.index({tg::zeros({1})}), Catch::Contains("must be int64"));
  CHECK(x.index({-1}).shape() == tg::Shape{3});
  CHECK(x.index({Slice(5, 9)}).shape() == tg::Shape{0, 3});  // clipped, as Python slices
}

TEST_CASE("index_put_: writes through slices, integers and index tensors", "[core]") {
  tg::Tensor x = tg::zeros({3, 4});
  x.index_put_({Slice(), 0}, 1.0);
  x.index_put_({1, Slice(1, 3)}, tg::tensor({5.0, 6.0}));
  x.index_put_({tg::from_vector(std::vector<std::int64_t>{-1}, {1}), 3}, 9.0);
  CHECK(tg::to_vector<double>(x) == std::vector<double>{1, 0, 0, 0, 1, 5, 6, 0, 1, 0, 0, 9});
  CHECK_THROWS_AS(x.index_put_({0}, tg::zeros({4}, tg::kFloat64)), std::invalid_argument);
  tg::Tensor leaf = tg::zeros({2}, tg::requires_grad());
  CHECK_THROWS_AS(leaf.index_put_({0}, 1.0), std::runtime_error);
}

TEST_CASE("split, chunk, repeat, expand, one_hot, topk: sizes and messages", "[core]") {
  const tg::Tensor x = tg::arange(10.0, tg::kFloat32);
  const auto parts = tg::split(x, 4);
  REQUIRE(parts.size() == 3);
  CHECK(parts[2].shape() == tg::Shape{2});
  CHECK(tg::chunk(x, 4).size() == 4);  // pieces of 3, 3, 3, 1
  CHECK(tg::chunk(tg::arange(6.0, tg::kFloat32), 4).size() == 3);  // as PyTorch: pieces of 2
  CHECK(tg::repeat(x, {2, 1}).shape() == tg::Shape{2, 10});
  CHECK_THROWS_AS(tg::repeat(tg::zeros({2, 2}), {2}), std::invalid_argument);
  CHECK_THROWS_AS(tg::expand(tg::zeros({3}), {2, 2}), std::invalid_argument);
  CHECK_THROWS_WITH(tg::one_hot(tg::from_vector(std::vector<std::int64_t>{-1}, {1})), "Class values must be non-negative.");
  CHECK_THROWS_WITH(tg::one_hot(tg::from_vector(std::vector<std::int64_t>{3}, {1}), 3), "Class values must be smaller than num_classes.");
  CHECK_THROWS_AS(tg::topk(x, 11), std::out_of_range);
  CHECK(tg::to_vector<double>(tg::all(tg::ones({2}))) == std::vector<double>{1});
  CHECK(tg::all(tg::ones({2}, tg::kInt64)).dtype() == tg::kInt64);  // 0/1 in the input's dtype
}
