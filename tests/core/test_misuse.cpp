// Misuse of the core API gets a clear exception, never a crash or a silently wrong value: tensors
// replaced behind autograd's back, shapes whose size overflows, int64 tensors where floats are
// needed, in-place changes autograd cannot record. (Misuse of backward itself is in test_autograd.cpp.)
#include <catch2/catch.hpp>
#include <tapegrad/tapegrad.hpp>

#include <iostream>
#include <sstream>
#include <string>
#include <utility>

namespace tg = tapegrad;
using Catch::Contains;

TEST_CASE("a parameter replaced by set_data after the forward pass fails the backward cleanly", "[core][misuse]") {
  tg::Tensor a = tg::ones({2, 3}).requires_grad_();
  tg::Tensor b = tg::ones({3, 2});
  tg::Tensor loss = tg::sum(tg::matmul(a, b));
  {
    tg::NoGradGuard no_grad;
    a.set_data(tg::ones({2000, 3}));  // its saved value in mm now has another storage and shape
  }
  CHECK_THROWS_WITH(loss.backward(),
                    Contains("replaced (set_data or Module::to)") &&
                        Contains("saved as a float32 tensor: it is now a float32 tensor of shape [2000, 3]") &&
                        Contains("(needed by MmBackward0, the backward of 'mm')"));
}

TEST_CASE("a leaf replaced by set_data that no op saved is caught when its gradient arrives", "[core][misuse]") {
  tg::Tensor a = tg::ones({2}).requires_grad_();
  tg::Tensor loss = tg::sum(a + tg::ones({2}));  // add saves nothing
  {
    tg::NoGradGuard no_grad;
    a.set_data(tg::ones({3}));
  }
  CHECK_THROWS_WITH(loss.backward(), Contains("for an input of shape [3]") && Contains("set_data"));
  CHECK_FALSE(a.grad().defined());
}

TEST_CASE("shapes whose element count overflows are rejected before allocating", "[core][misuse]") {
  const std::int64_t big = (std::int64_t{1} << 62) + 1;
  CHECK_THROWS_WITH(tg::zeros({4, big}), Contains("more elements than fit in 64 bits"));
  CHECK_THROWS_WITH(tg::zeros({std::int64_t{1} << 32, std::int64_t{1} << 32}), Contains("64 bits"));
  CHECK_THROWS_WITH(tg::zeros({0, big, big}), Contains("64 bits"));  // strides would overflow too
  CHECK_THROWS_WITH(tg::zeros({std::int64_t{1} << 61}), Contains("2^63 bytes"));  // float32 bytes overflow
  CHECK_THROWS_WITH(tg::ones({4}).reshape({-1, big, big}), Contains("64 bits"));
  CHECK_THROWS_WITH(tg::arange(0, 1e300, 1.0, tg::kFloat64), Contains("arange"));
  CHECK(tg::zeros({0, 5}).numel() == 0);
}

TEST_CASE("int64 tensors: float-only ops are refused; division and floating scalars promote, never truncate",
          "[core][misuse]") {
  const tg::Tensor i = tg::tensor({3, 5}, tg::kInt64);
  // True division and floating scalars compute in float32, as PyTorch 1.13 (test_promotion.cpp has the table).
  CHECK((i / 2.0).dtype() == tg::kFloat32);
  CHECK(tg::to_vector<float>(i / 2.0) == std::vector<float>{1.5f, 2.5f});
  CHECK(tg::to_vector<float>(i / tg::tensor({2, 2})) == std::vector<float>{1.5f, 2.5f});
  CHECK(tg::to_vector<double>(i.to(tg::kFloat64) / 2.0) == std::vector<double>{1.5, 2.5});
  CHECK_THROWS_WITH(tg::softmax(tg::arange(4), 0), Contains("int64"));
  // exp and requires_grad_ on int64: the exact messages are in test_ops_elementwise.cpp and test_tensor.cpp.
  const tg::Tensor r = tg::arange(4);
  CHECK(tg::to_vector<float>(tg::mul(r, 0.5)) == std::vector<float>{0, 0.5f, 1, 1.5f});
  CHECK(tg::mul(r, 2.0).dtype() == tg::kFloat32);  // 2.0 is a floating scalar
  CHECK(tg::to_vector<std::int64_t>(tg::mul(r, 2)) == std::vector<std::int64_t>{0, 2, 4, 6});
  CHECK(tg::mul(r, 2).dtype() == tg::kInt64);
}

