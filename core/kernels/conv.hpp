// 2-D convolution kernels on contiguous NCHW data: im2col + the one GEMM entry point (gemm.hpp).
// float32 runs oneDNN's sgemm, float64 the plain reference GEMM loop (the gradcheck path and the
// float32 test oracle). Padding may differ per side ("same" with an even kernel pads one more at the end).
#pragma once

#include <cstdint>

namespace tapegrad::kernels {

struct Conv2dGeometry {
  std::int64_t batch = 0, in_channels = 0, in_h = 0, in_w = 0;
  std::int64_t out_channels = 0, kernel_h = 0, kernel_w = 0;
  std::int64_t stride_h = 1, stride_w = 1;
  std::int64_t pad_top = 0, pad_bottom = 0, pad_left = 0, pad_right = 0;
  std::int64_t dilation_h = 1, dilation_w = 1;
  std::int64_t groups = 1;
  std::int64_t out_h = 0, out_w = 0;  // filled by finish()
  // Computes out_h / out_w from the rest.
  void finish();
};

// y (N, O, OH, OW) = conv(x (N, C, H, W), w (O, C/groups, KH, KW)); no bias.
void conv2d_forward(const Conv2dGeometry& g, const float* x, const float* w, float* y);
void conv2d_forward(const Conv2dGeometry& g, const double* x, const double* w, double* y);
// dx (N, C, H, W) from gy (N, O, OH, OW) and w: the transposed convolution.
void conv2d_backward_input(const Conv2dGeometry& g, const float* gy, const float* w, float* dx);
void conv2d_backward_input(const Conv2dGeometry& g, const double* gy, const double* w, double* dx);
// dw (O, C/groups, KH, KW) from x and gy.
void conv2d_backward_weight(const Conv2dGeometry& g, const float* x, const float* gy, float* dw);
void conv2d_backward_weight(const Conv2dGeometry& g, const double* x, const double* gy, double* dw);

}  // namespace tapegrad::kernels
