// The xsimd softmax-family kernels of every instruction set this CPU and build run (and the scalar
// table, through the same dispatch tables) against their scalar twins, on row lengths around each
// set's batch width, misaligned rows and the edge values PyTorch defines (±1000 logits, -inf entries,
// all -inf rows, NaN and +inf entries); plus the vector exp against std::exp in ulps.
#include <algorithm>
#include <bit>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <tapegrad/core/cpu.hpp>
#include <tapegrad/core/kernels/softmax.hpp>

namespace k = tapegrad::kernels;

namespace {

using tapegrad::Isa;

// The sets under test: every one this CPU and build run, scalar first (TAPEGRAD_ISA does not matter).
const std::vector<Isa>& kernel_isas() { return tapegrad::cpu_capabilities().available; }

// The batch width of a set's kernels for T (1 for the scalar twins).
template <class T> std::int64_t width(Isa isa) {
  switch (isa) {
    case Isa::sse2: return 16 / sizeof(T);
    case Isa::avx2: return 32 / sizeof(T);
    case Isa::avx512: return 64 / sizeof(T);
    default: return 1;
  }
}
template <class T> constexpr T kRtol = std::is_same_v<T, float> ? T(1e-6) : T(1e-12);
template <class T> constexpr T kInf = std::numeric_limits<T>::infinity();
template <class T> constexpr T kNan = std::numeric_limits<T>::quiet_NaN();

template <class T> std::vector<std::int64_t> row_lengths(Isa isa) {
  const std::int64_t w = width<T>(isa);
  return {1, std::max<std::int64_t>(w - 1, 1), w, w + 1, 2 * w + 1, 1000};
}

// What a test row holds; one row of each kind per batch of rows.
enum class RowKind { kNormal, kNearPlus1000, kPlusMinus1000, kSomeNegInf, kAllNegInf, kNan, kPlusInf };
constexpr int kRowKinds = 7;

// Values stored one element past the start of a vector, so rows start off any batch boundary.
template <class T> struct Buffer {
  std::vector<T> storage;
  explicit Buffer(std::int64_t n, T fill = 0) : storage(static_cast<std::size_t>(n) + 1, fill) {}
  T* data() { return storage.data() + 1; }
  T& operator[](std::int64_t i) { return data()[i]; }
};

// Writes a line of n logits of the given kind at x[0], x[stride], ...
template <class T> void fill_line(T* x, std::int64_t n, std::int64_t stride, RowKind kind, std::mt19937& rng) {
  std::normal_distribution<T> normal(0, 3);
  std::uniform_real_distribution<T> jitter(-3, 3);
  for (std::int64_t j = 0; j < n; ++j) {
    T& v = x[j * stride];
    switch (kind) {
      case RowKind::kNearPlus1000: v = 1000 + jitter(rng); break;
      case RowKind::kPlusMinus1000: v = (j % 2 ? -1000 : 1000) + jitter(rng); break;
      case RowKind::kSomeNegInf: v = j % 3 == 1 ? -kInf<T> : normal(rng); break;
      case RowKind::kAllNegInf: v = -kInf<T>; break;
      default: v = normal(rng);
    }
  }
  if (kind == RowKind::kNan) x[n / 2 * stride] = kNan<T>;
  if (kind == RowKind::kPlusInf) x[n / 2 * stride] = kInf<T>;
}

// kRowKinds rows of `cols` logits, row r of kind r.
template <class T> Buffer<T> make_logits(std::int64_t cols, std::mt19937& rng) {
  Buffer<T> x(kRowKinds * cols);
  for (int r = 0; r < kRowKinds; ++r) fill_line(x.data() + r * cols, cols, 1, static_cast<RowKind>(r), rng);
  return x;
}

// An (outer, len, inner) array whose lines along len cycle through the kinds.
template <class T> Buffer<T> make_strided_logits(std::int64_t outer, std::int64_t len, std::int64_t inner, std::mt19937& rng) {
  Buffer<T> x(outer * len * inner);
  for (std::int64_t o = 0; o < outer; ++o)
    for (std::int64_t i = 0; i < inner; ++i)
      fill_line(x.data() + o * len * inner + i, len, inner, static_cast<RowKind>((o * inner + i) % kRowKinds), rng);
  return x;
}

template <class T> Buffer<T> make_normal(std::int64_t n, std::mt19937& rng, T lo = -2, T hi = 2) {
  Buffer<T> v(n);
  std::uniform_real_distribution<T> u(lo, hi);
  for (std::int64_t i = 0; i < n; ++i) v[i] = u(rng);
  return v;
}

// Same kind and close: both NaN, or the same infinity, or |got - want| <= rtol·(|want| + scale) plus
// the smallest normal number (the vector exp flushes denormal results to 0). `scale` is the size of
// the terms the value was formed from, where cancellation makes a purely relative test meaningless
// (log-domain values, backward differences).
template <class T> bool close(T got, T want, T scale) {
  if (std::isnan(got) || std::isnan(want)) return std::isnan(got) && std::isnan(want);
  if (std::isinf(got) || std::isinf(want)) return got == want;
  return std::abs(got - want) <= kRtol<T> * (std::abs(want) + scale) + std::numeric_limits<T>::min();
}

// Compares n values, reporting the first mismatch with its row and column.
template <class T, class Scale>
void require_close(const T* got, const T* want, std::int64_t n, std::int64_t cols, Scale scale, const std::string& what) {
  for (std::int64_t i = 0; i < n; ++i) {
    if (close(got[i], want[i], scale(i))) continue;
    std::ostringstream msg;
    msg.precision(std::numeric_limits<T>::max_digits10);
    msg << what << ": row " << i / cols << " col " << i % cols << " (cols " << cols << "): kernel " << got[i]
        << " vs scalar " << want[i];
    FAIL(msg.str());
  }
  SUCCEED(what);
}

template <class T> auto relative() { return [](std::int64_t) { return T(0); }; }
template <class T> auto unit_scale() { return [](std::int64_t) { return T(1); }; }

// The scalar twin's softmax, for the backward kernels' inputs.
template <class T> Buffer<T> scalar_softmax(Buffer<T>& x, std::int64_t cols, bool log) {
  Buffer<T> y(kRowKinds * cols);
  if (log) k::scalar::log_softmax_rows(x.data(), y.data(), kRowKinds, cols);
  else k::scalar::softmax_rows(x.data(), y.data(), kRowKinds, cols);
  return y;
}

}  // namespace

