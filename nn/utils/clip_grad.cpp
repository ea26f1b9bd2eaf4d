#include "clip_grad.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace tapegrad::nn::utils {
namespace {

std::vector<Tensor> grads_of(const std::vector<Tensor>& parameters) {
  std::vector<Tensor> out;
  for (const Tensor& p : parameters) {
    if (!p.defined()) throw std::invalid_argument("clip_grad: got an undefined parameter");
    if (p.grad().defined()) out.push_back(p.grad());
  }
  return out;
}

// ‖g‖_p of one gradient, accumulated in double (∞: the largest magnitude).
double norm_of(const Tensor& g, double p) {
  return dispatch_floating(g.dtype(), "clip_grad_norm_", [&](auto tag) {
    using T = decltype(tag);
    const T* d = g.data<T>();
    double acc = 0;
    if (std::isinf(p)) {
      for (std::int64_t i = 0; i < g.numel(); ++i) acc = std::max(acc, std::abs(static_cast<double>(d[i])));
      return acc;
    }
    for (std::int64_t i = 0; i < g.numel(); ++i) acc += std::pow(std::abs(static_cast<double>(d[i])), p);
    return std::pow(acc, 1.0 / p);
  });
}

}  // namespace

double clip_grad_norm_(const std::vector<Tensor>& parameters, double max_norm, double norm_type, bool error_if_nonfinite) {
  const auto grads = grads_of(parameters);
  if (grads.empty()) return 0.0;
  double total = 0;
  if (std::isinf(norm_type)) {
    for (const Tensor& g : grads) total = std::max(total, norm_of(g, norm_type));
  } else {
    for (const Tensor& g : grads) total += std::pow(norm_of(g, norm_type), norm_type);
    total = std::pow(total, 1.0 / norm_type);
  }
  if (error_if_nonfinite && !std::isfinite(total))
    throw std::runtime_error("The total norm of order " + std::to_string(norm_type) +
                             " for gradients from `parameters` is non-finite, so it cannot be clipped. To disable this "
                             "error and scale the gradients by the non-finite norm anyway, set `error_if_nonfinite = false`");
  const double coef = std::min(max_norm / (total + 1e-6), 1.0);
  for (const Tensor& g : grads) {
    dispatch_floating(g.dtype(), "clip_grad_norm_", [&](auto tag) {
      using T = decltype(tag);
      T* d = const_cast<Tensor&>(g).data<T>();
      const T c = static_cast<T>(coef);
      for (std::int64_t i = 0; i < g.numel(); ++i) d[i] *= c;
    });
    g.bump_version();
  }
  return total;
}

double clip_grad_norm_(const Tensor& parameter, double max_norm, double norm_type, bool error_if_nonfinite) {
  return clip_grad_norm_(std::vector<Tensor>{parameter}, max_norm, norm_type, error_if_nonfinite);
}

void clip_grad_value_(const std::vector<Tensor>& parameters, double clip_value) {
  for (const Tensor& g : grads_of(parameters)) {
    dispatch_floating(g.dtype(), "clip_grad_value_", [&](auto tag) {
      using T = decltype(tag);
      T* d = const_cast<Tensor&>(g).data<T>();
      const T hi = static_cast<T>(clip_value), lo = static_cast<T>(-clip_value);
      for (std::int64_t i = 0; i < g.numel(); ++i) d[i] = std::clamp(d[i], lo, hi);
    });
    g.bump_version();
  }
}

void clip_grad_value_(const Tensor& parameter, double clip_value) {
  clip_grad_value_(std::vector<Tensor>{parameter}, clip_value);
}

}  // namespace tapegrad::nn::utils