TEST_CASE("in-place ops on tensors autograd tracks are refused while grad mode is on", "[core][misuse]") {
  tg::Tensor w = tg::tensor({1.0, 2.0}).requires_grad_();
  CHECK_THROWS_WITH(w.fill_(0), Contains("a leaf tensor that requires grad is being used in an in-place operation"));
  CHECK_THROWS_WITH(w.copy_(tg::zeros({2})), Contains("leaf tensor"));
  CHECK_THROWS_WITH(tg::mul_(w, 2.0), Contains("leaf tensor"));
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

TEST_CASE("an undefined tensor says, when used, why it is undefined", "[core][misuse]") {
  const std::string undefined = "operation on an undefined tensor: ";
  CHECK_THROWS_AS(tg::Tensor().dim(), std::invalid_argument);
  CHECK_THROWS_WITH(tg::Tensor().dim(), undefined + "it holds no tensor (a default-constructed Tensor, or an "
                                                    "optional one that was not given)");
  // The .grad() of a tensor that never required grad.
  const tg::Tensor x = tg::ones({1});
  CHECK_THROWS_WITH(x.grad().item(), undefined + "it is the .grad() of a tensor that does not require grad, which "
                                                 "backward never computes; call requires_grad_() on that tensor "
                                                 "before the forward pass");
  // A leaf that requires grad, before its first backward and after its gradient was reset to none.
  tg::Tensor w = tg::ones({1}).requires_grad_();
  CHECK_THROWS_WITH(w.grad().item(), Contains(undefined + "it is the .grad() of a tensor no backward pass has reached"));
  tg::sum(w * 2.0).backward();
  CHECK(w.grad().item() == 2.0);
  w.set_grad(tg::Tensor());
  CHECK_THROWS_WITH(w.grad().item(), Contains("since zero_grad() reset its gradient"));
  // Copies keep the reason; ops name themselves in front of it.
  const tg::Tensor copy = x.grad();
  CHECK_THROWS_WITH(tg::exp(copy), "exp: " + undefined + "it is the .grad() of a tensor that does not require grad, "
                                                         "which backward never computes; call requires_grad_() on "
                                                         "that tensor before the forward pass");
  // Moved from: the value lives on in the other handle; assigning gives the handle a value again.
  tg::Tensor a = tg::ones({2});
  const tg::Tensor b = std::move(a);
  CHECK(b.numel() == 2);
  CHECK_THROWS_WITH(a.numel(), Contains(undefined + "it was moved from (std::move)"));
  CHECK_THROWS_WITH(a + b, Contains("add: " + undefined + "it was moved from"));
  a = b;
  CHECK(a.numel() == 2);
  tg::Tensor c;
  c = std::move(a);
  CHECK_THROWS_WITH(a.dim(), Contains("moved from"));
  CHECK(tg::Tensor().why_undefined().size() > 0);
  CHECK(c.why_undefined().empty());
}

namespace {
// Collects what is written to std::cerr while it lives.
class CapturedStderr {
 public:
  CapturedStderr() : previous_(std::cerr.rdbuf(text_.rdbuf())) {}
  ~CapturedStderr() { std::cerr.rdbuf(previous_); }
  CapturedStderr(const CapturedStderr&) = delete;
  CapturedStderr& operator=(const CapturedStderr&) = delete;
  // How many times `s` appears in what was written so far.
  int count(const std::string& s) const {
    const std::string all = text_.str();
    int n = 0;
    for (auto at = all.find(s); at != std::string::npos; at = all.find(s, at + 1)) ++n;
    return n;
  }

 private:
  std::ostringstream text_;
  std::streambuf* previous_;
};
}  // namespace

TEST_CASE(".grad() of a non-leaf without retain_grad() warns as libtorch does, once per call site", "[core][misuse]") {
  const std::string warning =
      "Warning: The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad attribute "
      "won't be populated during backward(). If you indeed want the .grad field to be populated for a non-leaf "
      "Tensor, use .retain_grad() on the non-leaf Tensor. If you access the non-leaf Tensor by mistake, make sure "
      "you access the leaf Tensor instead.\n";
  const tg::Tensor w = tg::ones({2}).requires_grad_();
  const tg::Tensor y = w * 2.0;
  tg::Tensor kept = w * 3.0;
  kept.retain_grad();
  tg::sum(y + kept).backward();
  CapturedStderr captured;
  for (int i = 0; i < 3; ++i) CHECK_FALSE(y.grad().defined());  // one call site, three calls
  CHECK(captured.count(warning) == 1);
  CHECK_THROWS_WITH(y.grad().item(), Contains("it is the .grad() of a non-leaf tensor (an op's result), which "
                                              "backward does not keep; call retain_grad() on it before backward()"));
  CHECK(captured.count(warning) == 2);  // another call site
  // A leaf's gradient and a retained one: no warning.
  CHECK(w.grad().defined());
  CHECK(tg::to_vector<float>(kept.grad()) == std::vector<float>{1, 1});
  CHECK(captured.count(warning) == 2);
  CHECK(captured.count("Warning") == 2);
}
