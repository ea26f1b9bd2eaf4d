// The engine (issue "Autograd engine"): the tape-driven sweep, autograd::grad, create_graph and
// double backward, graphs spanning threads, long chains, and what a failed backward leaves behind.
#include <cmath>
#include <thread>

#include "../support/helpers.hpp"

using Catch::Matchers::Contains;
using Catch::Matchers::Message;
namespace ag = tapegrad::autograd;

namespace {
tg::Tensor leaf(tg::NestedValues v) { return tg::tensor(v, tg::kFloat64).requires_grad_(); }
std::vector<double> vals(const tg::Tensor& t) { return tg::to_vector<double>(t); }
}  // namespace

TEST_CASE("grad: gradients of outputs with respect to leaves and non-leaves, no .grad touched", "[core][autograd]") {
  tg::Tensor x = leaf({1.0, 2.0, 3.0});
  tg::Tensor h = x * x;          // non-leaf input
  tg::Tensor y = (h * 2.0).sum();
  const auto g = ag::grad({y}, {x, h}, {}, true);
  CHECK(vals(g[0]) == std::vector<double>{4, 8, 12});
  CHECK(vals(g[1]) == std::vector<double>{2, 2, 2});
  CHECK_FALSE(x.grad().defined());
  CHECK_FALSE(g[0].requires_grad());  // no create_graph: plain values
  // The same input twice gets the same gradient twice.
  const auto twice = ag::grad({y}, {x, x}, {}, true);
  CHECK(vals(twice[1]) == std::vector<double>{4, 8, 12});
  // grad_outputs weight a non-scalar output.
  const auto weighted = ag::grad({h}, {x}, {tg::tensor({1.0, 0.0, -1.0}, tg::kFloat64)});
  CHECK(vals(weighted[0]) == std::vector<double>{2, 0, -6});
}

TEST_CASE("grad: bad input raises with PyTorch's messages", "[core][autograd]") {
  tg::Tensor x = leaf({1.0, 2.0});
  tg::Tensor unused = leaf({5.0});
  tg::Tensor constant = tg::tensor({1.0, 2.0}, tg::kFloat64);
  tg::Tensor y = x * 3.0;
  CHECK_THROWS_MATCHES(ag::grad({y}, {x}), std::runtime_error,
                       Message("grad can be implicitly created only for scalar outputs"));
  CHECK_THROWS_MATCHES(ag::grad({y.sum()}, {constant}), std::runtime_error,
                       Message("One of the differentiated Tensors does not require grad"));
  CHECK_THROWS_AS(ag::grad({(x * 3.0).sum()}, {x, unused}), std::runtime_error);
  CHECK_THROWS_WITH(ag::grad({(x * 3.0).sum()}, {x, unused}),
                    Contains("appears to not have been used in the graph. Set allow_unused = true"));
  const auto g = ag::grad({(x * 3.0).sum()}, {x, unused}, {}, std::nullopt, false, true);
  CHECK(vals(g[0]) == std::vector<double>{3, 3});
  CHECK_FALSE(g[1].defined());
  CHECK_THROWS_MATCHES(ag::grad({constant.sum()}, {x}), std::runtime_error,
                       Message("element 0 of tensors does not require grad and does not have a grad_fn"));
  CHECK_THROWS_AS(ag::grad({y}, {x}, {tg::ones({3}, tg::kFloat64)}), std::invalid_argument);
  // Without retain_graph, a second pass over the same graph raises.
  tg::Tensor z = (x * x).sum();
  ag::grad({z}, {x});
  CHECK_THROWS_WITH(ag::grad({z}, {x}), Contains("Trying to backward through the graph a second time"));
}

TEST_CASE("create_graph: second derivatives, Hessian-vector products, retain_graph defaulting to it", "[core][autograd]") {
  tg::Tensor x = leaf({1.0, -2.0, 0.5});
  tg::Tensor y = (x * x * x).sum();  // dy/dx = 3x², d²y/dx² = 6x
  y.backward({}, std::nullopt, true);
  tg::Tensor gx = x.grad();
  REQUIRE(gx.requires_grad());
  CHECK(vals(gx) == std::vector<double>{3, 12, 0.75});
  // retain_graph: gx's graph runs through y's entries, which y.backward() below needs again.
  const auto h = ag::grad({gx}, {x}, {tg::tensor({1.0, 1.0, 2.0}, tg::kFloat64)}, true);
  CHECK(vals(h[0]) == std::vector<double>{6, -12, 6});
  // retain_graph defaulted to true: the first graph still backwards.
  x.set_grad({});
  CHECK_NOTHROW(y.backward());
  CHECK(vals(x.grad()) == std::vector<double>{3, 12, 0.75});
  // grad() with create_graph on a composed loss, then a third derivative.
  tg::Tensor w = leaf({0.3, -0.7});
  auto g1 = ag::grad({tg::tanh(w).sum()}, {w}, {}, std::nullopt, true)[0];        // 1 - tanh²
  auto g2 = ag::grad({g1.sum()}, {w}, {}, std::nullopt, true)[0];                   // -2 tanh (1 - tanh²)
  auto g3 = ag::grad({g2.sum()}, {w})[0];
  for (int i = 0; i < 2; ++i) {
    const double t = std::tanh(vals(w)[i]), d = 1 - t * t;
    CHECK(vals(g2)[i] == Approx(-2 * t * d));
    CHECK(vals(g3)[i] == Approx(-2 * d * d + 4 * t * t * d));
  }
}

