// The fast paths that only large problems take: the multi-threaded SGD update (parameters of
// 65,536 elements and more, optim/sgd.cpp), the multi-threaded GEMM (1M multiply-adds and more,
// core/kernels/gemm.cpp) and the per-thread cache of freed buffers (4 KiB and more,
// core/storage.cpp). The rest of the suite uses small tensors and never reaches them.
#include <catch2/catch.hpp>
#include <tapegrad/tapegrad.hpp>

#include <algorithm>
#include <cmath>
#include <thread>

namespace tg = tapegrad;

namespace {

// Sets the thread count for one scope and restores the previous one after.
class NumThreads {
 public:
  explicit NumThreads(int n) : previous_(tg::get_num_threads()) { tg::set_num_threads(n); }
  ~NumThreads() { tg::set_num_threads(previous_); }
  NumThreads(const NumThreads&) = delete;
  NumThreads& operator=(const NumThreads&) = delete;

 private:
  int previous_;
};

// float32 values drawn from the calling thread's generator.
std::vector<float> random_values(std::size_t n) { return tg::to_vector<float>(tg::randn({static_cast<std::int64_t>(n)})); }

// The optimizer's settings as a user gives them (double).
struct SgdSettings {
  double lr, momentum, dampening, weight_decay;
  bool nesterov, maximize;
};

// PyTorch's SGD update, one element at a time, in float32: the scalars are rounded to
// float as PyTorch does (1 - dampening is computed in double first, as in Python).
void reference_sgd_step(std::vector<float>& p, const std::vector<float>& g, std::vector<float>& buf, bool first,
                        const SgdSettings& s) {
  const float lr = static_cast<float>(s.lr), momentum = static_cast<float>(s.momentum),
              weight_decay = static_cast<float>(s.weight_decay), one_minus_dampening = static_cast<float>(1 - s.dampening);
  for (std::size_t i = 0; i < p.size(); ++i) {
    float d = s.maximize ? -g[i] : g[i];
    if (s.weight_decay != 0) d = d + weight_decay * p[i];
    if (s.momentum != 0) {
      buf[i] = first ? d : momentum * buf[i] + one_minus_dampening * d;
      d = s.nesterov ? d + momentum * buf[i] : buf[i];
    }
    p[i] = p[i] - lr * d;
  }
}

// A parameter above the 65,536-element threshold of SGD's multi-threaded path.
constexpr std::size_t kSgdElements = 100'000;

// Three SGD steps on a random parameter with random gradients, all drawn from `seed`: the first
// step fills the momentum buffer, later ones update it. Keeps every value along the way.
struct Trajectory {
  std::vector<float> initial;
  std::vector<std::vector<float>> grads, params, buffers;  // per step
};
Trajectory sgd_trajectory(const SgdSettings& s, std::uint64_t seed) {
  tg::manual_seed(seed);
  const auto n = static_cast<std::int64_t>(kSgdElements);
  Trajectory t;
  t.initial = random_values(kSgdElements);
  tg::Tensor p = tg::from_vector(t.initial, {n}).requires_grad_();
  tg::optim::SGD sgd({p}, tg::optim::SGDOptions(s.lr)
                              .momentum(s.momentum)
                              .dampening(s.dampening)
                              .weight_decay(s.weight_decay)
                              .nesterov(s.nesterov)
                              .maximize(s.maximize));
  for (int step = 0; step < 3; ++step) {
    t.grads.push_back(random_values(kSgdElements));
    p.set_grad(tg::from_vector(t.grads.back(), {n}));
    sgd.step();
    t.params.push_back(tg::to_vector<float>(p));
    t.buffers.push_back(tg::to_vector<float>(sgd.momentum_buffer(0)));
  }
  return t;
}

// Elements of `got` that differ in any bit from `want` (reported, not just counted).
std::size_t count_mismatches(const std::vector<float>& got, const std::vector<float>& want) {
  REQUIRE(got.size() == want.size());
  std::size_t bad = 0;
  for (std::size_t i = 0; i < got.size(); ++i)
    if (got[i] != want[i] && bad++ < 3) UNSCOPED_INFO("element " << i << ": " << got[i] << " != " << want[i]);
  return bad;
}

}  // namespace

