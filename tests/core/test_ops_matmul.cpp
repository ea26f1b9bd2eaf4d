// matmul (2-D and vector cases) and linear: values against PyTorch, gradients, and PyTorch's error texts.
#include "../support/helpers.hpp"

using namespace support;
using Catch::Matchers::Contains;
using Catch::Matchers::Message;

TEST_CASE("matmul: 2-D x 2-D, 1-D x 2-D, 2-D x 1-D and 1-D x 1-D values (float32 and float64)", "[core]") {
  for (auto dtype : {tg::kFloat32, tg::kFloat64}) {
    INFO(tg::dtype_name(dtype));
    const tg::Tensor a = tg::tensor({{1, 2, 3}, {4, 5, 6}}, dtype);
    const tg::Tensor b = tg::tensor({{1, -1}, {0.5, 2}, {-2, 1}}, dtype);
    const tg::Tensor ab = tg::matmul(a, b);
    CHECK(ab.shape() == tg::Shape{2, 2});
    CHECK(ab.dtype() == dtype);
    check_close(ab, {-4, 6, -5.5, 12});
    const tg::Tensor vb = tg::tensor({1, 2, 3}, dtype).matmul(b);
    CHECK(vb.shape() == tg::Shape{2});
    check_close(vb, {-4, 6});
    const tg::Tensor av = tg::matmul(a, tg::tensor({1, -1, 2}, dtype));
    CHECK(av.shape() == tg::Shape{2});
    check_close(av, {5, 11});
    const tg::Tensor dot = tg::matmul(tg::tensor({1, 2, 3}, dtype), tg::tensor({4, 5, 6}, dtype));
    CHECK(dot.dim() == 0);
    CHECK(dot.item() == 32);
  }
  // Empty inner or outer sizes.
  check_close(tg::matmul(tg::zeros({2, 0}), tg::zeros({0, 3})), std::vector<double>(6, 0.0));
  CHECK(tg::matmul(tg::zeros({0, 4}), tg::zeros({4, 3})).shape() == tg::Shape{0, 3});
  CHECK(tg::matmul(tg::zeros({0}), tg::zeros({0})).item() == 0);
}

TEST_CASE("matmul: float32 GEMM matches a float64 reference on odd sizes, backward included", "[core]") {
  tg::manual_seed(31);
  const std::int64_t m = 37, k = 53, n = 29;
  tg::Tensor a = tg::randn({m, k}).requires_grad_();
  tg::Tensor b = tg::randn({k, n}).requires_grad_();
  const tg::Tensor g = tg::randn({m, n});
  tg::Tensor y = tg::matmul(a, b);
  y.backward(g);
  const auto va = values(a), vb = values(b), vg = values(g);
  std::vector<double> ref_y(m * n, 0), ref_da(m * k, 0), ref_db(k * n, 0);
  for (std::int64_t i = 0; i < m; ++i)
    for (std::int64_t j = 0; j < n; ++j)
      for (std::int64_t p = 0; p < k; ++p) {
        ref_y[i * n + j] += va[i * k + p] * vb[p * n + j];
        ref_da[i * k + p] += vg[i * n + j] * vb[p * n + j];  // g · bᵀ
        ref_db[p * n + j] += va[i * k + p] * vg[i * n + j];  // aᵀ · g
      }
  check_close(y, ref_y, 1e-4, 1e-4);
  check_close(a.grad(), ref_da, 1e-4, 1e-4);
  check_close(b.grad(), ref_db, 1e-4, 1e-4);
}

TEST_CASE("matmul: gradcheck of every shape combination", "[core]") {
  tg::manual_seed(32);
  auto mm = [](const Inputs& in) { return tg::matmul(in[0], in[1]); };
  gradcheck_ok(mm, {leaf({3, 4}), leaf({4, 2})});
  gradcheck_ok(mm, {leaf({4}), leaf({4, 2})});
  gradcheck_ok(mm, {leaf({3, 4}), leaf({4})});
  gradcheck_ok(mm, {leaf({5}), leaf({5})});
  gradcheck_ok(mm, {leaf({3, 4}), tg::uniform({4, 2}, -1, 1, tg::kFloat64)});  // only one input requires grad
  gradcheck_ok([](const Inputs& in) { return tg::matmul(in[0], in[0].t()); }, {leaf({3, 2})});  // same input twice
}