TEMPLATE_TEST_CASE("simd softmax forward kernels match the scalar twins", "[core][kernels]", float, double) {
  using T = TestType;
  for (Isa isa : kernel_isas()) {
    INFO("instruction set: " << tapegrad::isa_name(isa));
    const k::SoftmaxKernels<T>& kern = k::softmax_kernels<T>(isa);
    std::mt19937 rng(1);
    for (std::int64_t cols : row_lengths<T>(isa)) {
      const std::int64_t n = kRowKinds * cols;
      Buffer<T> x = make_logits<T>(cols, rng);
      Buffer<T> got(n), want(n);
      const std::string len = " cols=" + std::to_string(cols);

      kern.softmax_rows(x.data(), got.data(), kRowKinds, cols);
      k::scalar::softmax_rows(x.data(), want.data(), kRowKinds, cols);
      require_close(got.data(), want.data(), n, cols, relative<T>(), "softmax" + len);

      kern.log_softmax_rows(x.data(), got.data(), kRowKinds, cols);
      k::scalar::log_softmax_rows(x.data(), want.data(), kRowKinds, cols);
      require_close(got.data(), want.data(), n, cols, unit_scale<T>(), "log_softmax" + len);

      kern.logsumexp_rows(x.data(), got.data(), kRowKinds, cols);
      k::scalar::logsumexp_rows(x.data(), want.data(), kRowKinds, cols);
      require_close(got.data(), want.data(), kRowKinds, 1, unit_scale<T>(), "logsumexp" + len);
    }
  }
}

