// The tape: recording rules, reverse replay, accumulation, release, inspection, bounded memory,
// and chains long enough to break anything recursive.
#include <malloc.h>

#include <thread>

#include "../support/helpers.hpp"

using namespace support;
using Catch::Matchers::Contains;
using Catch::Matchers::Message;
namespace ag = tapegrad::autograd;

TEST_CASE("tape: records only in grad mode and when an input requires grad", "[core]") {
  const auto base = ag::tape_size();
  tg::Tensor a = tg::tensor({1, 2, 3}, tg::kFloat64);
  tg::Tensor x = tg::tensor({4, 5, 6}, tg::kFloat64).requires_grad_();

  tg::Tensor plain = a * a + 1.0;
  CHECK(ag::tape_size() == base);
  CHECK_FALSE(plain.requires_grad());
  CHECK(plain.is_leaf());

  tg::Tensor y = a * x;  // one input requires grad: recorded and propagated
  CHECK(ag::tape_size() == base + 1);
  CHECK(y.requires_grad());
  CHECK_FALSE(y.is_leaf());
  tg::Tensor z = tg::exp(y);
  CHECK(ag::tape_size() == base + 2);
  {
    tg::NoGradGuard no_grad;
    CHECK_FALSE(tg::GradMode::is_enabled());
    {
      tg::NoGradGuard nested;
      CHECK_FALSE(tg::GradMode::is_enabled());
    }
    CHECK_FALSE(tg::GradMode::is_enabled());  // the inner guard restores "off", not "on"
    tg::Tensor w = x * 2.0;
    CHECK_FALSE(w.requires_grad());
    CHECK(ag::tape_size() == base + 2);
  }
  CHECK(tg::GradMode::is_enabled());
  // Integer results never require grad.
  CHECK_FALSE(tg::argmax(z, 0).requires_grad());
  CHECK_FALSE(tg::gt(z, 1.0).requires_grad());
  CHECK(ag::needs_grad({a, x}));
  CHECK_FALSE(ag::needs_grad({a, tg::Tensor()}));
}

TEST_CASE("tape: dump lists live entries in execution order with names and shapes", "[core]") {
  tg::Tensor x = tg::ones({2, 3}, tg::kFloat64).requires_grad_();
  tg::Tensor w = tg::ones({4, 3}, tg::kFloat64).requires_grad_();
  tg::Tensor h = tg::relu(tg::matmul(x, w.t()));
  tg::Tensor loss = h.sum();
  const std::string dump = ag::tape_dump();
  // "name[attributes](input shapes) -> output shape dtype"
  const auto p_permute = dump.find(" permute[size=[3, 4], stride=[1, 3], storage_offset=0]([4, 3]) -> [3, 4] float64\n");
  const auto p_mm = dump.find(" mm([2, 3], [3, 4]) -> [2, 4] float64\n");
  const auto p_relu = dump.find(" relu([2, 4]) -> [2, 4] float64\n");
  const auto p_sum = dump.find(" sum[dims=all]([2, 4]) -> [] float64\n");
  INFO(dump);
  REQUIRE(p_permute != std::string::npos);
  REQUIRE(p_mm != std::string::npos);
  REQUIRE(p_relu != std::string::npos);
  REQUIRE(p_sum != std::string::npos);
  CHECK(p_permute < p_mm);
  CHECK(p_mm < p_relu);
  CHECK(p_relu < p_sum);
  CHECK(tg::mul(x, 2.0).sum().grad_fn_name() == "sum");
  // An input that does not require grad shows as "-"; a scalar operand is no input at all.
  tg::Tensor s = x * tg::ones({2, 3}, tg::kFloat64);
  CHECK(ag::tape_dump().find(" mul([2, 3], -) -> [2, 3] float64\n") != std::string::npos);
  tg::Tensor s2 = x * 2.0;
  CHECK(ag::tape_dump().find(" mul[value=2]([2, 3]) -> [2, 3] float64\n") != std::string::npos);
}