TEST_CASE("matmul: errors name both shapes as PyTorch does", "[core]") {
  CHECK_THROWS_MATCHES(tg::matmul(tg::zeros({64, 784}), tg::zeros({512, 784})), std::invalid_argument,
                       Message("mat1 and mat2 shapes cannot be multiplied (64x784 and 512x784)"));
  CHECK_THROWS_MATCHES(tg::matmul(tg::zeros({3}), tg::zeros({4, 5})), std::invalid_argument,
                       Message("mat1 and mat2 shapes cannot be multiplied (1x3 and 4x5)"));
  CHECK_THROWS_MATCHES(tg::matmul(tg::zeros({4, 5}), tg::zeros({3})), std::invalid_argument,
                       Message("mat1 and mat2 shapes cannot be multiplied (4x5 and 3x1)"));
  CHECK_THROWS_MATCHES(tg::matmul(tg::zeros({3}), tg::zeros({4})), std::invalid_argument,
                       Message("inconsistent tensor size, expected tensor [3] and src [4] to have the same number of "
                               "elements, but got 3 and 4 elements respectively"));
  // N-D operands (PyTorch 1.13's words): the batch folded into the rows, or flattened.
  CHECK_THROWS_MATCHES(tg::matmul(tg::zeros({2, 2, 3}), tg::zeros({2, 2})), std::invalid_argument,
                       Message("mat1 and mat2 shapes cannot be multiplied (4x3 and 2x2)"));
  CHECK_THROWS_WITH(tg::matmul(tg::zeros({2, 2, 3}), tg::zeros({2, 2, 2})),
                    Contains("Expected size for first two dimensions of batch2 tensor to be: [2, 3] but got: [2, 2]."));
  CHECK_THROWS_WITH(tg::matmul(tg::zeros({3, 2, 3}), tg::zeros({2, 3, 2})),
                    Contains("The size of tensor a (3) must match the size of tensor b (2) at non-singleton dimension 0"));
  CHECK_THROWS_WITH(tg::bmm(tg::zeros({2, 2, 3}), tg::zeros({3, 3, 2})),
                    Contains("Expected size for first two dimensions of batch2 tensor to be: [2, 3] but got: [3, 3]."));
  CHECK_THROWS_WITH(tg::matmul(tg::zeros({2, 2}), tg::zeros({2, 2}, tg::kFloat64)),
                    Contains("same dtype") && Contains("float32 and float64"));
  CHECK_THROWS_WITH(tg::matmul(tg::zeros({2, 2}, tg::kInt64), tg::zeros({2, 2}, tg::kInt64)), Contains("int64"));
}

TEST_CASE("linear: values and gradients match PyTorch 1.13", "[core]") {
  tg::Tensor x = tg::tensor({{1, 2, 3}, {-1, 0.5, 2}}, tg::kFloat64).requires_grad_();
  tg::Tensor w = tg::tensor({{0.1, -0.2, 0.3}, {0.4, 0.5, -0.6}}, tg::kFloat64).requires_grad_();
  tg::Tensor b = tg::tensor({0.01, -0.02}, tg::kFloat64).requires_grad_();
  tg::Tensor y = tg::linear(x, w, b);
  check_close(y, {0.61, -0.42, 0.41, -1.37}, 1e-12, 1e-14);
  y.backward(tg::tensor({{1, -1}, {0.5, 2}}, tg::kFloat64));
  check_close(x.grad(), {-0.3, -0.7, 0.9, 0.85, 0.9, -1.05}, 1e-12, 1e-14);
  check_close(w.grad(), {0.5, 2.25, 4, -3, -1, 1}, 1e-12, 1e-14);
  check_close(b.grad(), {1.5, 1}, 1e-12, 1e-14);

  // float32 gives the same values to float32 precision.
  const tg::Tensor y32 = tg::linear(x.detach().to(tg::kFloat32), w.detach().to(tg::kFloat32), b.detach().to(tg::kFloat32));
  check_close(y32, {0.61, -0.42, 0.41, -1.37}, 1e-6, 1e-5);
}

