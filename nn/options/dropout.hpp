// Options of Dropout and Dropout2d, and of their functional forms (libtorch's names).
#pragma once

#include "../../core/arg.hpp"

namespace tapegrad::nn {

struct DropoutOptions {
  DropoutOptions(double p = 0.5) : p_(p) {}  // NOLINT
  TAPEGRAD_ARG(double, p);
};

struct DropoutFuncOptions {
  TAPEGRAD_ARG(double, p) = 0.5;
  TAPEGRAD_ARG(bool, training) = true;
};

}  // namespace tapegrad::nn