TEST_CASE("tape: an entry keeps its op and its attributes in typed form", "[core]") {
  tg::Tensor x = tg::randn({2, 3, 4, 4}, tg::kFloat64).requires_grad_();
  const auto node = [](const tg::Tensor& t) -> const ag::Node& { return *t.impl()->grad_fn; };

  const tg::Tensor s = tg::log_softmax(x, 1);
  CHECK(node(s).op == ag::Op::log_softmax);
  CHECK(node(s).name() == "log_softmax");
  CHECK(std::get<ag::DimAttributes>(node(s).attributes).dim == 1);

  const tg::Tensor r = tg::sum(x, {0, 2}, true);
  const auto& dims = std::get<ag::DimsAttributes>(node(r).attributes);
  CHECK(dims.dims == std::vector<std::int64_t>{0, 2});
  CHECK(dims.keepdim);

  const tg::Tensor w = tg::randn({5, 3, 3, 3}, tg::kFloat64).requires_grad_();
  const tg::Tensor c = tg::conv2d(x, w, {}, tg::Conv2dParams().stride({2, 1}).padding({1, 1, 0, 0}));
  const auto& conv = std::get<tg::Conv2dParams>(node(c).attributes);
  CHECK(conv.stride() == std::vector<std::int64_t>{2, 1});
  CHECK(conv.padding() == std::vector<std::int64_t>{1, 1, 0, 0});

  const tg::Tensor logits = tg::randn({4, 3}, tg::kFloat64).requires_grad_();
  const tg::Tensor loss = tg::cross_entropy_loss(logits, tg::tensor({0, 2, 1, 2}, tg::kInt64), {}, tg::kSum, 1, 0.25);
  const auto& l = std::get<ag::LossAttributes>(node(loss).attributes);
  CHECK(node(loss).op == ag::Op::cross_entropy);
  CHECK(l.reduction == tg::kSum);
  CHECK(l.ignore_index == 1);
  CHECK(l.label_smoothing == 0.25);

  // The anomaly message names the op with its attributes.
  {
    ag::DetectAnomalyGuard anomaly;
    const tg::Tensor z = tg::zeros({2}, tg::kFloat64).requires_grad_();
    CHECK_THROWS_WITH(tg::log(tg::clamp(z, std::nullopt, 0.0)),
                      Catch::Contains("of op 'log'") && Catch::Contains("contains -inf"));
    CHECK_THROWS_WITH(tg::pow(z, -1.0), Catch::Contains("of op 'pow' [value=-1]") && Catch::Contains("contains inf"));
  }

  // A user-defined op keeps its own name and has no built-in attributes.
  const tg::Tensor u = ag::record("my_op", {x}, x.detach() * 2.0, [](const tg::Tensor& g) { return ag::Grads{g * 2.0}; });
  CHECK(node(u).name() == "my_op");
  CHECK(std::holds_alternative<ag::NoAttributes>(node(u).attributes));
  CHECK_THROWS_WITH(ag::record("", {x}, x.detach(), [](const tg::Tensor& g) { return ag::Grads{g}; }),
                    Catch::Contains("needs a name"));
}

TEST_CASE("tape: backward accumulates into leaves; non-leaf grads only when retained", "[core]") {
  tg::Tensor x = tg::tensor({1, 2, 3}, tg::kFloat64).requires_grad_();
  tg::Tensor w = tg::tensor({0.5, -1, 2}, tg::kFloat64).requires_grad_();
  tg::Tensor h = x * w;
  tg::Tensor loss = (h * h).sum();  // d/dx = 2 x w², d/dw = 2 w x²
  loss.backward();
  check_close(x.grad(), {2 * 1 * 0.25, 2 * 2 * 1.0, 2 * 3 * 4.0});
  check_close(w.grad(), {2 * 0.5 * 1, 2 * -1.0 * 4, 2 * 2.0 * 9});
  CHECK_FALSE(h.grad().defined());

  // A second graph adds to the existing .grad.
  (x * 3.0).sum().backward();
  check_close(x.grad(), {0.5 + 3, 4 + 3, 24 + 3});
}