TEMPLATE_TEST_CASE("simd softmax backward kernels match the scalar twins", "[core][kernels]", float, double) {
  using T = TestType;
  for (Isa isa : kernel_isas()) {
    INFO("instruction set: " << tapegrad::isa_name(isa));
    const k::SoftmaxKernels<T>& kern = k::softmax_kernels<T>(isa);
    std::mt19937 rng(2);
    for (std::int64_t cols : row_lengths<T>(isa)) {
      const std::int64_t n = kRowKinds * cols;
      Buffer<T> x = make_logits<T>(cols, rng);
      Buffer<T> g = make_normal<T>(n, rng);
      Buffer<T> got(n), want(n);
      const std::string len = " cols=" + std::to_string(cols);

      // dx = y·(g - Σ g·y): the error of the row sum reaches every element scaled by y.
      Buffer<T> p = scalar_softmax(x, cols, false);
      kern.softmax_backward_rows(p.data(), g.data(), got.data(), kRowKinds, cols);
      k::scalar::softmax_backward_rows(p.data(), g.data(), want.data(), kRowKinds, cols);
      require_close(got.data(), want.data(), n, cols, [&](std::int64_t i) { return std::abs(p[i]) * 2; },
                    "softmax_backward" + len);

      // dx = g - exp(y)·Σ g: the row sum has terms up to 2 each.
      Buffer<T> logp = scalar_softmax(x, cols, true);
      kern.log_softmax_backward_rows(logp.data(), g.data(), got.data(), kRowKinds, cols);
      k::scalar::log_softmax_backward_rows(logp.data(), g.data(), want.data(), kRowKinds, cols);
      require_close(got.data(), want.data(), n, cols,
                    [&](std::int64_t i) { return std::abs(g[i]) + std::exp(logp[i]) * 2 * T(cols); },
                    "log_softmax_backward" + len);
    }
  }
}

TEMPLATE_TEST_CASE("simd fused cross-entropy matches the scalar twin", "[core][kernels]", float, double) {
  using T = TestType;
  for (Isa isa : kernel_isas()) {
    INFO("instruction set: " << tapegrad::isa_name(isa));
    const k::SoftmaxKernels<T>& kern = k::softmax_kernels<T>(isa);
    std::mt19937 rng(3);
    for (std::int64_t cols : row_lengths<T>(isa)) {
      const std::int64_t n = kRowKinds * cols;
      Buffer<T> x = make_logits<T>(cols, rng);
      Buffer<T> weight = make_normal<T>(cols, rng, T(0.5), T(2));
      Buffer<T> grad = make_normal<T>(kRowKinds, rng);
      std::vector<std::int64_t> target(kRowKinds);
      for (int r = 0; r < kRowKinds; ++r) target[r] = (r * 7) % cols;
      target[3] = -100;  // one ignored row

      for (bool weighted : {false, true}) {
        for (double smoothing : {0.0, 0.1}) {
          k::RowTargets<T> args;
          args.index = target.data();
          args.class_weight = weighted ? weight.data() : nullptr;
          args.smoothing = smoothing;
          args.skip_index = -100;
          const std::string what = " cols=" + std::to_string(cols) + " weighted=" + std::to_string(weighted) +
                                   " smoothing=" + std::to_string(smoothing);

          Buffer<T> loss(kRowKinds), lse(kRowKinds), want_loss(kRowKinds), want_lse(kRowKinds);
          kern.cross_entropy_forward_rows(x.data(), loss.data(), lse.data(), kRowKinds, cols, args);
          k::scalar::cross_entropy_forward_rows(x.data(), want_loss.data(), want_lse.data(), kRowKinds, cols, args);
          require_close(lse.data(), want_lse.data(), kRowKinds, 1, unit_scale<T>(), "ce lse" + what);
          // The loss sums up to cols terms of size w·(lse - x_c) ~ 2·(6 + log cols).
          require_close(loss.data(), want_loss.data(), kRowKinds, 1, [&](std::int64_t) { return T(20); },
                        "ce loss" + what);

          // Both backward twins get the same saved lse, so p = exp(x - lse) agrees to exp's accuracy.
          Buffer<T> dx(n), want_dx(n);
          kern.cross_entropy_backward_rows(x.data(), want_lse.data(), grad.data(), dx.data(), kRowKinds, cols, args);
          k::scalar::cross_entropy_backward_rows(x.data(), want_lse.data(), grad.data(), want_dx.data(), kRowKinds,
                                                 cols, args);
          require_close(dx.data(), want_dx.data(), n, cols, [&](std::int64_t i) { return std::abs(grad[i / cols]) * 4; },
                        "ce backward" + what);
        }
      }
    }
  }
}

