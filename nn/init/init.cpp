#include "init.hpp"

#include <cmath>
#include <stdexcept>

#include "../../core/autograd.hpp"
#include "../../core/ops.hpp"
#include "../../core/random.hpp"

namespace tapegrad::nn::init {
namespace {

Tensor checked(Tensor t, const char* op) {
  if (!t.defined()) throw std::invalid_argument(std::string(op) + ": got an undefined tensor");
  check_floating(t.dtype(), op);
  return t;
}

// Writes `values` into `t` without recording (PyTorch's init functions run under no_grad).
Tensor assign(Tensor t, const Tensor& values) {
  NoGradGuard no_grad;
  t.copy_(values);
  return t;
}

double fan(const Tensor& t, const std::string& mode) {
  const auto [fan_in, fan_out] = calculate_fan_in_and_fan_out(t);
  if (mode == "fan_in") return static_cast<double>(fan_in);
  if (mode == "fan_out") return static_cast<double>(fan_out);
  throw std::invalid_argument("Mode " + mode + " not supported, please use one of fan_in, fan_out");
}

}  // namespace

double calculate_gain(const std::string& n, std::optional<double> param) {
  if (n == "linear" || n == "conv1d" || n == "conv2d" || n == "conv3d" || n == "conv_transpose1d" ||
      n == "conv_transpose2d" || n == "conv_transpose3d" || n == "sigmoid")
    return 1;
  if (n == "tanh") return 5.0 / 3;
  if (n == "relu") return std::sqrt(2.0);
  if (n == "leaky_relu") {
    const double slope = param.value_or(0.01);
    return std::sqrt(2.0 / (1 + slope * slope));
  }
  if (n == "selu") return 3.0 / 4;
  throw std::invalid_argument("Unsupported nonlinearity " + n);
}

std::pair<std::int64_t, std::int64_t> calculate_fan_in_and_fan_out(const Tensor& t) {
  if (t.dim() < 2)
    throw std::invalid_argument("Fan in and fan out can not be computed for tensor with fewer than 2 dimensions");
  std::int64_t receptive = 1;
  for (std::int64_t d = 2; d < t.dim(); ++d) receptive *= t.size(d);
  return {t.size(1) * receptive, t.size(0) * receptive};
}

Tensor uniform_(Tensor t, double a, double b) {
  checked(t, "uniform_");
  return assign(t, uniform(t.shape(), a, b, t.dtype()));
}

Tensor normal_(Tensor t, double mean, double std) {
  checked(t, "normal_");
  NoGradGuard no_grad;
  return assign(t, randn(t.shape(), t.dtype()) * std + mean);
}

Tensor constant_(Tensor t, double value) {
  checked(t, "constant_");
  NoGradGuard no_grad;
  t.fill_(value);
  return t;
}
Tensor zeros_(Tensor t) { return constant_(std::move(t), 0); }
Tensor ones_(Tensor t) { return constant_(std::move(t), 1); }

Tensor eye_(Tensor t) {
  checked(t, "eye_");
  if (t.dim() != 2) throw std::invalid_argument("Only tensors with 2 dimensions are supported");
  Tensor values = zeros(t.shape(), kFloat64);
  double* v = values.data<double>();
  for (std::int64_t i = 0; i < std::min(t.size(0), t.size(1)); ++i) v[i * t.size(1) + i] = 1;
  return assign(t, values);
}

Tensor xavier_uniform_(Tensor t, double gain) {
  checked(t, "xavier_uniform_");
  const auto [fan_in, fan_out] = calculate_fan_in_and_fan_out(t);
  const double std = gain * std::sqrt(2.0 / static_cast<double>(fan_in + fan_out));
  const double a = std::sqrt(3.0) * std;
  return uniform_(t, -a, a);
}

Tensor xavier_normal_(Tensor t, double gain) {
  checked(t, "xavier_normal_");
  const auto [fan_in, fan_out] = calculate_fan_in_and_fan_out(t);
  return normal_(t, 0, gain * std::sqrt(2.0 / static_cast<double>(fan_in + fan_out)));
}

Tensor kaiming_uniform_(Tensor t, double a, const std::string& mode, const std::string& nonlinearity) {
  checked(t, "kaiming_uniform_");
  const double std = calculate_gain(nonlinearity, a) / std::sqrt(fan(t, mode));
  const double bound = std::sqrt(3.0) * std;
  return uniform_(t, -bound, bound);
}

Tensor kaiming_normal_(Tensor t, double a, const std::string& mode, const std::string& nonlinearity) {
  checked(t, "kaiming_normal_");
  return normal_(t, 0, calculate_gain(nonlinearity, a) / std::sqrt(fan(t, mode)));
}

}  // namespace tapegrad::nn::init