TEST_CASE("tape: one tensor feeding several ops accumulates every path", "[core]") {
  tg::Tensor x = tg::tensor({0.5, -1.5}, tg::kFloat64).requires_grad_();
  tg::Tensor loss = (x * x).sum() + tg::exp(x).sum() + (x + x).sum();
  loss.backward();
  check_close(x.grad(), {2 * 0.5 + std::exp(0.5) + 2, 2 * -1.5 + std::exp(-1.5) + 2}, 1e-12, 1e-14);

  // The same non-leaf on both sides of an op, and used again later.
  tg::Tensor y = tg::tensor({2.0}, tg::kFloat64).requires_grad_();
  tg::Tensor h = y * 3.0;     // 6
  tg::Tensor out = h * h + h;  // 36 + 6 → d/dh = 2h + 1 = 13, d/dy = 39
  out.sum().backward();
  check_close(y.grad(), {39});
}

TEST_CASE("tape: leaf .grad is a private buffer, never an alias of a gradient", "[core]") {
  tg::Tensor x = tg::tensor({1, 2}, tg::kFloat64).requires_grad_();
  tg::Tensor g = tg::tensor({10, 20}, tg::kFloat64);
  x.reshape({2, 1}).reshape({2}).backward(g);  // reshape's backward passes g through unchanged
  g.fill_(-1);
  check_close(x.grad(), {10, 20});
  tg::Tensor seed = tg::tensor({5, 6}, tg::kFloat64);
  tg::Tensor leaf = tg::zeros({2}, tg::kFloat64).requires_grad_();
  leaf.backward(seed);  // backward on a leaf itself
  seed.fill_(0);
  check_close(leaf.grad(), {5, 6});
}

TEST_CASE("tape: entries are released after backward unless retain_graph", "[core]") {
  const auto base = ag::tape_size();
  tg::Tensor x = tg::tensor({1, 2}, tg::kFloat64).requires_grad_();
  tg::Tensor y = (tg::exp(x) * 2.0).sum();
  CHECK(ag::tape_size() == base + 3);

  y.backward({}, /*retain_graph=*/true);
  CHECK(ag::tape_size() == base + 3);
  y.backward();  // second pass allowed: the graph was retained; grads add up
  check_close(x.grad(), {4 * std::exp(1.0), 4 * std::exp(2.0)}, 1e-12, 1e-14);
  CHECK(ag::tape_size() == base);  // released although y is still alive

  CHECK_THROWS_MATCHES(y.backward(), std::runtime_error,
                       Message("Trying to backward through the graph a second time (or directly access saved tensors "
                               "after they have already been freed). Saved intermediate values of the graph are "
                               "freed when you call .backward(). Specify retain_graph = true if you need to backward "
                               "through the graph a second time (op 'sum')."));
  // A released entry deep inside a new graph is caught too.
  tg::Tensor e = tg::exp(x);
  e.sum().backward();
  CHECK_THROWS_WITH((e * 2.0).sum().backward(), Contains("op 'exp'"));
  // A graph never retained refuses its second pass too.
  tg::Tensor z = tg::sum(tg::exp(tg::ones({3}).requires_grad_()));
  z.backward();
  CHECK_THROWS_WITH(z.backward(), Contains("backward through the graph a second time"));
}

TEST_CASE("tape: detach stops gradients", "[core]") {
  tg::Tensor x = tg::tensor({3.0}, tg::kFloat64).requires_grad_();
  tg::Tensor y = x * x;
  tg::Tensor loss = y.detach() * x;  // d/dx = y (constant) = 9
  loss.sum().backward();
  check_close(x.grad(), {9});
}

