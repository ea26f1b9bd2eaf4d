#include "conv.hpp"

#include <cmath>
#include <stdexcept>

#include "../../core/autograd.hpp"
#include "../../core/random.hpp"
#include "../functional.hpp"

namespace tapegrad::nn {

Conv2d::Conv2d(const Conv2dOptions& options_) : options(options_) {
  const auto& o = options;
  if (o.in_channels() <= 0 || o.out_channels() <= 0 || o.groups() <= 0)
    throw std::invalid_argument("Conv2d: in_channels, out_channels and groups must be positive, got " +
                                std::to_string(o.in_channels()) + ", " + std::to_string(o.out_channels()) + " and " +
                                std::to_string(o.groups()));
  if (o.in_channels() % o.groups() != 0) throw std::invalid_argument("in_channels must be divisible by groups");
  if (o.out_channels() % o.groups() != 0) throw std::invalid_argument("out_channels must be divisible by groups");
  if (o.padding().is_mode() && o.padding().mode() != "same" && o.padding().mode() != "valid")
    throw std::invalid_argument("Invalid padding string '" + o.padding().mode() + "', should be one of {'valid', 'same'}");
  if (o.padding().is_mode() && o.padding().mode() == "same" && (o.stride()[0] != 1 || o.stride()[1] != 1))
    throw std::invalid_argument("padding='same' is not supported for strided convolutions");
  weight = register_parameter("weight", empty({o.out_channels(), o.in_channels() / o.groups(), o.kernel_size()[0], o.kernel_size()[1]}));
  if (o.bias()) bias = register_parameter("bias", empty({o.out_channels()}));
  reset_parameters();
}

void Conv2d::reset_parameters() {
  // kaiming_uniform_(a = sqrt(5)) reduces to U(±1/sqrt(fan_in)); the bias uses the same bound.
  const auto fan_in = static_cast<double>(weight.shape()[1] * weight.shape()[2] * weight.shape()[3]);
  const double bound = fan_in > 0 ? 1.0 / std::sqrt(fan_in) : 0.0;
  NoGradGuard no_grad;
  weight.copy_(uniform(weight.shape(), -bound, bound, weight.dtype()));
  if (bias.defined()) bias.copy_(uniform(bias.shape(), -bound, bound, bias.dtype()));
}

Tensor Conv2d::forward(const Tensor& input) const {
  return functional::conv2d(input, weight,
                            Conv2dFuncOptions()
                                .bias(bias)
                                .stride(options.stride())
                                .padding(options.padding())
                                .dilation(options.dilation())
                                .groups(options.groups()));
}

std::string Conv2d::repr() const {
  const auto& o = options;
  std::string s = "Conv2d(" + std::to_string(o.in_channels()) + ", " + std::to_string(o.out_channels()) +
                  ", kernel_size=" + tuple_str(o.kernel_size()) + ", stride=" + tuple_str(o.stride());
  if (o.padding().is_mode()) s += ", padding=" + o.padding().mode();
  else if (o.padding().size() != ExpandingArray<2>(0)) s += ", padding=" + tuple_str(o.padding().size());
  if (o.dilation() != ExpandingArray<2>(1)) s += ", dilation=" + tuple_str(o.dilation());
  if (o.groups() != 1) s += ", groups=" + std::to_string(o.groups());
  if (!o.bias()) s += ", bias=false";
  return s + ")";
}

}  // namespace tapegrad::nn
