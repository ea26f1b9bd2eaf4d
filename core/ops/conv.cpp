// conv2d and its two backward halves. Each is a tape entry whose backward is written with the other
// two (conv2d, conv2d_backward_input, conv2d_backward_weight are linear in each argument and adjoint
// to one another), so gradients of gradients are convolutions too.
#include <stdexcept>
#include <string>

#include "../kernels/conv.hpp"
#include "common.hpp"

namespace tapegrad {

namespace {

std::string pair_str(const std::vector<std::int64_t>& v) { return std::to_string(v[0]) + " x " + std::to_string(v[1]); }

// The kernel geometry of input shape x, weight shape w, with every argument checked.
kernels::Conv2dGeometry geometry(const Shape& x, const Shape& w, const Conv2dParams& p) {
  if (p.stride().size() != 2 || p.dilation().size() != 2 || p.padding().size() != 4)
    throw std::invalid_argument("conv2d: expected 2 strides, 2 dilations and 4 paddings (top, bottom, left, right)");
  for (auto s : p.stride())
    if (s <= 0) throw std::invalid_argument("non-positive stride is not supported");
  for (auto d : p.dilation())
    if (d <= 0) throw std::invalid_argument("non-positive dilation is not supported");
  for (auto q : p.padding())
    if (q < 0) throw std::invalid_argument("negative padding is not supported");
  if (p.groups() <= 0) throw std::invalid_argument("non-positive groups is not supported");
  if (x.size() != 4) throw std::invalid_argument("Expected 3D (unbatched) or 4D (batched) input to conv2d, but got input of size: " + shape_str(x));
  if (w.size() != 4) throw std::invalid_argument("conv2d: expected a 4-D weight (out, in / groups, kH, kW), but got weight of size " + shape_str(w));
  const std::int64_t g = p.groups();
  if (w[0] % g != 0)
    throw std::invalid_argument("Given groups=" + std::to_string(g) + ", expected weight to be divisible by " + std::to_string(g) +
                                " at dimension 0, but got weight of size [" + shape_str(w) + "] instead");
  if (x[1] != w[1] * g)
    throw std::invalid_argument("Given groups=" + std::to_string(g) + ", weight of size " + shape_str(w) + ", expected input" +
                                shape_str(x) + " to have " + std::to_string(w[1] * g) + " channels, but got " +
                                std::to_string(x[1]) + " channels instead");
  kernels::Conv2dGeometry geo;
  geo.batch = x[0]; geo.in_channels = x[1]; geo.in_h = x[2]; geo.in_w = x[3];
  geo.out_channels = w[0]; geo.kernel_h = w[2]; geo.kernel_w = w[3];
  geo.stride_h = p.stride()[0]; geo.stride_w = p.stride()[1];
  geo.pad_top = p.padding()[0]; geo.pad_bottom = p.padding()[1]; geo.pad_left = p.padding()[2]; geo.pad_right = p.padding()[3];
  geo.dilation_h = p.dilation()[0]; geo.dilation_w = p.dilation()[1];
  geo.groups = g;
  const std::vector<std::int64_t> padded{x[2] + geo.pad_top + geo.pad_bottom, x[3] + geo.pad_left + geo.pad_right};
  const std::vector<std::int64_t> extent{geo.dilation_h * (w[2] - 1) + 1, geo.dilation_w * (w[3] - 1) + 1};
  if (padded[0] < extent[0] || padded[1] < extent[1])
    throw std::invalid_argument("Calculated padded input size per channel: (" + pair_str(padded) + "). Kernel size: (" +
                                pair_str(extent) + "). Kernel size can't be greater than actual input size");
  geo.finish();
  return geo;
}

Shape output_shape(const kernels::Conv2dGeometry& g) { return {g.batch, g.out_channels, g.out_h, g.out_w}; }

void check_operands(const char* op, const Tensor& a, const Tensor& b) {
  if (!a.defined() || !b.defined()) throw std::invalid_argument(std::string(op) + ": undefined tensor argument");
  check_same_dtype(op, a, b);
  check_floating(a.dtype(), op);
}

}  // namespace

Tensor conv2d(const Tensor& input, const Tensor& weight, const Tensor& bias, const Conv2dParams& params) {
  check_operands("conv2d", input, weight);
  if (input.dim() == 3) {  // unbatched (C, H, W)
    return squeeze(conv2d(unsqueeze(input, 0), weight, bias, params), 0);
  }
  const kernels::Conv2dGeometry g = geometry(input.shape(), weight.shape(), params);
  if (bias.defined()) {
    check_same_dtype("conv2d", input, bias, "input and bias");
    if (bias.shape() != Shape{g.out_channels})
      throw std::invalid_argument("conv2d: expected bias of size [" + std::to_string(g.out_channels) + "], but got bias of size " +
                                  shape_str(bias.shape()));
  }
  Tensor y = empty(output_shape(g), input.dtype());
  // The convolution kernels read row-major NCHW.
  const Tensor xc = input.expect_contiguous(), wc = weight.expect_contiguous();
  const Tensor bc = bias.defined() ? bias.expect_contiguous() : bias;
  dispatch_floating(input.dtype(), "conv2d", [&](auto tag) {
    using T = decltype(tag);
    kernels::conv2d_forward(g, xc.data<T>(), wc.data<T>(), y.data<T>());
    if (bias.defined()) {
      const T* pb = bc.data<T>();
      T* py = y.data<T>();
      const std::int64_t plane = g.out_h * g.out_w;
      for (std::int64_t n = 0; n < g.batch; ++n)
        for (std::int64_t o = 0; o < g.out_channels; ++o) {
          T* row = py + (n * g.out_channels + o) * plane;
          for (std::int64_t i = 0; i < plane; ++i) row[i] += pb[o];
        }
    }
  });
  if (!autograd::needs_grad({input, weight, bias})) return y;
  return record(Op::conv2d, params, {input, weight, bias}, y,
                [sx = save(input), sw = save(weight), params, need_x = input.requires_grad(), need_w = weight.requires_grad(),
                 need_b = bias.defined() && bias.requires_grad()](const Tensor& gy) {
                  const Tensor& x = sx; const Tensor& w = sw;
                  Tensor dx, dw, db;
                  if (need_x) dx = conv2d_backward_input(gy, w, x.shape(), params);
                  if (need_w) dw = conv2d_backward_weight(x, gy, w.shape(), params);
                  if (need_b) db = sum(gy, {0, 2, 3});
                  return Grads{dx, dw, db};
                });
}

Tensor conv2d_backward_input(const Tensor& grad_output, const Tensor& weight, const Shape& input_shape,
                             const Conv2dParams& params) {
  check_operands("conv2d_backward_input", grad_output, weight);
  const kernels::Conv2dGeometry g = geometry(input_shape, weight.shape(), params);
  if (grad_output.shape() != output_shape(g))
    throw std::invalid_argument("conv2d_backward_input: expected grad_output of size " + shape_str(output_shape(g)) +
                                ", but got " + shape_str(grad_output.shape()));
  Tensor dx = empty(input_shape, weight.dtype());
  const Tensor gc = grad_output.expect_contiguous(), wc = weight.expect_contiguous();
  dispatch_floating(weight.dtype(), "conv2d_backward_input", [&](auto tag) {
    using T = decltype(tag);
    kernels::conv2d_backward_input(g, gc.data<T>(), wc.data<T>(), dx.data<T>());
  });
  if (!autograd::needs_grad({grad_output, weight})) return dx;
  // <G, Bx(gy, w)> = <conv(G, w), gy> = <Bw(G, gy), w>.
  return record(Op::conv2d_backward_input, params, {grad_output, weight}, dx,
                [sgy = save(grad_output), sw = save(weight), params, need_gy = grad_output.requires_grad(),
                 need_w = weight.requires_grad()](const Tensor& G) {
                  const Tensor& gy = sgy; const Tensor& w = sw;
                  Tensor dgy, dw;
                  if (need_gy) dgy = conv2d(G, w, {}, params);
                  if (need_w) dw = conv2d_backward_weight(G, gy, w.shape(), params);
                  return Grads{dgy, dw};
                });
}

Tensor conv2d_backward_weight(const Tensor& input, const Tensor& grad_output, const Shape& weight_shape,
                              const Conv2dParams& params) {
  check_operands("conv2d_backward_weight", input, grad_output);
  const kernels::Conv2dGeometry g = geometry(input.shape(), weight_shape, params);
  if (grad_output.shape() != output_shape(g))
    throw std::invalid_argument("conv2d_backward_weight: expected grad_output of size " + shape_str(output_shape(g)) +
                                ", but got " + shape_str(grad_output.shape()));
  Tensor dw = empty(weight_shape, input.dtype());
  const Tensor xc = input.expect_contiguous(), gc = grad_output.expect_contiguous();
  dispatch_floating(input.dtype(), "conv2d_backward_weight", [&](auto tag) {
    using T = decltype(tag);
    kernels::conv2d_backward_weight(g, xc.data<T>(), gc.data<T>(), dw.data<T>());
  });
  if (!autograd::needs_grad({input, grad_output})) return dw;
  // <H, Bw(x, gy)> = <Bx(gy, H), x> = <conv(x, H), gy>.
  return record(Op::conv2d_backward_weight, params, {input, grad_output}, dw,
                [sx = save(input), sgy = save(grad_output), params, need_x = input.requires_grad(),
                 need_gy = grad_output.requires_grad()](const Tensor& H) {
                  const Tensor& x = sx; const Tensor& gy = sgy;
                  Tensor dx, dgy;
                  if (need_x) dx = conv2d_backward_input(gy, H, x.shape(), params);
                  if (need_gy) dgy = conv2d(x, H, {}, params);
                  return Grads{dx, dgy};
                });
}

}  // namespace tapegrad
