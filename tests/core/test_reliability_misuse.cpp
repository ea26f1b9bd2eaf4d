// Misuse gets a clear exception, never a crash or a silently wrong gradient.
#include <catch2/catch.hpp>
#include <tapegrad/tapegrad.hpp>

namespace tg = tapegrad;
using Catch::Contains;

TEST_CASE("backward on a non-scalar without a gradient argument", "[reliability]") {
  tg::Tensor x = tg::ones({3}).requires_grad_();
  CHECK_THROWS_WITH(tg::exp(x).backward(), Contains("grad can be implicitly created only for scalar outputs"));
}

TEST_CASE("backward twice without retain_graph", "[reliability]") {
  tg::Tensor x = tg::ones({3}).requires_grad_();
  tg::Tensor y = tg::sum(tg::exp(x));
  y.backward();
  CHECK_THROWS_WITH(y.backward(), Contains("backward through the graph a second time"));
}

TEST_CASE("ops on tensors of different dtypes", "[reliability]") {
  const tg::Tensor a = tg::ones({2}), b = tg::ones({2}, tg::kFloat64);
  CHECK_THROWS_WITH(a + b, Contains("same dtype") && Contains("float32") && Contains("float64"));
  CHECK_THROWS_WITH(tg::matmul(tg::ones({2, 2}), tg::ones({2, 2}, tg::kFloat64)), Contains("float64"));
}

TEST_CASE("int64 tensors where floats are needed", "[reliability]") {
  const tg::Tensor i = tg::arange(4);
  CHECK_THROWS_WITH(tg::exp(i), Contains("floating point") && Contains("int64"));
  CHECK_THROWS_WITH(tg::softmax(i, 0), Contains("int64"));
  tg::Tensor j = tg::arange(4);
  CHECK_THROWS_WITH(j.requires_grad_(), Contains("floating point"));
}

TEST_CASE("in-place change of a value saved for backward is detected", "[reliability]") {
  SECTION("an output saved by its own op") {
    tg::Tensor x = tg::tensor({0.5, 1.0}).requires_grad_();
    tg::Tensor y = tg::exp(x);  // exp saves its output
    tg::Tensor loss = tg::sum(y);
    tg::Tensor one = tg::ones({2});
    {
      tg::NoGradGuard no_grad;
      tg::add_(y, one);
    }
    CHECK_THROWS_WITH(loss.backward(), Contains("modified by an inplace operation"));
  }
  SECTION("an input changed between forward and backward, as by an optimizer step") {
    tg::Tensor w = tg::tensor({2.0, 3.0}).requires_grad_();
    tg::Tensor loss = tg::sum(w * w);  // mul saves both operands
    {
      tg::NoGradGuard no_grad;
      tg::mul_(w, 0.5);
    }
    CHECK_THROWS_WITH(loss.backward(), Contains("modified by an inplace operation"));
  }
  SECTION("without the change the same graph backpropagates") {
    tg::Tensor w = tg::tensor({2.0, 3.0}).requires_grad_();
    tg::sum(w * w).backward();
    CHECK(tg::to_vector<double>(w.grad()) == std::vector<double>{4.0, 6.0});
  }
}

TEST_CASE("optimizer given no parameters", "[reliability]") {
  CHECK_THROWS_WITH(tg::optim::SGD({}, tg::optim::SGDOptions(0.1)), Contains("empty parameter list"));
}

TEST_CASE("DataLoader with batch size 0", "[reliability]") {
  tg::datasets::TensorDataset data(tg::zeros({4, 2}), tg::zeros({4}, tg::kInt64));
  CHECK_THROWS_WITH(tg::datasets::DataLoader(data, tg::datasets::DataLoaderOptions(0)), Contains("batch_size"));
}

TEST_CASE("a fractional scalar with an int64 tensor is rejected, not truncated", "[reliability]") {
  const tg::Tensor i = tg::arange(4);
  CHECK_THROWS_WITH(tg::mul(i, 0.5), Contains("not an integer"));
  CHECK(tg::to_vector<std::int64_t>(tg::mul(i, 2.0)) == std::vector<std::int64_t>{0, 2, 4, 6});
}

TEST_CASE("in-place ops on tensors autograd tracks are refused while grad mode is on", "[reliability]") {
  tg::Tensor w = tg::tensor({1.0, 2.0}).requires_grad_();
  CHECK_THROWS_WITH(w.fill_(0), Contains("a leaf Variable that requires grad is being used in an in-place operation"));
  CHECK_THROWS_WITH(w.copy_(tg::zeros({2})), Contains("leaf Variable"));
  CHECK_THROWS_WITH(tg::mul_(w, 2.0), Contains("leaf Variable"));
  tg::Tensor y = w * 2.0;
  // PyTorch would record these; tapegrad does not, so a silent wrong gradient is refused instead.
  CHECK_THROWS_WITH(y.fill_(1), Contains("not recorded on the tape"));
  CHECK_THROWS_WITH(tg::add_(y, tg::ones({2})), Contains("not recorded on the tape"));
  {
    tg::NoGradGuard no_grad;  // an optimizer-style update is fine
    tg::mul_(w, 0.5);
  }
  CHECK(tg::to_vector<float>(w) == std::vector<float>{0.5f, 1.0f});
  tg::Tensor plain = tg::ones({2});
  CHECK_NOTHROW(plain.fill_(3));  // a tensor that does not require grad is free to change
}