TEMPLATE_TEST_CASE("simd strided softmax kernels (a dim that is not the last) match the scalar twins", "[core][kernels]",
                   float, double) {
  using T = TestType;
  for (Isa isa : kernel_isas()) {
    INFO("instruction set: " << tapegrad::isa_name(isa));
    const k::SoftmaxKernels<T>& kern = k::softmax_kernels<T>(isa);
    std::mt19937 rng(4);
    const std::int64_t outer = 2;
    for (std::int64_t len : {std::int64_t{1}, std::int64_t{5}, std::int64_t{40}}) {
      for (std::int64_t inner : row_lengths<T>(isa)) {
        const std::int64_t n = outer * len * inner;
        Buffer<T> x = make_strided_logits<T>(outer, len, inner, rng);
        Buffer<T> g = make_normal<T>(n, rng);
        Buffer<T> got(n), want(n), p(n), logp(n);
        const std::string what = " len=" + std::to_string(len) + " inner=" + std::to_string(inner);
        // Lines are not rows here: report positions as (outer·len, inner).
        kern.softmax_strided(x.data(), got.data(), outer, len, inner);
        k::scalar::softmax_strided(x.data(), p.data(), outer, len, inner);
        require_close(got.data(), p.data(), n, inner, relative<T>(), "softmax_strided" + what);

        kern.log_softmax_strided(x.data(), got.data(), outer, len, inner);
        k::scalar::log_softmax_strided(x.data(), logp.data(), outer, len, inner);
        require_close(got.data(), logp.data(), n, inner, unit_scale<T>(), "log_softmax_strided" + what);

        kern.logsumexp_strided(x.data(), got.data(), outer, len, inner);
        k::scalar::logsumexp_strided(x.data(), want.data(), outer, len, inner);
        require_close(got.data(), want.data(), outer * inner, inner, unit_scale<T>(), "logsumexp_strided" + what);

        kern.softmax_backward_strided(p.data(), g.data(), got.data(), outer, len, inner);
        k::scalar::softmax_backward_strided(p.data(), g.data(), want.data(), outer, len, inner);
        require_close(got.data(), want.data(), n, inner, [&](std::int64_t i) { return std::abs(p[i]) * 2; },
                      "softmax_backward_strided" + what);

        kern.log_softmax_backward_strided(logp.data(), g.data(), got.data(), outer, len, inner);
        k::scalar::log_softmax_backward_strided(logp.data(), g.data(), want.data(), outer, len, inner);
        require_close(got.data(), want.data(), n, inner,
                      [&](std::int64_t i) { return std::abs(g[i]) + std::exp(logp[i]) * 2 * T(len); },
                      "log_softmax_backward_strided" + what);
      }
    }
  }
}

