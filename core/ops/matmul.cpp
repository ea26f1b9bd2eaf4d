// Matrix products through the single GEMM entry point (kernels/gemm.hpp). Operands are read through
// their strides: a matrix whose rows or columns are unit-stride is passed as it is (a transposed view is
// the GEMM's trans flag and a leading dimension, never a copy); only other layouts are copied first.
// Batch dimensions broadcast with stride 0, so a broadcast operand is never materialised either.
#include <omp.h>

#include <stdexcept>
#include <string>

#include "../kernels/gemm.hpp"
#include "../threads.hpp"
#include "common.hpp"

namespace tapegrad {

namespace {

void check_pair(const char* op, const Tensor& a, const Tensor& b) {
  check_defined(op, a);
  check_defined(op, b);
  check_same_dtype(op, a, b);
  check_floating(a.dtype(), op);
}

[[noreturn]] void cannot_multiply(std::int64_t r1, std::int64_t c1, std::int64_t r2, std::int64_t c2) {
  throw std::invalid_argument("mat1 and mat2 shapes cannot be multiplied (" + std::to_string(r1) + "x" +
                              std::to_string(c1) + " and " + std::to_string(r2) + "x" + std::to_string(c2) + ")");
}

// How the GEMM reads the last two dims (rows, cols) of x: row-major with leading dimension ld, or
// column-major (the transpose of a row-major matrix) with leading dimension ld. Size-1 dims have any
// stride, so they are read as whichever fits.
struct MatrixLayout {
  bool usable = false, trans = false;
  std::int64_t ld = 1;
};
MatrixLayout matrix_layout(const Tensor& x) {
  const std::int64_t rows = x.size(-2), cols = x.size(-1);
  // Row-major: (i, j) at i·ld + j.
  const std::int64_t rs = rows == 1 ? std::max<std::int64_t>(cols, 1) : x.stride(-2);
  const std::int64_t cs = cols == 1 ? 1 : x.stride(-1);
  if (cs == 1 && rs >= std::max<std::int64_t>(cols, 1)) return {true, false, rs};
  // Column-major: (i, j) at i + j·ld.
  const std::int64_t rs_t = rows == 1 ? 1 : x.stride(-2);
  const std::int64_t cs_t = cols == 1 ? std::max<std::int64_t>(rows, 1) : x.stride(-1);
  if (rs_t == 1 && cs_t >= std::max<std::int64_t>(rows, 1)) return {true, true, cs_t};
  return {};
}

// x itself when the GEMM can read its matrices, else a row-major copy. Batch dims keep their strides.
Tensor gemm_readable(const Tensor& x) {
  if (x.numel() == 0 || matrix_layout(x).usable) return x;
  return contiguous(x);
}

// out = a · b for a (..., n, k) and b (..., k, m) whose batch dims broadcast to out's (..., n, m); out is
// row-major. Products too small for two threads run one per thread over the batch.
void batched_gemm(const Tensor& a0, const Tensor& b0, const Tensor& out) {
  const Tensor a = gemm_readable(a0), b = gemm_readable(b0);
  const std::int64_t n = out.size(-2), m = out.size(-1), k = a.size(-1);
  if (out.numel() == 0) return;
  const Shape batch(out.shape().begin(), out.shape().end() - 2);
  const Shape a_batch(a.shape().begin(), a.shape().end() - 2), b_batch(b.shape().begin(), b.shape().end() - 2);
  // Batch strides of each operand over out's batch dims (0 where broadcast).
  auto batch_strides = [&](const Tensor& t, const Shape& own) {
    Strides s(batch.size(), 0);
    const Strides ts = t.strides();
    const std::size_t lead = batch.size() - own.size();
    for (std::size_t i = 0; i < own.size(); ++i)
      if (own[i] != 1) s[lead + i] = ts[i];
    return s;
  };
  const Strides a_bs = batch_strides(a, a_batch), b_bs = batch_strides(b, b_batch);
  const MatrixLayout la = matrix_layout(a), lb = matrix_layout(b);
  // Offsets of every product's operands, in batch order.
  const std::int64_t count = shape_numel(batch);
  std::vector<std::int64_t> a_off, b_off;
  a_off.reserve(static_cast<std::size_t>(count));
  b_off.reserve(static_cast<std::size_t>(count));
  detail::for_each_offset<2>(batch, {a_bs, b_bs}, [&](const auto& o) {
    a_off.push_back(o[0]);
    b_off.push_back(o[1]);
  });
  if (batch.empty()) a_off = b_off = {0};
  dispatch_floating(out.dtype(), "matmul", [&](auto tag) {
    using T = decltype(tag);
    const T* pa = a.data_ptr<T>();
    const T* pb = b.data_ptr<T>();
    T* po = out.data_ptr<T>();
    auto product = [&](std::int64_t i) {
      kernels::gemm(la.trans, lb.trans, n, m, k, T{1}, pa + a_off[static_cast<std::size_t>(i)], la.ld,
                    pb + b_off[static_cast<std::size_t>(i)], lb.ld, T{0}, po + i * n * m, m);
    };
    const auto products = static_cast<std::int64_t>(a_off.size());
    // One product per thread when each is too small to split (kernels::gemm then runs on its caller's
    // thread alone); which kernel runs depends only on the shapes, so the bits do not depend on threads.
    if (products > 1 && n * m * k < (1 << 20) && get_num_threads() > 1) {
      const detail::FixedThreadCount fixed;  // as every parallel region (core/threads.hpp)
#pragma omp parallel for num_threads(get_num_threads()) schedule(static)
      for (std::int64_t i = 0; i < products; ++i) product(i);
    } else {
      for (std::int64_t i = 0; i < products; ++i) product(i);
    }
  });
}

Shape batch_shape(const Tensor& x) { return Shape(x.shape().begin(), x.shape().end() - 2); }

// The product of a (..., n, k) and b (..., k, m), at least 2-D each, batch dims broadcast: one tape
// entry whose backward is the same op on transposed views, summed back over broadcast batch dims.
Tensor batched_matmul(const Tensor& a, const Tensor& b) {
  const std::int64_t k = a.size(-1);
  if (b.size(-2) != k && a.dim() == 2 && b.dim() == 2) cannot_multiply(a.size(0), a.size(1), b.size(0), b.size(1));
  Shape out_shape = broadcast_shapes(batch_shape(a), batch_shape(b));
  if (b.size(-2) != k)  // PyTorch's words, its batch flattened
    throw std::invalid_argument("Expected size for first two dimensions of batch2 tensor to be: [" +
                                std::to_string(shape_numel(out_shape)) + ", " + std::to_string(k) + "] but got: [" +
                                std::to_string(shape_numel(out_shape)) + ", " + std::to_string(b.size(-2)) +
                                "]. (matmul of " + shape_str(a.shape()) + " and " + shape_str(b.shape()) + ")");
  out_shape.push_back(a.size(-2));
  out_shape.push_back(b.size(-1));
  Tensor y = empty(out_shape, a.dtype());
  if (k == 0) y.zero_();
  else batched_gemm(a, b, y);
  if (!autograd::needs_grad({a, b})) return y;
  // PyTorch's names: MmBackward0 for two matrices, BmmBackward0 with batch dims.
  return record(a.dim() == 2 && b.dim() == 2 ? Op::mm : Op::bmm, {a, b}, y, [sa = save(a), sb = save(b), need_a = a.requires_grad(), need_b = b.requires_grad()](const Tensor& g) {
    const Tensor a = sa, b = sb;
    return Grads{need_a ? sum_to(batched_matmul(g, transpose(b, -1, -2)), a.shape()) : Tensor(),
                 need_b ? sum_to(batched_matmul(transpose(a, -1, -2), g), b.shape()) : Tensor()};
  });
}

}  // namespace

// torch.matmul's rules: 1-D x 1-D is a dot product; a 1-D operand gains a dim of 1 (first for the left,
// last for the right) that the result drops; otherwise batch dims broadcast. An N-D left operand times a
// matrix or vector folds its batch dims into the rows (one GEMM), as PyTorch.
Tensor matmul(const Tensor& a, const Tensor& b) {
  check_pair("matmul", a, b);
  if (a.dim() == 0 || b.dim() == 0)
    throw std::invalid_argument("both arguments to matmul need to be at least 1D, but they are " + std::to_string(a.dim()) +
                                "D and " + std::to_string(b.dim()) + "D");
  if (a.dim() == 1 && b.dim() == 1) {
    if (a.numel() != b.numel())
      throw std::invalid_argument("inconsistent tensor size, expected tensor [" + std::to_string(a.numel()) +
                                  "] and src [" + std::to_string(b.numel()) +
                                  "] to have the same number of elements, but got " + std::to_string(a.numel()) +
                                  " and " + std::to_string(b.numel()) + " elements respectively");
    return squeeze(squeeze(batched_matmul(unsqueeze(a, 0), unsqueeze(b, 1)), 1), 0);
  }
  if (a.dim() == 1) {
    if (a.numel() != b.size(-2)) cannot_multiply(1, a.numel(), b.size(-2), b.size(-1));
    return squeeze(batched_matmul(unsqueeze(a, 0), b), -2);
  }
  if (b.dim() == 1) {
    if (a.size(-1) != b.numel()) cannot_multiply(a.numel() / std::max<std::int64_t>(a.size(-1), 1), a.size(-1), b.numel(), 1);
    if (a.dim() > 2) {  // fold the batch into the rows
      Shape out(a.shape().begin(), a.shape().end() - 1);
      return reshape(squeeze(batched_matmul(reshape(a, {-1, a.size(-1)}), unsqueeze(b, 1)), 1), out);
    }
    return squeeze(batched_matmul(a, unsqueeze(b, 1)), -1);
  }
  if (a.dim() > 2 && b.dim() == 2) {  // fold the batch into the rows
    if (a.size(-1) != b.size(0)) cannot_multiply(a.numel() / std::max<std::int64_t>(a.size(-1), 1), a.size(-1), b.size(0), b.size(1));
    Shape out(a.shape().begin(), a.shape().end() - 1);
    out.push_back(b.size(1));
    return reshape(batched_matmul(reshape(a, {-1, a.size(-1)}), b), out);
  }
  return batched_matmul(a, b);
}

Tensor mm(const Tensor& a, const Tensor& b) {
  check_pair("mm", a, b);
  if (a.dim() != 2) throw std::invalid_argument("self must be a matrix (mm got " + shape_str(a.shape()) + ")");
  if (b.dim() != 2) throw std::invalid_argument("mat2 must be a matrix (mm got " + shape_str(b.shape()) + ")");
  return batched_matmul(a, b);
}

Tensor bmm(const Tensor& a, const Tensor& b) {
  check_pair("bmm", a, b);
  if (a.dim() != 3) throw std::invalid_argument("batch1 must be a 3D tensor (bmm got " + shape_str(a.shape()) + ")");
  if (b.dim() != 3) throw std::invalid_argument("batch2 must be a 3D tensor (bmm got " + shape_str(b.shape()) + ")");
  if (b.size(0) != a.size(0) || b.size(1) != a.size(2))
    throw std::invalid_argument("Expected size for first two dimensions of batch2 tensor to be: [" + std::to_string(a.size(0)) +
                                ", " + std::to_string(a.size(2)) + "] but got: [" + std::to_string(b.size(0)) + ", " +
                                std::to_string(b.size(1)) + "].");
  return batched_matmul(a, b);
}

// beta * input + alpha * (batch1 @ batch2), composed (as PyTorch, beta = 0 ignores input, NaN included).
Tensor baddbmm(const Tensor& input, const Tensor& batch1, const Tensor& batch2, const Scalar& beta, const Scalar& alpha) {
  check_pair("baddbmm", input, batch1);
  Tensor product = bmm(batch1, batch2);
  if (!is_expandable_to(input.shape(), product.shape()))
    throw std::invalid_argument("baddbmm: input of shape " + shape_str(input.shape()) +
                                " does not broadcast to the product's shape " + shape_str(product.shape()));
  if (alpha.to_double() != 1) product = mul(product, alpha);
  if (beta.to_double() == 0) return add(product, zeros(input.shape(), input.dtype()));
  return add(beta.to_double() == 1 ? input : mul(input, beta), product);
}

Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias) {
  check_pair("linear", x, weight);
  if (weight.dim() != 2) throw std::invalid_argument("linear: weight must be 2-D, got " + shape_str(weight.shape()));
  if (x.dim() == 0) throw std::invalid_argument("linear: input must have at least 1 dimension, got a 0-d tensor");
  const std::int64_t out_features = weight.shape()[0], in_features = weight.shape()[1];
  std::int64_t rows = 1;  // product of the leading dims (not numel / in_features: in_features may be 0)
  for (std::size_t d = 0; d + 1 < x.shape().size(); ++d) rows *= x.shape()[d];
  if (x.shape().back() != in_features) cannot_multiply(x.dim() == 1 ? 1 : rows, x.shape().back(), in_features, out_features);
  if (bias.defined()) {
    check_pair("linear", x, bias);
    if (bias.shape() != Shape{out_features})
      throw std::invalid_argument("linear: bias of shape " + shape_str(bias.shape()) + " does not match weight " +
                                  shape_str(weight.shape()));
  }
  const Tensor x2 = reshape(x.detach(), {rows, in_features});
  Tensor y = empty({rows, out_features}, x.dtype());
  if (bias.defined()) {
    const Tensor b = bias.contiguous();
    dispatch_floating(x.dtype(), "linear", [&](auto tag) {
      using T = decltype(tag);
      T* py = y.data<T>();
      const T* pb = b.data<T>();
      for (std::int64_t r = 0; r < rows; ++r) std::copy_n(pb, out_features, py + r * out_features);
    });
  }
  // y (+)= x Wᵀ: the transposed weight is a view the GEMM reads as its trans flag.
  if (in_features > 0 && rows > 0 && out_features > 0) {
    const Tensor a = gemm_readable(x2), w = gemm_readable(weight);
    const MatrixLayout la = matrix_layout(a), lw = matrix_layout(w);
    dispatch_floating(x.dtype(), "linear", [&](auto tag) {
      using T = decltype(tag);
      kernels::gemm(la.trans, !lw.trans, rows, out_features, in_features, T{1}, a.data_ptr<T>(), la.ld,
                    w.data_ptr<T>(), lw.ld, bias.defined() ? T{1} : T{0}, y.data<T>(), out_features);
    });
  } else if (!bias.defined()) {
    y.zero_();
  }
  Shape out_shape = x.shape();
  out_shape.back() = out_features;
  y = y.reshape(out_shape);
  if (!autograd::needs_grad({x, weight, bias})) return y;
  return record(Op::linear, {x, weight, bias}, y,
                [sx = save(x), sw = save(weight), rows, need_x = x.requires_grad(), need_w = weight.requires_grad(),
                 need_b = bias.defined() && bias.requires_grad()](const Tensor& g) {
                  const Tensor w = sw, x = sx;
                  const Tensor g2 = reshape(g, {rows, w.shape()[0]});
                  return Grads{need_x ? reshape(batched_matmul(g2, w), x.shape()) : Tensor(),
                               need_w ? batched_matmul(t(g2), reshape(x, {rows, w.shape()[1]})) : Tensor(),
                               need_b ? sum(g2, {0}) : Tensor()};
                });
}

}  // namespace tapegrad