TEST_CASE("create_graph: tape_dump marks the entries the backward recorded", "[core][autograd]") {
  tg::Tensor x = leaf({1.0, 2.0});
  tg::Tensor y = tg::sigmoid(x).sum();
  const auto g = ag::grad({y}, {x}, {}, std::nullopt, true);
  const std::string dump = ag::tape_dump();
  INFO(dump);
  CHECK_THAT(dump, Contains("[backward of sigmoid]"));
  CHECK_THAT(dump, Contains("[backward of sum]"));
}

TEST_CASE("create_graph: a backward written with raw loops raises naming the op", "[core][autograd]") {
  auto raw_square = [](const tg::Tensor& x) {
    tg::Tensor y;
    {
      tg::NoGradGuard no_grad;
      y = x * x;
    }
    return ag::record("raw_square", {x}, y, [sx = ag::save(x)](const tg::Tensor& g) {
      const tg::Tensor x = sx;
      tg::Tensor d = tg::empty(x.shape(), x.dtype());
      for (std::int64_t i = 0; i < x.numel(); ++i) d.data<double>()[i] = 2 * x.data<double>()[i] * g.data<double>()[i];
      return ag::Grads{d};
    });
  };
  tg::Tensor x = leaf({1.0, 2.0});
  CHECK(vals(ag::grad({raw_square(x).sum()}, {x})[0]) == std::vector<double>{2, 4});  // first order is fine
  CHECK_THROWS_AS(ag::grad({raw_square(x).sum()}, {x}, {}, std::nullopt, true), std::runtime_error);
  CHECK_THROWS_WITH(ag::grad({raw_square(x).sum()}, {x}, {}, std::nullopt, true),
                    Contains("the backward of 'raw_square' is not differentiable"));
  // Also deep in a graph, where the gradient reaching it already requires grad.
  CHECK_THROWS_WITH(ag::grad({tg::exp(raw_square(x)).sum()}, {x}, {}, std::nullopt, true), Contains("'raw_square'"));
}

