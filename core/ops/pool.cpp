// 2-D pooling on NCHW (or unbatched CHW) planes. Average pooling of every flavour (avg_pool2d with
// ceil_mode / count_include_pad, adaptive_avg_pool2d) is one op driven by per-dimension window lists;
// its backward spreads the gradient over the same windows (an op whose backward is the pooling again).
// max_pool2d records the argmax indices; its backward scatters (an op whose backward gathers).
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

#include "../threads.hpp"
#include "common.hpp"

namespace tapegrad {

namespace {

// One output position along a dimension: input [start, end) clipped to the input, `size` the
// window's length counting padding (the divisor when count_include_pad).
struct Window { std::int64_t start, end, size; };
struct Windows {
  std::vector<Window> h, w;
  bool include_pad = true;
  autograd::OpAttributes attributes;  // where they came from: Pool2dParams, or the adaptive output size
};

std::string dims_str(std::int64_t c, std::int64_t h, std::int64_t w) {
  return std::to_string(c) + "x" + std::to_string(h) + "x" + std::to_string(w);
}

// Rank check shared by the poolings: (N, C, H, W) or unbatched (C, H, W), non-empty.
void check_input(const Tensor& x, const char* op) {
  if (!x.defined()) throw std::invalid_argument(std::string(op) + ": undefined input");
  check_floating(x.dtype(), op);
  bool empty_plane = false;
  for (std::int64_t d = 1; d < x.dim(); ++d) empty_plane |= x.shape()[d] == 0;
  if ((x.dim() != 3 && x.dim() != 4) || empty_plane)
    throw std::invalid_argument(std::string(op) == "adaptive_avg_pool2d"
                                    ? "adaptive_avg_pool2d(): Expected 3D or 4D tensor, but got " + shape_str(x.shape())
                                    : "non-empty 3D or 4D (batch mode) tensor expected for input, but got " + shape_str(x.shape()));
}

void check_pair(const std::vector<std::int64_t>& v, const char* what) {
  if (v.size() != 2) throw std::invalid_argument(std::string("pooling: ") + what + " must have 2 values {h, w}, got " + std::to_string(v.size()));
}

// PyTorch's pooling_output_shape.
std::int64_t pooled_size(std::int64_t in, std::int64_t k, std::int64_t pad, std::int64_t stride, std::int64_t dilation, bool ceil) {
  const std::int64_t num = in + 2 * pad - dilation * (k - 1) - 1 + (ceil ? stride - 1 : 0);
  std::int64_t out = (num >= 0 ? num / stride : -((-num + stride - 1) / stride)) + 1;
  if (ceil && (out - 1) * stride >= in + pad) --out;
  return out;
}

// Checks the parameters and returns {out_h, out_w}.
std::pair<std::int64_t, std::int64_t> pooled_shape(const Shape& s, const Pool2dParams& p) {
  check_pair(p.kernel_size(), "kernel_size"); check_pair(p.stride(), "stride");
  check_pair(p.padding(), "padding"); check_pair(p.dilation(), "dilation");
  const auto &k = p.kernel_size(), &st = p.stride(), &pad = p.padding(), &d = p.dilation();
  if (k[0] <= 0 || k[1] <= 0)
    throw std::invalid_argument("kernel size should be greater than zero, but got kH: " + std::to_string(k[0]) + " kW: " + std::to_string(k[1]));
  if (st[0] <= 0 || st[1] <= 0) throw std::invalid_argument("stride should not be zero");
  if (d[0] <= 0 || d[1] <= 0)
    throw std::invalid_argument("dilation should be greater than zero, but got dilationH: " + std::to_string(d[0]) +
                                " dilationW: " + std::to_string(d[1]));
  for (int i = 0; i < 2; ++i) {
    if (pad[i] < 0) throw std::invalid_argument("negative padding is not supported");
    if (pad[i] > k[i] / 2)
      throw std::invalid_argument("pad should be at most half of kernel size, but got pad=" + std::to_string(pad[i]) +
                                  " and kernel_size=" + std::to_string(k[i]));
  }
  const std::int64_t c = s[s.size() - 3], h = s[s.size() - 2], w = s[s.size() - 1];
  const std::int64_t oh = pooled_size(h, k[0], pad[0], st[0], d[0], p.ceil_mode());
  const std::int64_t ow = pooled_size(w, k[1], pad[1], st[1], d[1], p.ceil_mode());
  if (oh < 1 || ow < 1)
    throw std::invalid_argument("Given input size: (" + dims_str(c, h, w) + "). Calculated output size: (" +
                                dims_str(c, oh, ow) + "). Output size is too small");
  return {oh, ow};
}

Shape with_plane(const Shape& s, std::int64_t h, std::int64_t w) {
  Shape out = s;
  out[out.size() - 2] = h;
  out[out.size() - 1] = w;
  return out;
}

// planes = N·C, each in_h x in_w.
struct Planes {
  std::int64_t count, h, w;
  explicit Planes(const Shape& s) : count(shape_numel(s) / (s[s.size() - 2] * s[s.size() - 1])), h(s[s.size() - 2]), w(s[s.size() - 1]) {}
};

// ---- average pooling over window lists ----

Tensor avg_pool_backward(const Tensor& g, const Windows& win, const Shape& input_shape);

// The one average-pooling op: y[o] = Σ window / divisor.
Tensor avg_pool(const Tensor& x, const Windows& win) {
  const Planes pl(x.shape());
  const auto oh = static_cast<std::int64_t>(win.h.size()), ow = static_cast<std::int64_t>(win.w.size());
  Tensor y = empty(with_plane(x.shape(), oh, ow), x.dtype());
  const Tensor xc = x.expect_contiguous();  // the loops read row-major planes
  dispatch_floating(x.dtype(), "avg_pool2d", [&](auto tag) {
    using T = decltype(tag);
    const T* px = xc.data<T>();
    T* py = y.data<T>();
    for (std::int64_t p = 0; p < pl.count; ++p)
      for (const Window& a : win.h)
        for (const Window& b : win.w) {
          T acc = 0;
          for (std::int64_t i = a.start; i < a.end; ++i)
            for (std::int64_t j = b.start; j < b.end; ++j) acc += px[(p * pl.h + i) * pl.w + j];
          const std::int64_t divisor = win.include_pad ? a.size * b.size : (a.end - a.start) * (b.end - b.start);
          *py++ = acc / static_cast<T>(divisor);
        }
  });
  if (!autograd::needs_grad({x})) return y;
  return record(Op::avg_pool2d, win.attributes, {x}, y, [win, shape = x.shape()](const Tensor& g) { return Grads{avg_pool_backward(g, win, shape)}; });
}

// Adjoint of avg_pool: each output's gradient / divisor added over its window.
Tensor avg_pool_backward(const Tensor& g, const Windows& win, const Shape& input_shape) {
  const Planes pl(input_shape);
  Tensor dx = zeros(input_shape, g.dtype());
  const Tensor gc = g.expect_contiguous();
  dispatch_floating(g.dtype(), "avg_pool2d_backward", [&](auto tag) {
    using T = decltype(tag);
    const T* pg = gc.data<T>();
    T* pd = dx.data<T>();
    for (std::int64_t p = 0; p < pl.count; ++p)
      for (const Window& a : win.h)
        for (const Window& b : win.w) {
          const std::int64_t divisor = win.include_pad ? a.size * b.size : (a.end - a.start) * (b.end - b.start);
          const T v = *pg++ / static_cast<T>(divisor);
          for (std::int64_t i = a.start; i < a.end; ++i)
            for (std::int64_t j = b.start; j < b.end; ++j) pd[(p * pl.h + i) * pl.w + j] += v;
        }
  });
  if (!autograd::needs_grad({g})) return dx;
  return record(Op::avg_pool2d_backward, win.attributes, {g}, dx, [win](const Tensor& G) { return Grads{avg_pool(G, win)}; });
}

std::vector<Window> strided_windows(std::int64_t in, std::int64_t out, std::int64_t k, std::int64_t stride, std::int64_t pad) {
  std::vector<Window> ws;
  for (std::int64_t o = 0; o < out; ++o) {
    const std::int64_t start = o * stride - pad, end = std::min(start + k, in + pad);
    ws.push_back({std::max<std::int64_t>(start, 0), std::min(end, in), end - start});
  }
  return ws;
}

std::vector<Window> adaptive_windows(std::int64_t in, std::int64_t out) {
  std::vector<Window> ws;
  for (std::int64_t o = 0; o < out; ++o) {
    const std::int64_t start = (o * in) / out, end = ((o + 1) * in + out - 1) / out;
    ws.push_back({start, end, end - start});
  }
  return ws;
}

}  // namespace

namespace {

Windows strided_windows(const Shape& input_shape, const Pool2dParams& params) {
  if (params.dilation() != std::vector<std::int64_t>{1, 1}) throw std::invalid_argument("avg_pool2d: dilation is not supported");
  const auto [oh, ow] = pooled_shape(input_shape, params);
  const Planes pl(input_shape);
  const auto &k = params.kernel_size(), &s = params.stride(), &p = params.padding();
  return {strided_windows(pl.h, oh, k[0], s[0], p[0]), strided_windows(pl.w, ow, k[1], s[1], p[1]), params.count_include_pad(),
          params};
}

}  // namespace

Tensor avg_pool2d(const Tensor& input, const Pool2dParams& params) {
  check_input(input, "avg_pool2d");
  return avg_pool(input, strided_windows(input.shape(), params));
}

Tensor avg_pool2d_backward(const Tensor& grad_output, const Shape& input_shape, const Pool2dParams& params) {
  if (input_shape.size() != 3 && input_shape.size() != 4)
    throw std::invalid_argument("avg_pool2d_backward: expected a 3-D or 4-D input shape, but got " + shape_str(input_shape));
  const Windows win = strided_windows(input_shape, params);
  const Shape expected = with_plane(input_shape, static_cast<std::int64_t>(win.h.size()), static_cast<std::int64_t>(win.w.size()));
  if (grad_output.shape() != expected)
    throw std::invalid_argument("avg_pool2d_backward: expected grad_output of size " + shape_str(expected) + ", but got " +
                                shape_str(grad_output.shape()));
  return avg_pool_backward(grad_output, win, input_shape);
}

Tensor adaptive_avg_pool2d(const Tensor& input, const std::vector<std::int64_t>& output_size) {
  check_input(input, "adaptive_avg_pool2d");
  check_pair(output_size, "output_size");
  if (output_size[0] < 0 || output_size[1] < 0)
    throw std::invalid_argument("adaptive_avg_pool2d: output_size must be >= 0, got [" + std::to_string(output_size[0]) +
                                ", " + std::to_string(output_size[1]) + "]");
  const Planes pl(input.shape());
  return avg_pool(input, {adaptive_windows(pl.h, output_size[0]), adaptive_windows(pl.w, output_size[1]), true,
                          autograd::DimsAttributes{output_size}});
}

// ---- max pooling ----

std::pair<Tensor, Tensor> max_pool2d_with_indices(const Tensor& input, const Pool2dParams& params) {
  check_input(input, "max_pool2d");
  // No structured binding: clang 14 cannot capture one in the OpenMP region below.
  const auto out_hw = pooled_shape(input.shape(), params);
  const std::int64_t oh = out_hw.first, ow = out_hw.second;
  const Planes pl(input.shape());
  const auto &k = params.kernel_size(), &s = params.stride(), &p = params.padding(), &d = params.dilation();
  const Shape out_shape = with_plane(input.shape(), oh, ow);
  Tensor y = empty(out_shape, input.dtype());
  Tensor idx = empty(out_shape, kInt64);
  const Tensor xc = input.expect_contiguous();
  dispatch_floating(input.dtype(), "max_pool2d", [&](auto tag) {
    using T = decltype(tag);
    const T* px = xc.data<T>();
    // Planes are independent: split them across the kernel threads.
    const detail::FixedThreadCount fixed;
#pragma omp parallel for num_threads(get_num_threads()) schedule(static) if (pl.count * oh * ow > 32768)
    for (std::int64_t q = 0; q < pl.count; ++q) {
      const T* plane = px + q * pl.h * pl.w;
      T* py = y.data<T>() + q * oh * ow;
      std::int64_t* pi = idx.data<std::int64_t>() + q * oh * ow;
      for (std::int64_t i = 0; i < oh; ++i)
        for (std::int64_t j = 0; j < ow; ++j) {
          T best = -std::numeric_limits<T>::infinity();
          std::int64_t at = -1;
          for (std::int64_t a = 0; a < k[0]; ++a) {
            const std::int64_t h = i * s[0] - p[0] + a * d[0];
            if (h < 0 || h >= pl.h) continue;
            for (std::int64_t b = 0; b < k[1]; ++b) {
              const std::int64_t w = j * s[1] - p[1] + b * d[1];
              if (w < 0 || w >= pl.w) continue;
              const T v = plane[h * pl.w + w];
              if (v > best || std::isnan(v) || at < 0) { best = v; at = h * pl.w + w; if (std::isnan(v)) goto done; }
            }
          }
        done:
          *py++ = best;
          *pi++ = at;
        }
    }
  });
  y = record(Op::max_pool2d, params, {input}, y, [idx, shape = input.shape()](const Tensor& g) {
    return Grads{max_pool2d_backward(g, idx, shape)};
  });
  return {y, idx};
}

Tensor max_pool2d(const Tensor& input, const Pool2dParams& params) { return max_pool2d_with_indices(input, params).first; }

Tensor max_pool2d_backward(const Tensor& grad_output, const Tensor& indices, const Shape& input_shape) {
  if (indices.dtype() != kInt64 || indices.shape() != grad_output.shape())
    throw std::invalid_argument("max_pool2d_backward: expected int64 indices of grad_output's size " +
                                shape_str(grad_output.shape()) + ", but got " + shape_str(indices.shape()));
  const Planes pl(input_shape);
  const Planes out(grad_output.shape());
  Tensor dx = zeros(input_shape, grad_output.dtype());
  const Tensor gc = grad_output.expect_contiguous(), ic = indices.expect_contiguous();
  dispatch_floating(grad_output.dtype(), "max_pool2d_backward", [&](auto tag) {
    using T = decltype(tag);
    const T* pg = gc.data<T>();
    const std::int64_t* pi = ic.data<std::int64_t>();
    T* pd = dx.data<T>();
    const std::int64_t per = out.h * out.w;
    for (std::int64_t q = 0; q < pl.count; ++q)
      for (std::int64_t e = 0; e < per; ++e) pd[q * pl.h * pl.w + pi[q * per + e]] += pg[q * per + e];
  });
  // The adjoint of scattering to the indices is gathering from them.
  return record(Op::max_pool2d_backward, {grad_output}, dx,
                [indices, out_shape = grad_output.shape(), pl, per = out.h * out.w](const Tensor& G) {
                  const Tensor g2 = reshape(G, {pl.count, pl.h * pl.w});
                  return Grads{reshape(gather(g2, 1, reshape(indices, {pl.count, per})), out_shape)};
                });
}

}  // namespace tapegrad