TEMPLATE_TEST_CASE("simd softmax kernels keep PyTorch's edge semantics", "[core][kernels]", float, double) {
  using T = TestType;
  const Isa isa = GENERATE(from_range(kernel_isas()));  // each set runs every section
  INFO("instruction set: " << tapegrad::isa_name(isa));
  const k::SoftmaxKernels<T>& kern = k::softmax_kernels<T>(isa);
  SECTION("large logits stay finite (as softmax of [0, 1, 2])") {
    const T x[] = {1000, 1001, 1002};
    T y[3], lse[1];
    kern.softmax_rows(x, y, 1, 3);
    CHECK(y[0] == Approx(0.0900305732).epsilon(1e-6));
    CHECK(y[1] == Approx(0.244728471).epsilon(1e-6));
    CHECK(y[2] == Approx(0.665240956).epsilon(1e-6));
    kern.log_softmax_rows(x, y, 1, 3);
    CHECK(y[0] == Approx(-2.40760596).epsilon(1e-6));
    CHECK(y[2] == Approx(-0.407605964).epsilon(1e-6));
    kern.logsumexp_rows(x, lse, 1, 3);
    CHECK(lse[0] == Approx(1002.40760596).epsilon(1e-7));
  }
  SECTION("-inf entries get probability 0, log-probability -inf") {
    const T x[] = {-kInf<T>, 0, 0, -kInf<T>};
    T y[4];
    kern.softmax_rows(x, y, 1, 4);
    CHECK(y[0] == 0);
    CHECK(y[1] == Approx(0.5));
    CHECK(y[3] == 0);
    kern.log_softmax_rows(x, y, 1, 4);
    CHECK(y[0] == -kInf<T>);
    CHECK(y[2] == Approx(-std::log(2.0)));
  }
  SECTION("an all -inf row, a NaN or a +inf entry make the whole row NaN") {
    const std::int64_t cols = 2 * width<T>(isa) + 1;
    std::vector<T> x(3 * cols, T(0.5)), y(3 * cols), lse(3);
    std::fill(x.begin(), x.begin() + cols, -kInf<T>);
    x[cols + cols - 1] = kNan<T>;      // in the tail
    x[2 * cols + 1] = kInf<T>;         // in the first batch
    kern.softmax_rows(x.data(), y.data(), 3, cols);
    for (T v : y) CHECK(std::isnan(v));
    kern.log_softmax_rows(x.data(), y.data(), 3, cols);
    for (T v : y) CHECK(std::isnan(v));
    kern.logsumexp_rows(x.data(), lse.data(), 3, cols);
    for (T v : lse) CHECK(std::isnan(v));
  }
}

namespace {

// Distance in units in the last place between two non-negative values of the same type.
template <class T> std::int64_t ulp_distance(T a, T b) {
  using I = std::conditional_t<std::is_same_v<T, float>, std::int32_t, std::int64_t>;
  return std::abs(static_cast<std::int64_t>(std::bit_cast<I>(a)) - static_cast<std::int64_t>(std::bit_cast<I>(b)));
}

}  // namespace