TEST_CASE("engine: a million-op chain backwards without recursion; create_graph on a 10,000-op chain", "[core][autograd][slow]") {
  tg::Tensor x = leaf({1.0});
  {
    tg::Tensor y = x;
    for (int i = 0; i < 1'000'000; ++i) y = y * 1.0;
    y.sum().backward();
    CHECK(vals(x.grad()) == std::vector<double>{1.0});
  }
  x.set_grad({});
  tg::Tensor y = x;
  for (int i = 0; i < 10'000; ++i) y = y * x / x * 1.0;  // 30,000 ops, each with x
  tg::Tensor sq = (y * y).sum();  // x², d/dx = 2x, d²/dx² = 2
  const auto g = ag::grad({sq}, {x}, {}, std::nullopt, true)[0];
  CHECK(vals(g)[0] == Approx(2.0));
  CHECK(vals(ag::grad({g.sum()}, {x})[0])[0] == Approx(2.0));
}

TEST_CASE("engine: the tape stays bounded in a loop that never calls backward", "[core][autograd]") {
  tg::Tensor x = leaf({1.0, 2.0});
  for (int i = 0; i < 100'000; ++i) tg::Tensor y = (x * 2.0).sum();
  CHECK(ag::tape_capacity_in_use() < 5000);
}

TEST_CASE("engine: a graph spanning threads backwards from either thread in reverse execution order", "[core][autograd]") {
  tg::Tensor x = leaf({1.0, 2.0});
  tg::Tensor a = x * 2.0;  // this thread
  tg::Tensor b;
  std::thread([&] { b = tg::exp(a) * x; }).join();  // another thread's tape
  tg::Tensor c = (b + a).sum();                    // this thread again
  c.backward({}, true);
  // dc/dx = exp(2x)·(2x + 1) + 2
  for (int i = 0; i < 2; ++i) {
    const double v = vals(x)[i];
    CHECK(vals(x.grad())[i] == Approx(std::exp(2 * v) * (2 * v + 1) + 2));
  }
  // Backward run on a third thread, whose own tape holds none of the entries.
  x.set_grad({});
  std::thread([&] { c.backward(); }).join();
  CHECK(vals(x.grad())[0] == Approx(std::exp(2.0) * 3 + 2));
}

TEST_CASE("hooks: tensor hooks, post-accumulate hooks and callbacks run in the documented order", "[core][autograd][hooks]") {
  std::vector<std::string> log;
  tg::Tensor x = leaf({1.0, 2.0});
  tg::Tensor h = x * 3.0;
  auto h1 = h.register_hook([&](const tg::Tensor& g) { log.push_back("h first"); return g * 2.0; });
  auto h2 = h.register_hook([&](const tg::Tensor& g) {
    log.push_back("h second sees " + std::to_string(vals(g)[0]));
    return tg::Tensor();
  });
  auto x1 = x.register_hook([&](const tg::Tensor& g) { log.push_back("x tensor hook " + std::to_string(vals(g)[0])); return tg::Tensor(); });
  auto post = x.register_post_accumulate_grad_hook([&](const tg::Tensor& leaf) {
    log.push_back("x post " + std::to_string(vals(leaf.grad())[0]));
  });
  auto cb = ag::register_backward_callback([&] { log.push_back("callback"); });
  tg::Tensor y = (h * x).sum();  // x used twice: its hooks see the sum of both gradients, once
  y.backward({}, true);
  // dy/dx = 3x (through h·x directly) + 2·3·x (through h, doubled by the hook) = 9x at x=1.
  CHECK(log == std::vector<std::string>{"h first", "h second sees 2.000000", "x tensor hook 9.000000",
                                        "x post 9.000000", "callback"});
  CHECK(vals(x.grad())[0] == 9.0);
  // Removed hooks do not run; queue_callback runs once, after the registered callbacks.
  h1.remove();
  post.remove();
  x1.remove();
  log.clear();
  auto queuing = h.register_hook([&](const tg::Tensor&) {
    ag::queue_callback([&] { log.push_back("queued"); });
    return tg::Tensor();
  });
  x.set_grad({});
  y.backward();
  CHECK(log == std::vector<std::string>{"h second sees 1.000000", "callback", "queued"});
  CHECK(vals(x.grad())[0] == 6.0);
  cb.remove();
  cb.remove();  // idempotent
  CHECK_THROWS_WITH(ag::queue_callback([] {}), "Final callbacks can only be installed during backward pass.");
  CHECK_THROWS_WITH(h.register_post_accumulate_grad_hook([](const tg::Tensor&) {}),
                    Contains("cannot be registered on non-leaf tensors"));
  CHECK_THROWS_AS(tg::tensor({1.0}).register_hook([](const tg::Tensor& g) { return g; }), std::runtime_error);
}

TEST_CASE("hooks: a throwing hook leaves the graph usable; a hook of the wrong shape is refused", "[core][autograd][hooks]") {
  tg::Tensor x = leaf({1.0, 2.0});
  tg::Tensor h = tg::exp(x);
  bool fail = true;
  auto handle = h.register_hook([&](const tg::Tensor& g) -> tg::Tensor {
    if (fail) throw std::runtime_error("hook failed");
    return g;
  });
  tg::Tensor y = (h * 2.0).sum();
  CHECK_THROWS_WITH(y.backward(), "hook failed");
  CHECK_FALSE(x.grad().defined());
  fail = false;
  y.backward();  // the graph was not released by the failed pass
  CHECK(vals(x.grad())[0] == Approx(2 * std::exp(1.0)));
  handle.remove();
  tg::Tensor z = (x * 2.0);
  z.register_hook([](const tg::Tensor&) { return tg::ones({3}, tg::kFloat64); });
  CHECK_THROWS_WITH(z.sum().backward(), Contains("hook returned a gradient of shape [3]"));
}

TEST_CASE("anomaly mode covers the recorded backward", "[core][autograd]") {
  tg::Tensor x = leaf({0.0, 1.0});
  tg::Tensor y = tg::sqrt(x).sum();
  ag::DetectAnomalyGuard anomaly;
  // d sqrt(x)/dx = 1 / (2 sqrt x) is inf at 0: under create_graph the division is recorded and caught.
  CHECK_THROWS_AS(ag::grad({y}, {x}, {}, std::nullopt, true), ag::AnomalyError);
  CHECK_THROWS_WITH(ag::grad({y}, {x}, {}, std::nullopt, true), Contains("recorded by the create_graph backward of 'sqrt'"));
}