TEST_CASE("SGD's multi-threaded update equals a serial loop bit for bit", "[integration][perf-paths]") {
  const NumThreads two_threads(2);  // a team of two even where the default is one thread
  // Powers of two: every product is exact, so only the additions round and the result does not
  // depend on whether the compiler fuses a multiply and an add (GCC does with -march=native, in the
  // kernel and in this file alike, but not necessarily in the same places).
  const SgdSettings cases[] = {{0.0625, 0.5, 0.5, 0.015625, false, false}, {0.0625, 0.5, 0.0, 0.015625, true, true}};
  for (std::size_t c = 0; c < 2; ++c) {
    const SgdSettings& s = cases[c];
    INFO("case " << c << (s.nesterov ? " (nesterov, maximize)" : " (dampening)"));
    const Trajectory got = sgd_trajectory(s, 100 + c);
    std::vector<float> expected = got.initial, buf(kSgdElements);
    for (std::size_t step = 0; step < got.grads.size(); ++step) {
      reference_sgd_step(expected, got.grads[step], buf, step == 0, s);
      INFO("step " << step);
      CHECK(count_mismatches(got.params[step], expected) == 0);
      CHECK(count_mismatches(got.buffers[step], buf) == 0);
    }
  }
}

TEST_CASE("SGD's update with any scalars is the same on one thread and on two", "[integration][perf-paths]") {
  const SgdSettings s{0.01, 0.9, 0.1, 1e-4, false, false};
  Trajectory one, two;
  {
    const NumThreads threads(1);
    one = sgd_trajectory(s, 7);
  }
  {
    const NumThreads threads(2);
    two = sgd_trajectory(s, 7);
  }
  REQUIRE(one.initial == two.initial);
  for (std::size_t step = 0; step < one.params.size(); ++step) {
    INFO("step " << step);
    CHECK(count_mismatches(two.params[step], one.params[step]) == 0);
    CHECK(count_mismatches(two.buffers[step], one.buffers[step]) == 0);
  }
}

TEST_CASE("linear() above the parallel GEMM threshold matches a float64 reference, forward and backward",
          "[integration][perf-paths]") {
  const NumThreads two_threads(2);
  // 97 x 333 x 201 = 6.5M multiply-adds for each of y, dX and dW: all three GEMMs (N·T, N·N, T·N)
  // take the multi-threaded path. Odd sizes, so every kernel's edge handling runs too.
  constexpr std::int64_t batch = 97, in = 333, out = 201;
  tg::manual_seed(5);
  const std::vector<float> xs = random_values(batch * in), ws = random_values(out * in), bs = random_values(out),
                           gs = random_values(batch * out);
  tg::Tensor x = tg::from_vector(xs, {batch, in}).requires_grad_();
  tg::Tensor w = tg::from_vector(ws, {out, in}).requires_grad_();
  tg::Tensor b = tg::from_vector(bs, {out}).requires_grad_();
  const tg::Tensor y = tg::linear(x, w, b);
  (y * tg::from_vector(gs, {batch, out})).sum().backward();  // upstream gradient G = gs exactly

  // Any float32 summation of k products, in any order, is within γ_k·Σ|aᵢbᵢ| of the exact sum,
  // γ_k = k·u/(1 - k·u), u = 2^-24 (Higham, Accuracy and Stability of Numerical Algorithms, 3.1).
  // γ_(k+1) leaves room for one more rounding: a bias added or a gradient accumulated after the GEMM.
  const auto check = [](const char* what, const std::vector<float>& got, std::int64_t rows, std::int64_t cols,
                        std::int64_t k, const auto& term) {
    const double u = std::ldexp(1.0, -24), gamma = static_cast<double>(k + 1) * u / (1 - static_cast<double>(k + 1) * u);
    REQUIRE(got.size() == static_cast<std::size_t>(rows * cols));
    std::size_t bad = 0;
    for (std::int64_t r = 0; r < rows; ++r)
      for (std::int64_t c = 0; c < cols; ++c) {
        double exact = 0, magnitude = 0;
        for (std::int64_t i = 0; i < k; ++i) {
          const double t = term(r, c, i);
          exact += t;
          magnitude += std::fabs(t);
        }
        const double value = got[static_cast<std::size_t>(r * cols + c)];
        if (!(std::fabs(value - exact) <= gamma * magnitude) && bad++ < 3)
          UNSCOPED_INFO(what << "[" << r << ", " << c << "] = " << value << ", float64 reference " << exact);
      }
    CHECK(bad == 0);
  };
  const auto at = [](const std::vector<float>& v, std::int64_t cols, std::int64_t r, std::int64_t c) {
    return static_cast<double>(v[static_cast<std::size_t>(r * cols + c)]);
  };
  // y[n, o] = Σ_i x[n, i] w[o, i] + b[o]   (the bias as a (k+1)-th term)
  check("y", tg::to_vector<float>(y), batch, out, in + 1, [&](std::int64_t n, std::int64_t o, std::int64_t i) {
    return i == in ? static_cast<double>(bs[static_cast<std::size_t>(o)]) : at(xs, in, n, i) * at(ws, in, o, i);
  });
  // dX[n, i] = Σ_o G[n, o] w[o, i]
  check("dX", tg::to_vector<float>(x.grad()), batch, in, out,
        [&](std::int64_t n, std::int64_t i, std::int64_t o) { return at(gs, out, n, o) * at(ws, in, o, i); });
  // dW[o, i] = Σ_n G[n, o] x[n, i]
  check("dW", tg::to_vector<float>(w.grad()), out, in, batch,
        [&](std::int64_t o, std::int64_t i, std::int64_t n) { return at(gs, out, n, o) * at(xs, in, n, i); });
  // db[o] = Σ_n G[n, o]
  check("db", tg::to_vector<float>(b.grad()), 1, out, batch,
        [&](std::int64_t, std::int64_t o, std::int64_t n) { return at(gs, out, n, o); });
}