TEMPLATE_TEST_CASE("every vector exp is within 2 ulp of std::exp and handles the edges", "[core][kernels]", float, double) {
  using T = TestType;
  // The SIMD sets only: the scalar twin is std::exp itself, denormal results included.
  for (Isa isa : kernel_isas()) {
    if (isa == Isa::scalar) continue;
    INFO("instruction set: " << tapegrad::isa_name(isa));
    const k::SoftmaxKernels<T>& kern = k::softmax_kernels<T>(isa);
    // The range of normal results: [log(smallest normal), log(max)].
    const T lo = std::is_same_v<T, float> ? T(-87.33) : T(-708.39);
    const T hi = std::is_same_v<T, float> ? T(88.7) : T(709.7);
    const std::int64_t n = 200001;
    std::vector<T> x(n + 1), y(n + 1);
    for (std::int64_t i = 0; i < n; ++i) x[i + 1] = lo + (hi - lo) * T(i) / T(n - 1);
    kern.exp_values(x.data() + 1, y.data() + 1, n);
    std::int64_t worst = 0;
    T worst_x = 0;
    for (std::int64_t i = 1; i <= n; ++i) {
      const std::int64_t d = ulp_distance(y[i], std::exp(x[i]));
      if (d > worst) { worst = d; worst_x = x[i]; }
    }
    INFO("worst at x = " << worst_x);
    CHECK(worst <= 2);

    // Below the normal range results flush to 0 (-100 in float; -720 in double).
    const T below_normal = std::is_same_v<T, float> ? T(-100) : T(-720);
    const T edges[] = {-kInf<T>, -1000, below_normal, 0, 1000, kInf<T>, kNan<T>, T(1) / 1024};
    T out[8];
    kern.exp_values(edges, out, 8);
    CHECK(out[0] == 0);
    CHECK(out[1] == 0);
    CHECK(out[2] == 0);
    CHECK(out[3] == 1);
    CHECK(out[4] == kInf<T>);
    CHECK(out[5] == kInf<T>);
    CHECK(std::isnan(out[6]));
    CHECK(ulp_distance(out[7], std::exp(T(1) / 1024)) <= 1);
  }
}

TEST_CASE("the dispatched kernels are the active instruction set's", "[core][kernels]") {
  const tapegrad::CpuCapabilities& caps = tapegrad::cpu_capabilities();
  INFO(caps.to_string());
  REQUIRE(!caps.available.empty());
  CHECK(caps.available.front() == Isa::scalar);
  CHECK(caps.best == caps.available.back());
  if (!caps.forced) CHECK(caps.active == caps.best);
  if (const char* forced = std::getenv("TAPEGRAD_ISA"); forced && *forced)
    CHECK(std::string(tapegrad::isa_name(caps.active)) == forced);  // the ctest runs that force a set
  CHECK(caps.to_string().find(std::string("kernels: ") + tapegrad::isa_name(caps.active)) != std::string::npos);
  // Bit for bit the active table's results, on rows with every edge kind.
  std::mt19937 rng(5);
  const std::int64_t cols = 37;
  Buffer<float> x = make_logits<float>(cols, rng);
  std::vector<float> dispatched(kRowKinds * cols), direct(kRowKinds * cols);
  k::log_softmax_rows(x.data(), dispatched.data(), kRowKinds, cols);
  k::softmax_kernels<float>(caps.active).log_softmax_rows(x.data(), direct.data(), kRowKinds, cols);
  CHECK(std::memcmp(dispatched.data(), direct.data(), direct.size() * sizeof(float)) == 0);
}

TEST_CASE("TAPEGRAD_ISA picks an available set; another is an error", "[core][kernels]") {
  using tapegrad::detail::choose_isa;
  const std::vector<Isa> some{Isa::scalar, Isa::sse2, Isa::avx2};
  CHECK(choose_isa(nullptr, some) == Isa::avx2);
  CHECK(choose_isa("", some) == Isa::avx2);
  CHECK(choose_isa("sse2", some) == Isa::sse2);
  CHECK(choose_isa("scalar", some) == Isa::scalar);
  CHECK_THROWS_MATCHES(choose_isa("avx512", some), std::runtime_error,
                       Catch::Matchers::Message("TAPEGRAD_ISA=avx512: this CPU or build does not run avx512 kernels "
                                                "(available: scalar sse2 avx2)"));
  CHECK_THROWS_MATCHES(choose_isa("AVX2", some), std::runtime_error,
                       Catch::Matchers::Message("TAPEGRAD_ISA=AVX2: unknown instruction set (expected one of: scalar "
                                                "sse2 avx2 avx512)"));
  for (Isa isa : {Isa::scalar, Isa::sse2, Isa::avx2, Isa::avx512}) {
    const auto& available = tapegrad::cpu_capabilities().available;
    if (std::find(available.begin(), available.end(), isa) == available.end())
      CHECK_THROWS_AS(k::softmax_kernels<float>(isa), std::invalid_argument);
  }
}