TEST_CASE("linear: 1-D and 3-D inputs, no bias, empty batch", "[core]") {
  const tg::Tensor w = tg::tensor({{0.1, -0.2, 0.3}, {0.4, 0.5, -0.6}}, tg::kFloat64);
  const tg::Tensor b = tg::tensor({0.01, -0.02}, tg::kFloat64);
  const tg::Tensor v = tg::linear(tg::tensor({1, 2, 3}, tg::kFloat64), w);
  CHECK(v.shape() == tg::Shape{2});
  check_close(v, {0.6, -0.4}, 1e-12, 1e-14);
  const tg::Tensor x3 = tg::tensor({{1, 2, 3}, {-1, 0.5, 2}, {0, 1, 0}, {2, 2, 2}}, tg::kFloat64).reshape({2, 2, 3});
  const tg::Tensor y3 = tg::linear(x3, w, b);
  CHECK(y3.shape() == tg::Shape{2, 2, 2});
  check_close(y3, {0.61, -0.42, 0.41, -1.37, -0.19, 0.48, 0.41, 0.58}, 1e-12, 1e-13);
  CHECK(tg::linear(tg::zeros({0, 3}, tg::kFloat64), w, b).shape() == tg::Shape{0, 2});
  // No input features: the output is the bias alone.
  check_close(tg::linear(tg::zeros({5, 0}, tg::kFloat64), tg::zeros({3, 0}, tg::kFloat64), tg::ones({3}, tg::kFloat64)),
              std::vector<double>(15, 1.0));

  tg::manual_seed(33);
  auto with_bias = [](const Inputs& in) { return tg::linear(in[0], in[1], in[2]); };
  auto without_bias = [](const Inputs& in) { return tg::linear(in[0], in[1]); };
  gradcheck_ok(with_bias, {leaf({4, 3}), leaf({2, 3}), leaf({2})});
  gradcheck_ok(without_bias, {leaf({4, 3}), leaf({2, 3})});
  gradcheck_ok(with_bias, {leaf({3}), leaf({2, 3}), leaf({2})});
  gradcheck_ok(with_bias, {leaf({2, 2, 3}), leaf({2, 3}), leaf({2})});
  gradcheck_ok(with_bias, {tg::uniform({4, 3}, -1, 1, tg::kFloat64), leaf({2, 3}), leaf({2})});  // x without grad
  gradcheck_ok(with_bias, {leaf({4, 3}), tg::uniform({2, 3}, -1, 1, tg::kFloat64), leaf({2})});  // W without grad
}

TEST_CASE("linear: errors as PyTorch", "[core]") {
  CHECK_THROWS_MATCHES(tg::linear(tg::zeros({64, 784}), tg::zeros({512, 783})), std::invalid_argument,
                       Message("mat1 and mat2 shapes cannot be multiplied (64x784 and 783x512)"));
  CHECK_THROWS_MATCHES(tg::linear(tg::zeros({784}), tg::zeros({512, 783}), tg::zeros({512})), std::invalid_argument,
                       Message("mat1 and mat2 shapes cannot be multiplied (1x784 and 783x512)"));
  CHECK_THROWS_MATCHES(tg::linear(tg::zeros({2, 3, 4}), tg::zeros({5, 6})), std::invalid_argument,
                       Message("mat1 and mat2 shapes cannot be multiplied (6x4 and 6x5)"));
  CHECK_THROWS_WITH(tg::linear(tg::zeros({2, 3}), tg::zeros({4, 3}), tg::zeros({5})), Contains("[5]") && Contains("[4, 3]"));
  CHECK_THROWS_WITH(tg::linear(tg::zeros({2, 3}), tg::zeros({4, 3}, tg::kFloat64)), Contains("same dtype"));
  CHECK_THROWS_WITH(tg::linear(tg::zeros({2, 3}), tg::zeros({4, 3}), tg::zeros({4}, tg::kFloat64)), Contains("same dtype"));
  CHECK_THROWS_WITH(tg::linear(tg::zeros({2, 3}), tg::zeros({3})), Contains("weight must be 2-D"));
  CHECK_THROWS_WITH(tg::linear(tg::scalar_tensor(1), tg::zeros({3, 1})), Contains("0-d"));
}
