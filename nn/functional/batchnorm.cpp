// batch_norm, composed of differentiable core ops (so its gradients, and gradients of those, come from
// the parts); only the running-statistics update is done by hand, outside the graph.
#include <stdexcept>
#include <string>

#include "../../core/autograd.hpp"
#include "../../core/ops.hpp"
#include "../../core/random.hpp"
#include "../functional.hpp"

namespace tapegrad::nn::functional {

namespace {

// A per-channel vector (C) shaped to broadcast against input: (1, C, 1, ...).
Tensor per_channel(const Tensor& v, const Tensor& input) {
  Shape s(static_cast<std::size_t>(input.dim()), 1);
  s[1] = input.shape()[1];
  return reshape(v, s);
}

void check_channel_vector(const Tensor& v, std::int64_t channels, const char* name) {
  if (v.defined() && v.numel() != channels)
    throw std::invalid_argument(std::string(name) + " should contain " + std::to_string(channels) + " elements not " +
                                std::to_string(v.numel()));
}

}  // namespace

Tensor batch_norm(const Tensor& input, const Tensor& running_mean, const Tensor& running_var,
                  const BatchNormFuncOptions& options) {
  if (!input.defined() || input.dim() < 2)
    throw std::invalid_argument("batch_norm: expected an input of at least 2 dimensions (N, C, ...), but got " +
                                (input.defined() ? shape_str(input.shape()) : std::string("an undefined tensor")));
  check_floating(input.dtype(), "batch_norm");
  const std::int64_t channels = input.shape()[1];
  check_channel_vector(running_mean, channels, "running_mean");
  check_channel_vector(running_var, channels, "running_var");
  check_channel_vector(options.weight(), channels, "weight");
  check_channel_vector(options.bias(), channels, "bias");
  std::vector<std::int64_t> dims{0};
  for (std::int64_t d = 2; d < input.dim(); ++d) dims.push_back(d);

  Tensor normalised;
  if (options.training()) {
    const std::int64_t count = channels ? input.numel() / channels : 0;
    if (count <= 1)
      throw std::invalid_argument("Expected more than 1 value per channel when training, got input size " +
                                  shape_str(input.shape()));
    const Tensor mean = tapegrad::mean(input, dims, true);
    const Tensor centred = input - mean;
    const Tensor var = tapegrad::mean(centred * centred, dims, true);  // biased: normalises the batch
    normalised = centred / sqrt(var + options.eps());
    if (running_mean.defined() || running_var.defined()) {
      NoGradGuard no_grad;
      const double m = options.momentum();
      if (running_mean.defined())
        Tensor(running_mean).copy_(running_mean * (1 - m) + mean.detach().reshape({channels}).to(running_mean.dtype()) * m);
      if (running_var.defined()) {  // unbiased: estimates the population
        const Tensor unbiased = var.detach().reshape({channels}) * (static_cast<double>(count) / static_cast<double>(count - 1));
        Tensor(running_var).copy_(running_var * (1 - m) + unbiased.to(running_var.dtype()) * m);
      }
    }
  } else {
    if (!running_mean.defined() || !running_var.defined())
      throw std::invalid_argument("batch_norm: running_mean and running_var must be defined when not training");
    normalised = (input - per_channel(running_mean, input)) / sqrt(per_channel(running_var, input) + options.eps());
  }
  if (options.weight().defined()) normalised = normalised * per_channel(options.weight(), input);
  if (options.bias().defined()) normalised = normalised + per_channel(options.bias(), input);
  return normalised;
}

}  // namespace tapegrad::nn::functional