TEST_CASE("tape: backward errors", "[core]") {
  tg::Tensor x = tg::tensor({1, 2}, tg::kFloat64).requires_grad_();
  tg::Tensor y = x * 2.0;
  CHECK_THROWS_MATCHES(y.backward(), std::runtime_error, Message("grad can be implicitly created only for scalar outputs"));
  CHECK_THROWS_WITH(tg::exp(tg::ones({3}).requires_grad_()).backward(),
                    Contains("grad can be implicitly created only for scalar outputs"));
  CHECK_THROWS_MATCHES(tg::tensor({1.0}).backward(), std::runtime_error,
                       Message("element 0 of tensors does not require grad and does not have a grad_fn"));
  CHECK_THROWS_MATCHES(y.backward(tg::ones({3}, tg::kFloat64)), std::invalid_argument,
                       Message("backward: the gradient has shape [3] (float64) but the tensor has shape [2] (float64)"));
  CHECK_THROWS_AS(y.backward(tg::ones({2}, tg::kFloat32)), std::invalid_argument);
  y.backward(tg::tensor({1, -1}, tg::kFloat64));  // an explicit gradient works for any shape
  check_close(x.grad(), {2, -2});
}

TEST_CASE("tape: a value saved for backward and then modified in place is detected", "[core]") {
  SECTION("an output saved by its own op") {
    tg::Tensor x = tg::tensor({0.5, 1.0}, tg::kFloat64).requires_grad_();
    tg::Tensor y = tg::exp(x);  // saves its output
    tg::Tensor loss = y.sum();
    CHECK_THROWS_WITH(y.fill_(0), Contains("not recorded on the tape"));  // with grad mode on: refused
    {
      tg::NoGradGuard no_grad;  // allowed, but the saved value is now stale...
      y.fill_(0);
    }
    CHECK_THROWS_WITH(loss.backward(), Contains("modified by an inplace operation") && Contains("[2]"));  // ...and caught
    // add_ as well as fill_, on float32.
    tg::Tensor y32 = tg::exp(tg::tensor({0.5, 1.0}).requires_grad_());
    tg::Tensor loss32 = tg::sum(y32);
    {
      tg::NoGradGuard no_grad;
      tg::add_(y32, tg::ones({2}));
    }
    CHECK_THROWS_WITH(loss32.backward(), Contains("modified by an inplace operation"));
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

TEST_CASE("tape: the in-place error names the op that made the value and the backward that needed it", "[core]") {
  tg::Tensor x = tg::tensor({-1.0, 2.0}, tg::kFloat64).requires_grad_();
  tg::Tensor w = tg::tensor({3.0, 4.0}, tg::kFloat64).requires_grad_();
  tg::Tensor y = tg::relu(x);
  tg::Tensor loss = tg::sum(y * w);  // mul saves y, relu's output
  {
    tg::NoGradGuard no_grad;
    y.fill_(0);
  }
  CHECK_THROWS_MATCHES(loss.backward(), std::runtime_error,
                       Message("one of the variables needed for gradient computation has been modified by an inplace "
                               "operation: [float64 [2]], which is output 0 of ReluBackward0, is at version 1; "
                               "expected version 0 instead (needed by MulBackward0, the backward of 'mul')"));
  // A leaf has no producer: PyTorch's wording without "which is output 0 of".
  tg::Tensor v = tg::tensor({1.0, 2.0}, tg::kFloat64).requires_grad_();
  tg::Tensor e = tg::sum(tg::log(v));  // log saves its input, the leaf
  {
    tg::NoGradGuard no_grad;
    tg::mul_(v, 2);
  }
  CHECK_THROWS_MATCHES(e.backward(), std::runtime_error,
                       Message("one of the variables needed for gradient computation has been modified by an inplace "
                               "operation: [float64 [2]] is at version 1; expected version 0 instead (needed by "
                               "LogBackward0, the backward of 'log')"));
}

TEST_CASE("tape: a custom op returning an unreduced broadcast gradient is told to sum_to_size it", "[core]") {
  // The usual custom-op mistake: y = x + b with b broadcast, and b's gradient returned unreduced.
  tg::Tensor x = tg::tensor({{1.0, 2.0, 3.0}, {4.0, 5.0, 6.0}}, tg::kFloat64).requires_grad_();
  tg::Tensor b = tg::tensor({0.5, 0.25, 1.0}, tg::kFloat64).requires_grad_();
  auto forward = [&](bool reduce) {
    return ag::record("my_add", {x, b}, (x + b).detach(), [shape = b.shape(), reduce](const tg::Tensor& g) {
      return std::vector<tg::Tensor>{g, reduce ? g.sum_to_size(shape) : g};
    });
  };
  CHECK_THROWS_MATCHES(forward(false).sum().backward(), std::runtime_error,
                       Message("backward of 'my_add' returned a gradient of shape [2, 3] (float64) for an input of "
                               "shape [3] (float64): the gradient looks unreduced (the input was broadcast in the "
                               "forward pass); sum it back to the input's shape with grad.sum_to_size([3]) "
                               "(tapegrad::sum_to_size)"));
  CHECK_FALSE(b.grad().defined());
  x.set_grad({});  // x's gradient was delivered before the check stopped the backward
  forward(true).sum().backward();  // the fix the message names
  check_close(b.grad(), {2, 2, 2});
  check_close(x.grad(), {1, 1, 1, 1, 1, 1});
  // A size-1 dim kept in the input counts too; a gradient that does not broadcast keeps the leaf hint.
  tg::Tensor c = tg::tensor({{0.5}, {1.5}}, tg::kFloat64).requires_grad_();
  tg::Tensor keep = ag::record("my_keep", {c}, c.detach().clone(), [](const tg::Tensor& g) {
    return std::vector<tg::Tensor>{tg::ones({2, 4}, tg::kFloat64) * g.sum()};
  });
  CHECK_THROWS_WITH(keep.sum().backward(), Contains("looks unreduced") && Contains("sum_to_size([2, 1])") &&
                                               !Contains("set_data"));
}

TEST_CASE("sum_to_size: sums broadcast dims back, differentiably, and checks the size", "[core]") {
  tg::Tensor x = tg::tensor({{1.0, 2.0, 3.0}, {4.0, 5.0, 6.0}}, tg::kFloat64).requires_grad_();
  check_close(x.sum_to_size({3}), {5, 7, 9});
  check_close(tg::sum_to_size(x, {2, 1}), {6, 15});
  check_close(x.sum_to_size({1, 1}), {21});
  CHECK(x.sum_to_size({1, 1}).shape() == tg::Shape{1, 1});
  CHECK(x.sum_to_size({2, 3}).is_same(x));  // already that size
  tg::sum(x.sum_to_size({3}) * tg::tensor({1.0, 2.0, 3.0}, tg::kFloat64)).backward();
  check_close(x.grad(), {1, 2, 3, 1, 2, 3});
  CHECK_THROWS_MATCHES(x.sum_to_size({2}), std::invalid_argument,
                       Message("sum_to_size: size [2] is not expandable to size [2, 3]"));
  CHECK_THROWS_AS(x.sum_to_size({1, 2, 3}), std::invalid_argument);
}

TEST_CASE("tape: a failing backward leaves no stale gradients behind", "[core]") {
  tg::Tensor x = tg::tensor({1.0}, tg::kFloat64).requires_grad_();
  tg::Tensor h = x * 3.0;
  tg::Tensor boom = ag::record("boom", {h}, h.detach().clone(), [](const tg::Tensor&) -> std::vector<tg::Tensor> {
    throw std::runtime_error("boom backward");
  });
  CHECK_THROWS_WITH((boom + h).sum().backward({}, true), "boom backward");
  // h's entry had received a gradient from the failed pass before it stopped; it must not leak here.
  h.sum().backward();
  check_close(x.grad(), {3});
}

TEST_CASE("tape: a custom op's backward must return gradients of the right shape and count", "[core]") {
  tg::Tensor x = tg::tensor({1, 2}, tg::kFloat64).requires_grad_();
  tg::Tensor bad_shape = ag::record("bad_shape", {x}, x.detach().clone(), [](const tg::Tensor&) {
    return std::vector<tg::Tensor>{tg::ones({3}, tg::kFloat64)};
  });
  CHECK_THROWS_MATCHES(bad_shape.sum().backward(), std::runtime_error,
                       Message("backward of 'bad_shape' returned a gradient of shape [3] (float64) for an input of "
                               "shape [2] (float64) (a leaf: was it replaced by set_data or Module::to after the "
                               "forward pass?)"));
  tg::Tensor bad_count = ag::record("bad_count", {x}, x.detach().clone(),
                                    [](const tg::Tensor& g) { return std::vector<tg::Tensor>{g, g}; });
  CHECK_THROWS_WITH(bad_count.sum().backward(), "backward of 'bad_count' returned 2 gradients for 1 inputs");
  CHECK_THROWS_WITH(ag::record("int_out", {x}, tg::arange(2), {}), Contains("integer output"));
}

TEST_CASE("tape: 100,000 recorded forward passes without backward keep the tape bounded", "[core]") {
  const auto base = ag::tape_size();
  tg::manual_seed(1);
  tg::Tensor w = tg::randn({2, 3}).requires_grad_();
  tg::Tensor b = tg::zeros({2}).requires_grad_();
  const tg::Tensor x = tg::randn({4, 3});
  std::size_t largest = 0;
  double checksum = 0;
  for (int i = 0; i < 100000; ++i) {
    tg::Tensor loss = tg::relu(tg::linear(x, w, b)).mean();  // 4 entries per pass (linear, relu, sum, div)
    if (i % 1000 == 0) checksum += loss.item();
    largest = std::max(largest, ag::tape_capacity_in_use());
  }
  INFO("largest tape capacity in use: " << largest);
  CHECK(largest <= 4096);
  CHECK(ag::tape_size() == base);
  CHECK(std::isfinite(checksum));
}

TEST_CASE("tape: a destroyed graph gives its memory back without waiting for the tape", "[core]") {
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

namespace {
// 1,000,000 negations of a 0-d tensor: about the cheapest op there is, so the test stays fast.
tg::Tensor negation_chain(const tg::Tensor& x, int length) {
  tg::Tensor y = x;
  for (int i = 0; i < length; ++i) y = tg::neg(y);
  return y;
}
}  // namespace

TEST_CASE("tape: backward through and destruction of a 1,000,000-op chain need no recursion", "[core]") {
  const auto base = ag::tape_size();
  tg::Tensor x = tg::scalar_tensor(1.5, tg::kFloat64).requires_grad_();
  {
    tg::Tensor y = negation_chain(x, 1000000) * 2.0;
    CHECK(y.item() == 3.0);
    y.backward();
  }  // the released chain is destroyed here
  check_close(x.grad(), {2.0});
  {
    tg::Tensor y = negation_chain(x, 1000001);  // never backpropagated: destroyed while still live
    CHECK(ag::tape_size() == base + 1000001);
  }
  CHECK(ag::tape_size() == base);
}

TEST_CASE("tape: a graph still alive when its thread exits is torn down safely", "[core]") {
  std::size_t entries_in_thread = 0;
  std::thread([&] {
    // Constructed before the tape's own thread-locals, so destroyed after them.
    static thread_local tg::Tensor kept;
    tg::Tensor x = tg::ones({2}).requires_grad_();
    kept = tg::exp(x * 2.0).sum();
    entries_in_thread = ag::tape_size();
  }).join();
  CHECK(entries_in_thread == 3);
}

TEST_CASE("tape: a graph built across threads is replayed in the right order", "[core]") {
  tg::Tensor x = tg::tensor({1.0, 2.0}, tg::kFloat64).requires_grad_();
  for (int i = 0; i < 10; ++i) tg::Tensor warmup = x * 1.0;  // this thread's entries are numbered past 10
  tg::Tensor h = x * 2.0;
  std::thread([&] {
    tg::Tensor y = (h * 3.0).sum();  // the first entries on a fresh thread
    y.backward();
  }).join();
  check_close(x.grad(), {6, 6});
}
