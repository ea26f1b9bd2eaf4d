// xsimd kernels of the softmax family: the same formulas as the scalar twins (softmax_scalar.cpp),
// kept in one file (a little over 400 lines) because they share the row helpers and are compiled once
// per instruction set as a unit (cmake/TapegradIsa.cmake);
// one batch of W = xsimd::batch<T, Arch>::size values at a time. Rows start anywhere (unaligned loads);
// a row's last partial batch goes through a small padded buffer, so short rows are vectorised too.
// Compiled once per instruction set (TAPEGRAD_ISA_NS: sse2, avx2, avx512; see isa_arch.hpp); the
// dispatched kernels::* functions (softmax_dispatch.cpp) call the active set's table.
#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <type_traits>
#include <utility>

#include "isa_arch.hpp"
#include "softmax.hpp"

namespace tapegrad::kernels::TAPEGRAD_ISA_NS {

namespace {

template <class T> using Batch = xsimd::batch<T, isa::Arch>;
template <class T> constexpr std::int64_t W = Batch<T>::size;
template <class T> constexpr T kInf = std::numeric_limits<T>::infinity();
// Whether a batch is one AVX-512 register, where masked loads/stores and vscalef are available.
template <class T> constexpr bool kZmm = W<T> * sizeof(T) == 64;

// ---- partial loads and stores ----

// x[0..count) as a batch (count <= W); lanes past count hold `fill`, chosen by the caller so they
// do not change its reduction (-inf for a max or an exp-sum, 0 for a plain sum).
template <class T> Batch<T> load(const T* x, std::int64_t count, T fill) {
  if (count == W<T>) return Batch<T>::load_unaligned(x);
#if defined(__AVX512F__)
  if constexpr (kZmm<T>) {  // masked load: lanes past count never touch memory
    if constexpr (std::is_same_v<T, float>)
      return _mm512_mask_loadu_ps(_mm512_set1_ps(fill), static_cast<__mmask16>((1u << count) - 1), x);
    else
      return _mm512_mask_loadu_pd(_mm512_set1_pd(fill), static_cast<__mmask8>((1u << count) - 1), x);
  }
#endif
  alignas(64) T lanes[W<T>];
  for (std::int64_t i = 0; i < W<T>; ++i) lanes[i] = i < count ? x[i] : fill;
  return Batch<T>::load_aligned(lanes);
}

template <class T> void store(T* y, const Batch<T>& v, std::int64_t count) {
  if (count == W<T>) return v.store_unaligned(y);
#if defined(__AVX512F__)
  if constexpr (kZmm<T>) {
    if constexpr (std::is_same_v<T, float>)
      return _mm512_mask_storeu_ps(y, static_cast<__mmask16>((1u << count) - 1), v);
    else
      return _mm512_mask_storeu_pd(y, static_cast<__mmask8>((1u << count) - 1), v);
  }
#endif
  alignas(64) T lanes[W<T>];
  v.store_aligned(lanes);
  std::copy_n(lanes, count, y);
}

// Largest lane (xsimd 8.1 has hadd but no horizontal max). A NaN lane may or may not win, as with
// the max instructions themselves: the exp-sum pass that always follows turns any NaN into a NaN sum.
template <class T> T horizontal_max(const Batch<T>& v) {
#if defined(__AVX512F__)
  if constexpr (kZmm<T>) {
    if constexpr (std::is_same_v<T, float>) return _mm512_reduce_max_ps(v);
    else return _mm512_reduce_max_pd(v);
  }
#endif
  alignas(64) T lanes[W<T>];
  v.store_aligned(lanes);
  T m = lanes[0];
  for (std::int64_t i = 1; i < W<T>; ++i) m = (lanes[i] > m || std::isnan(lanes[i])) ? lanes[i] : m;
  return m;
}

// ---- vector exp ----
// exp(x) = 2^n · exp(r), n = round(x / ln2), r = x - n·ln2 in [-ln2/2, ln2/2] (Cody-Waite: ln2 split
// in a short high part, so n·ln2_hi is exact, and a low correction). exp(r) is its Taylor polynomial,
// whose truncation error at |r| = ln2/2 is below 0.1 ulp (degree 7 for float, 13 for double).
// 2^n is applied with one rounding (times_pow2), so overflow to inf comes out of ordinary rounding.
// Results below the smallest normal number are flushed to 0 instead: computing denormals (or
// underflowing into them) costs a ~100-cycle microcode assist per instruction on x86, and every
// -inf logit, padding lane and far-below-max logit would take it. The error is below FLT_MIN/DBL_MIN.
template <class T> struct ExpConstants;
template <> struct ExpConstants<float> {
  static constexpr float ln2_hi = 0.693359375f, ln2_lo = -2.12194440e-4f;
  static constexpr float lowest = -87.33f;  // just above log(FLT_MIN): below it results flush to 0
  static constexpr float highest = 89.0f;   // exp(89) > FLT_MAX: overflows to inf
  static constexpr int degree = 7, exponent_bias = 127, mantissa_bits = 23;
};
template <> struct ExpConstants<double> {
  static constexpr double ln2_hi = 6.93147180369123816490e-01, ln2_lo = 1.90821492927058770002e-10;
  static constexpr double lowest = -708.39;  // just above log(DBL_MIN): below it results flush to 0
  static constexpr double highest = 710.0;   // exp(710) > DBL_MAX: overflows to inf
  static constexpr int degree = 13, exponent_bias = 1023, mantissa_bits = 52;
};

template <class T, int Degree> constexpr std::array<T, Degree + 1> inverse_factorials() {
  std::array<T, Degree + 1> c{};
  long double f = 1;
  for (int k = 0; k <= Degree; ++k) {
    f /= (k == 0 ? 1 : k);
    c[k] = static_cast<T>(f);
  }
  return c;
}

// 2^i for integer i in the normal exponent range, built from its bits.
template <class T> Batch<T> pow2(const xsimd::batch<xsimd::as_integer_t<T>, isa::Arch>& i) {
  using C = ExpConstants<T>;
  using I = xsimd::as_integer_t<T>;
  return xsimd::bitwise_cast<Batch<T>>((i + xsimd::batch<I, isa::Arch>(I(C::exponent_bias))) << C::mantissa_bits);
}

// p·2^n for integral n with one rounding; results above the finite range overflow to inf.
template <class T> Batch<T> times_pow2(const Batch<T>& p, const Batch<T>& n) {
#if defined(__AVX512F__)
  if constexpr (kZmm<T>) {
    if constexpr (std::is_same_v<T, float>) return _mm512_scalef_ps(p, n);
    else return _mm512_scalef_pd(p, n);
  }
#endif
  // Two factors 2^(n/2)·2^(n - n/2), each a normal number over the clamped range of n (up to 2^128).
  const auto ni = xsimd::to_int(n);
  const auto half = xsimd::to_int(n * Batch<T>(T(0.5)));
  return p * pow2<T>(half) * pow2<T>(ni - half);
}

template <class T> Batch<T> vexp(const Batch<T>& x) {
  using C = ExpConstants<T>;
  // Clamp with selects, which keep a NaN (it then flows through every step); +inf becomes inf.
  const Batch<T> lo(C::lowest), hi(C::highest);
  const auto underflow = x < lo;  // -inf included
  const Batch<T> xc = xsimd::select(x > hi, hi, xsimd::select(underflow, lo, x));
  const Batch<T> n = xsimd::nearbyint(xc * Batch<T>(T(1.44269504088896340736)));  // x / ln2
  Batch<T> r = xsimd::fnma(n, Batch<T>(C::ln2_hi), xc);
  r = xsimd::fnma(n, Batch<T>(C::ln2_lo), r);
  // Horner over the Taylor coefficients 1/k!, highest degree first.
  static constexpr auto coef = inverse_factorials<T, C::degree>();
  Batch<T> p(coef[C::degree]);
  for (int k = C::degree - 1; k >= 0; --k) p = xsimd::fma(p, r, Batch<T>(coef[k]));
  return xsimd::select(underflow, Batch<T>(0), times_pow2(p, n));
}

// ---- row passes ----

// The row's max; see horizontal_max for NaN.
template <class T> T row_max(const T* x, std::int64_t n) {
  Batch<T> m(-kInf<T>);
  for (std::int64_t j = 0; j < n; j += W<T>) m = xsimd::max(m, load(x + j, std::min(W<T>, n - j), -kInf<T>));
  return horizontal_max(m);
}

// Σ exp(x - m); NaN when the row holds a NaN (exp propagates it even if the max pass lost it).
template <class T> T sum_exp(const T* x, std::int64_t n, T m) {
  const Batch<T> mb(m);
  Batch<T> s(0);
  for (std::int64_t j = 0; j < n; j += W<T>) s += vexp(load(x + j, std::min(W<T>, n - j), -kInf<T>) - mb);
  return xsimd::hadd(s);
}

template <class T> T sum(const T* x, std::int64_t n) {
  Batch<T> s(0);
  for (std::int64_t j = 0; j < n; j += W<T>) s += load(x + j, std::min(W<T>, n - j), T(0));
  return xsimd::hadd(s);
}

template <class T> T dot(const T* x, const T* y, std::int64_t n) {
  Batch<T> s(0);
  for (std::int64_t j = 0; j < n; j += W<T>) {
    const std::int64_t k = std::min(W<T>, n - j);
    s = xsimd::fma(load(x + j, k, T(0)), load(y + j, k, T(0)), s);
  }
  return xsimd::hadd(s);
}

// The row's max and Σ exp(x - max), NaN both when the row has no finite logsumexp (see softmax.hpp).
template <class T> struct RowStats {
  T max, sum;
};

template <class T> RowStats<T> row_stats(const T* x, std::int64_t n) {
  const T m = row_max(x, n);
  if (!std::isfinite(m)) return {std::numeric_limits<T>::quiet_NaN(), std::numeric_limits<T>::quiet_NaN()};
  return {m, sum_exp(x, n, m)};
}

}  // namespace

template <class T> void exp_values(const T* x, T* y, std::int64_t n) {
  for (std::int64_t j = 0; j < n; j += W<T>) {
    const std::int64_t k = std::min(W<T>, n - j);
    store(y + j, vexp(load(x + j, k, T(0))), k);
  }
}

template <class T> void logsumexp_rows(const T* x, T* out, std::int64_t rows, std::int64_t cols) {
  for (std::int64_t r = 0; r < rows; ++r) {
    const RowStats<T> st = row_stats(x + r * cols, cols);
    out[r] = st.max + std::log(st.sum);
  }
}

template <class T> void log_softmax_rows(const T* x, T* y, std::int64_t rows, std::int64_t cols) {
  for (std::int64_t r = 0; r < rows; ++r) {
    const T* xr = x + r * cols;
    T* yr = y + r * cols;
    const RowStats<T> st = row_stats(xr, cols);
    const Batch<T> m(st.max), log_sum(std::log(st.sum));
    for (std::int64_t j = 0; j < cols; j += W<T>) {
      const std::int64_t k = std::min(W<T>, cols - j);
      store(yr + j, (load(xr + j, k, T(0)) - m) - log_sum, k);
    }
  }
}

template <class T> void softmax_rows(const T* x, T* y, std::int64_t rows, std::int64_t cols) {
  for (std::int64_t r = 0; r < rows; ++r) {
    const T* xr = x + r * cols;
    T* yr = y + r * cols;
    const T m = row_max(xr, cols);
    if (!std::isfinite(m)) {
      std::fill(yr, yr + cols, std::numeric_limits<T>::quiet_NaN());
      continue;
    }
    // One exp per element: y holds exp(x - max) and is then scaled by 1 / Σ (a NaN sum spreads).
    const Batch<T> mb(m);
    Batch<T> s(0);
    for (std::int64_t j = 0; j < cols; j += W<T>) {
      const std::int64_t k = std::min(W<T>, cols - j);
      const Batch<T> e = vexp(load(xr + j, k, -kInf<T>) - mb);
      s += e;
      store(yr + j, e, k);
    }
    const Batch<T> inv_sum(1 / xsimd::hadd(s));
    for (std::int64_t j = 0; j < cols; j += W<T>) {
      const std::int64_t k = std::min(W<T>, cols - j);
      store(yr + j, load(yr + j, k, T(0)) * inv_sum, k);
    }
  }
}

template <class T> void softmax_backward_rows(const T* y, const T* g, T* dx, std::int64_t rows, std::int64_t cols) {
  for (std::int64_t r = 0; r < rows; ++r) {
    const T* yr = y + r * cols;
    const T* gr = g + r * cols;
    const Batch<T> d(dot(gr, yr, cols));
    for (std::int64_t j = 0; j < cols; j += W<T>) {
      const std::int64_t k = std::min(W<T>, cols - j);
      store(dx + r * cols + j, load(yr + j, k, T(0)) * (load(gr + j, k, T(0)) - d), k);
    }
  }
}

template <class T> void log_softmax_backward_rows(const T* y, const T* g, T* dx, std::int64_t rows, std::int64_t cols) {
  for (std::int64_t r = 0; r < rows; ++r) {
    const T* yr = y + r * cols;
    const T* gr = g + r * cols;
    const Batch<T> total(sum(gr, cols));
    for (std::int64_t j = 0; j < cols; j += W<T>) {
      const std::int64_t k = std::min(W<T>, cols - j);
      store(dx + r * cols + j, xsimd::fnma(vexp(load(yr + j, k, T(0))), total, load(gr + j, k, T(0))), k);
    }
  }
}

namespace {

// Σ_c w_c over the classes (cols when unweighted).
template <class T> T weight_total(const RowTargets<T>& a, std::int64_t cols) {
  return a.class_weight ? sum(a.class_weight, cols) : static_cast<T>(cols);
}

// Σ_c w_c·(m - x_c), the label-smoothing part of the loss apart from its log Σ exp term.
template <class T> T weighted_gap_to_max(const T* x, const T* weight, std::int64_t n, T m) {
  const Batch<T> mb(m);
  Batch<T> s(0);
  for (std::int64_t j = 0; j < n; j += W<T>) {
    const std::int64_t k = std::min(W<T>, n - j);
    const Batch<T> gap = mb - load(x + j, k, m);
    s = weight ? xsimd::fma(load(weight + j, k, T(0)), gap, s) : s + gap;
  }
  return xsimd::hadd(s);
}

}  // namespace

template <class T>
void cross_entropy_forward_rows(const T* x, T* loss, T* lse, std::int64_t rows, std::int64_t cols,
                                const RowTargets<T>& a) {
  const T eps = static_cast<T>(a.smoothing);
  const T w_total = eps > 0 ? weight_total(a, cols) : T(0);
  for (std::int64_t r = 0; r < rows; ++r) {
    const T* xr = x + r * cols;
    const std::int64_t t = a.index[r];
    const RowStats<T> st = row_stats(xr, cols);
    const T log_sum = std::log(st.sum);
    lse[r] = st.max + log_sum;
    if (t == a.skip_index) { loss[r] = 0; continue; }
    const T wt = a.class_weight ? a.class_weight[t] : T(1);
    T result = (1 - eps) * wt * ((st.max - xr[t]) + log_sum);
    if (eps > 0) {
      // Σ w_c·(lse - x_c) = Σ w_c·(max - x_c) + log_sum·Σ w_c, all terms >= 0.
      const T gap = std::isfinite(st.max) ? weighted_gap_to_max(xr, a.class_weight, cols, st.max) : st.max;
      result += eps / static_cast<T>(cols) * (gap + log_sum * w_total);
    }
    loss[r] = result;
  }
}

template <class T>
void cross_entropy_backward_rows(const T* x, const T* lse, const T* grad, T* dx, std::int64_t rows, std::int64_t cols,
                                 const RowTargets<T>& a) {
  const T eps = static_cast<T>(a.smoothing);
  const T smooth = eps / static_cast<T>(cols);   // q_j = w_j·smooth, plus w_t·(1 - eps) at the target
  const T w_total = weight_total(a, cols);
  for (std::int64_t r = 0; r < rows; ++r) {
    const T* xr = x + r * cols;
    T* dr = dx + r * cols;
    const std::int64_t t = a.index[r];
    if (t == a.skip_index) { std::fill(dr, dr + cols, T{0}); continue; }
    const T wt = a.class_weight ? a.class_weight[t] : T(1);
    const T s = (1 - eps) * wt + smooth * w_total;  // S = Σ_j q_j
    const Batch<T> g(grad[r]), sb(s), l(lse[r]), smooth_b(smooth);
    for (std::int64_t j = 0; j < cols; j += W<T>) {
      const std::int64_t k = std::min(W<T>, cols - j);
      const Batch<T> p = vexp(load(xr + j, k, T(0)) - l);
      const Batch<T> q = a.class_weight ? load(a.class_weight + j, k, T(0)) * smooth_b : smooth_b;
      store(dr + j, g * xsimd::fms(sb, p, q), k);
    }
    dr[t] = grad[r] * (s * std::exp(xr[t] - lse[r]) - wt * ((1 - eps) + smooth));  // the target's extra q
  }
}

// ---- along a dim that is not the last ----
// The lanes of a batch are W adjacent lines (columns of an (outer, len, inner) block), so every
// reduction along len is a plain vector operation and no horizontal step is needed.

namespace {

// Calls f(at, line, count) for each group of up to W adjacent lines: `at` is the offset of the group's
// first element, `line` the index of its first line among the outer·inner lines.
template <class T, class F> void for_each_line_group(std::int64_t outer, std::int64_t len, std::int64_t inner, F f) {
  for (std::int64_t o = 0; o < outer; ++o)
    for (std::int64_t i = 0; i < inner; i += W<T>) f(o * len * inner + i, o * inner + i, std::min(W<T>, inner - i));
}

// Per lane: the line's max and Σ exp(x - max), both NaN where the line has no finite logsumexp.
template <class T> std::pair<Batch<T>, Batch<T>> line_stats(const T* x, std::int64_t len, std::int64_t inner,
                                                            std::int64_t count) {
  Batch<T> m(-kInf<T>);
  for (std::int64_t k = 0; k < len; ++k) m = xsimd::max(m, load(x + k * inner, count, -kInf<T>));
  m = xsimd::select(xsimd::isinf(m), Batch<T>(std::numeric_limits<T>::quiet_NaN()), m);
  Batch<T> s(0);
  for (std::int64_t k = 0; k < len; ++k) s += vexp(load(x + k * inner, count, -kInf<T>) - m);
  return {m, s};  // a NaN the max dropped still reaches s through exp
}

}  // namespace

template <class T> void softmax_strided(const T* x, T* y, std::int64_t outer, std::int64_t len, std::int64_t inner) {
  for_each_line_group<T>(outer, len, inner, [&](std::int64_t at, std::int64_t, std::int64_t count) {
    const auto [m, s] = line_stats(x + at, len, inner, count);
    const Batch<T> inv_sum = Batch<T>(1) / s;
    for (std::int64_t k = 0; k < len; ++k) {
      const std::int64_t p = at + k * inner;
      store(y + p, vexp(load(x + p, count, T(0)) - m) * inv_sum, count);
    }
  });
}

template <class T> void log_softmax_strided(const T* x, T* y, std::int64_t outer, std::int64_t len, std::int64_t inner) {
  for_each_line_group<T>(outer, len, inner, [&](std::int64_t at, std::int64_t, std::int64_t count) {
    const auto [m, s] = line_stats(x + at, len, inner, count);
    const Batch<T> log_sum = xsimd::log(s);
    for (std::int64_t k = 0; k < len; ++k) {
      const std::int64_t p = at + k * inner;
      store(y + p, (load(x + p, count, T(0)) - m) - log_sum, count);
    }
  });
}

template <class T> void logsumexp_strided(const T* x, T* out, std::int64_t outer, std::int64_t len, std::int64_t inner) {
  for_each_line_group<T>(outer, len, inner, [&](std::int64_t at, std::int64_t line, std::int64_t count) {
    const auto [m, s] = line_stats(x + at, len, inner, count);
    store(out + line, m + xsimd::log(s), count);
  });
}

template <class T>
void softmax_backward_strided(const T* y, const T* g, T* dx, std::int64_t outer, std::int64_t len, std::int64_t inner) {
  for_each_line_group<T>(outer, len, inner, [&](std::int64_t at, std::int64_t, std::int64_t count) {
    Batch<T> dot(0);
    for (std::int64_t k = 0; k < len; ++k)
      dot = xsimd::fma(load(g + at + k * inner, count, T(0)), load(y + at + k * inner, count, T(0)), dot);
    for (std::int64_t k = 0; k < len; ++k) {
      const std::int64_t p = at + k * inner;
      store(dx + p, load(y + p, count, T(0)) * (load(g + p, count, T(0)) - dot), count);
    }
  });
}

template <class T>
void log_softmax_backward_strided(const T* y, const T* g, T* dx, std::int64_t outer, std::int64_t len, std::int64_t inner) {
  for_each_line_group<T>(outer, len, inner, [&](std::int64_t at, std::int64_t, std::int64_t count) {
    Batch<T> total(0);
    for (std::int64_t k = 0; k < len; ++k) total += load(g + at + k * inner, count, T(0));
    for (std::int64_t k = 0; k < len; ++k) {
      const std::int64_t p = at + k * inner;
      store(dx + p, xsimd::fnma(vexp(load(y + p, count, T(0))), total, load(g + p, count, T(0))), count);
    }
  });
}

#include "softmax_table.inc"

}  // namespace tapegrad::kernels::TAPEGRAD_ISA_NS