TEST_CASE("a GEMM leaves the caller's thread count as it was, above and below the threshold", "[integration][perf-paths]") {
  const auto product = [](std::int64_t m, std::int64_t k, std::int64_t n) {
    return tg::to_vector<float>(tg::matmul(tg::ones({m, k}), tg::ones({k, n})));
  };
  for (const int threads : {2, 1, 3}) {
    const NumThreads setting(threads);
    INFO(threads << " threads set");
    const auto big = product(128, 128, 128);  // 2.1M multiply-adds: all threads
    CHECK(tg::get_num_threads() == threads);
    CHECK(big == std::vector<float>(128 * 128, 128.0f));
    const auto small = product(16, 16, 16);  // 4K multiply-adds: runs on one thread, then restores
    CHECK(tg::get_num_threads() == threads);
    CHECK(small == std::vector<float>(16 * 16, 16.0f));
  }
}

TEST_CASE("large buffers freed and reallocated never alias a live tensor", "[integration][perf-paths]") {
  constexpr std::int64_t n = 64 * 1024;  // 256 KiB of float32: cached when freed
  const auto all_equal = [](const tg::Tensor& t, float v) {
    const auto values = tg::to_vector<float>(t);
    return std::all_of(values.begin(), values.end(), [v](float x) { return x == v; });
  };
  tg::Tensor a = tg::empty({n}), b = tg::empty({n});
  REQUIRE(a.data<float>() != b.data<float>());
  a.fill_(1.0);
  b.fill_(2.0);
  a = tg::Tensor();  // its buffer goes back to the cache (when the cache is compiled in)
  tg::Tensor c = tg::empty({n});
  CHECK(c.data<float>() != b.data<float>());
  c.fill_(3.0);
  tg::Tensor d = tg::empty({n});  // the cache holds nothing more of this size: must be a new buffer
  CHECK(d.data<float>() != c.data<float>());
  CHECK(d.data<float>() != b.data<float>());
  d.fill_(4.0);
  CHECK(all_equal(b, 2.0f));
  CHECK(all_equal(c, 3.0f));
  CHECK(all_equal(d, 4.0f));

  // A reused buffer still holding old values: zeros() and ones() must still write every element.
  c.fill_(7.0);
  c = tg::Tensor();
  CHECK(all_equal(tg::zeros({n}), 0.0f));
  d.fill_(7.0);
  d = tg::Tensor();
  CHECK(all_equal(tg::ones({n}), 1.0f));

  // A tensor made on another thread outlives that thread (and its cache) and stays intact; the
  // other thread freed buffers of the same size into its own cache before exiting.
  tg::Tensor from_thread;
  std::thread worker([&] {
    from_thread = tg::full({n}, 5.0);
    tg::Tensor scratch = tg::full({n}, 6.0);
  });
  worker.join();
  tg::Tensor e = tg::full({n}, 8.0);
  CHECK(all_equal(from_thread, 5.0f));
  CHECK(all_equal(e, 8.0f));
  CHECK(all_equal(b, 2.0f));
}
