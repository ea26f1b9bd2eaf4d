// im2col + GEMM convolution. Each sample's column matrix (C·KH·KW rows, OH·OW columns) is built in a
// per-thread buffer and multiplied by the (grouped) weight; nothing is kept between calls, so the
// backward recomputes the columns instead of holding N copies of them. Batches are split across the
// threads one sample at a time (each GEMM then runs on one thread); a batch smaller than the thread
// count runs sample by sample with the GEMM itself threaded.
#include "conv.hpp"

#include <omp.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "../threads.hpp"
#include "gemm.hpp"

namespace tapegrad::kernels {

void Conv2dGeometry::finish() {
  out_h = (in_h + pad_top + pad_bottom - dilation_h * (kernel_h - 1) - 1) / stride_h + 1;
  out_w = (in_w + pad_left + pad_right - dilation_w * (kernel_w - 1) - 1) / stride_w + 1;
}

namespace {

std::int64_t ceil_div(std::int64_t a, std::int64_t b) { return a >= 0 ? (a + b - 1) / b : -((-a) / b); }

// The output columns [lo, hi) whose input coordinate o*stride + offset lies inside [0, size).
void valid_range(std::int64_t offset, std::int64_t stride, std::int64_t size, std::int64_t out, std::int64_t& lo,
                 std::int64_t& hi) {
  lo = std::clamp<std::int64_t>(ceil_div(-offset, stride), 0, out);
  hi = std::clamp<std::int64_t>(ceil_div(size - offset, stride), lo, out);
}

// Walks every (column row, output row) pair of one sample: f(col_row_ptr, x_row_ptr or null, lo, hi, w_offset),
// where the column entries [lo, hi) read x_row[ow*stride_w + w_offset] and the rest are padding.
template <class T, class F> void for_each_col_row(const Conv2dGeometry& g, T* col, const T* x, F f) {
  const std::int64_t ohw = g.out_h * g.out_w;
  for (std::int64_t c = 0; c < g.in_channels; ++c)
    for (std::int64_t ki = 0; ki < g.kernel_h; ++ki)
      for (std::int64_t kj = 0; kj < g.kernel_w; ++kj) {
        T* row = col + ((c * g.kernel_h + ki) * g.kernel_w + kj) * ohw;
        const std::int64_t w_off = kj * g.dilation_w - g.pad_left;
        std::int64_t lo, hi;
        valid_range(w_off, g.stride_w, g.in_w, g.out_w, lo, hi);
        for (std::int64_t oh = 0; oh < g.out_h; ++oh) {
          const std::int64_t ih = oh * g.stride_h - g.pad_top + ki * g.dilation_h;
          const bool inside = ih >= 0 && ih < g.in_h;
          f(row + oh * g.out_w, inside ? x + (c * g.in_h + ih) * g.in_w : nullptr, lo, hi, w_off);
        }
      }
}

template <class T> void im2col(const Conv2dGeometry& g, const T* x, T* col) {
  const std::int64_t sw = g.stride_w, ow = g.out_w;
  for_each_col_row(g, col, x, [&](T* dst, const T* src, std::int64_t lo, std::int64_t hi, std::int64_t off) {
    if (!src) { std::fill_n(dst, ow, T{0}); return; }
    std::fill_n(dst, lo, T{0});
    if (sw == 1) std::memcpy(dst + lo, src + lo + off, static_cast<std::size_t>(hi - lo) * sizeof(T));
    else
      for (std::int64_t j = lo; j < hi; ++j) dst[j] = src[j * sw + off];
    std::fill(dst + hi, dst + ow, T{0});
  });
}

// dx += the columns scattered back to their input positions (the adjoint of im2col).
template <class T> void col2im(const Conv2dGeometry& g, const T* col, T* dx) {
  const std::int64_t sw = g.stride_w;
  for_each_col_row(g, const_cast<T*>(col), dx, [&](T* src, const T* dst_c, std::int64_t lo, std::int64_t hi, std::int64_t off) {
    if (!dst_c) return;
    T* dst = const_cast<T*>(dst_c);
    for (std::int64_t j = lo; j < hi; ++j) dst[j * sw + off] += src[j];
  });
}

struct Sizes {
  std::int64_t cg, og, k, ohw, col, x, y;  // channels and outputs per group, CgK rows, OH·OW, per-sample sizes
  explicit Sizes(const Conv2dGeometry& g)
      : cg(g.in_channels / g.groups), og(g.out_channels / g.groups), k(cg * g.kernel_h * g.kernel_w),
        ohw(g.out_h * g.out_w), col(g.in_channels * g.kernel_h * g.kernel_w * ohw),
        x(g.in_channels * g.in_h * g.in_w), y(g.out_channels * ohw) {}
};

// Runs body(n, col_buffer, thread) for every sample, split across threads when the batch allows.
template <class T, class Body> void for_each_sample(const Conv2dGeometry& g, const Sizes& s, int threads, Body body) {
  if (threads <= 1 || g.batch < threads) {
    std::vector<T> col(static_cast<std::size_t>(s.col));
    for (std::int64_t n = 0; n < g.batch; ++n) body(n, col.data(), 0);
    return;
  }
  const detail::FixedThreadCount fixed;
#pragma omp parallel num_threads(threads)
  {
    std::vector<T> col(static_cast<std::size_t>(s.col));
    const int t = omp_get_thread_num();
#pragma omp for schedule(static)
    for (std::int64_t n = 0; n < g.batch; ++n) body(n, col.data(), t);
  }
}

template <class T> void forward(const Conv2dGeometry& g, const T* x, const T* w, T* y) {
  const Sizes s(g);
  for_each_sample<T>(g, s, get_num_threads(), [&](std::int64_t n, T* col, int) {
    im2col(g, x + n * s.x, col);
    for (std::int64_t gr = 0; gr < g.groups; ++gr)
      gemm(false, false, s.og, s.ohw, s.k, T{1}, w + gr * s.og * s.k, s.k, col + gr * s.k * s.ohw, s.ohw, T{0},
           y + n * s.y + gr * s.og * s.ohw, s.ohw);
  });
}

template <class T> void backward_input(const Conv2dGeometry& g, const T* gy, const T* w, T* dx) {
  const Sizes s(g);
  std::fill_n(dx, g.batch * s.x, T{0});
  for_each_sample<T>(g, s, get_num_threads(), [&](std::int64_t n, T* col, int) {
    for (std::int64_t gr = 0; gr < g.groups; ++gr)
      gemm(true, false, s.k, s.ohw, s.og, T{1}, w + gr * s.og * s.k, s.k, gy + n * s.y + gr * s.og * s.ohw, s.ohw,
           T{0}, col + gr * s.k * s.ohw, s.ohw);
    col2im(g, col, dx + n * s.x);
  });
}

template <class T> void backward_weight(const Conv2dGeometry& g, const T* x, const T* gy, T* dw) {
  const Sizes s(g);
  const std::int64_t wsize = g.out_channels * s.k;
  const int threads = get_num_threads();
  // One accumulator per thread (thread 0 writes dw directly), summed at the end.
  std::vector<std::vector<T>> partial(static_cast<std::size_t>(std::max(threads - 1, 0)), std::vector<T>(static_cast<std::size_t>(wsize), T{0}));
  std::fill_n(dw, wsize, T{0});
  for_each_sample<T>(g, s, threads, [&](std::int64_t n, T* col, int t) {
    T* acc = t == 0 ? dw : partial[static_cast<std::size_t>(t - 1)].data();
    im2col(g, x + n * s.x, col);
    for (std::int64_t gr = 0; gr < g.groups; ++gr)
      gemm(false, true, s.og, s.k, s.ohw, T{1}, gy + n * s.y + gr * s.og * s.ohw, s.ohw, col + gr * s.k * s.ohw,
           s.ohw, T{1}, acc + gr * s.og * s.k, s.k);
  });
  for (const auto& p : partial)
    for (std::int64_t i = 0; i < wsize; ++i) dw[i] += p[static_cast<std::size_t>(i)];
}

}  // namespace

void conv2d_forward(const Conv2dGeometry& g, const float* x, const float* w, float* y) { forward(g, x, w, y); }
void conv2d_forward(const Conv2dGeometry& g, const double* x, const double* w, double* y) { forward(g, x, w, y); }
void conv2d_backward_input(const Conv2dGeometry& g, const float* gy, const float* w, float* dx) { backward_input(g, gy, w, dx); }
void conv2d_backward_input(const Conv2dGeometry& g, const double* gy, const double* w, double* dx) { backward_input(g, gy, w, dx); }
void conv2d_backward_weight(const Conv2dGeometry& g, const float* x, const float* gy, float* dw) { backward_weight(g, x, gy, dw); }
void conv2d_backward_weight(const Conv2dGeometry& g, const double* x, const double* gy, double* dw) { backward_weight(g, x, gy, dw); }

}  // namespace tapegrad::kernels
