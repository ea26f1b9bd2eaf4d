#include "dropout.hpp"

#include <cstdio>
#include <stdexcept>

#include "../functional.hpp"

namespace tapegrad::nn {

namespace {
void check_p(double p) {
  if (p < 0 || p > 1)
    throw std::invalid_argument("dropout probability has to be between 0 and 1, but got " + std::to_string(p));
}
std::string p_str(double p) {
  char s[32];
  std::snprintf(s, sizeof s, "%g", p);
  return s;
}
}  // namespace

Dropout::Dropout(const DropoutOptions& options_) : options(options_) { check_p(options.p()); }
Tensor Dropout::forward(const Tensor& input) const {
  return functional::dropout(input, DropoutFuncOptions().p(options.p()).training(is_training()));
}
std::string Dropout::repr() const { return "Dropout(p=" + p_str(options.p()) + ")"; }

Dropout2d::Dropout2d(const DropoutOptions& options_) : options(options_) { check_p(options.p()); }
Tensor Dropout2d::forward(const Tensor& input) const {
  return functional::dropout2d(input, DropoutFuncOptions().p(options.p()).training(is_training()));
}
std::string Dropout2d::repr() const { return "Dropout2d(p=" + p_str(options.p()) + ")"; }

}  // namespace tapegrad::nn
