// Argument checks shared by every layer, so a mistake reads the same wherever it is made.
#include <stdexcept>
#include <string>

#include "tensor.hpp"

namespace tapegrad {
void check_defined(const char* op, const Tensor& t);  // declared in ops/common.hpp
}

namespace tapegrad {

void check_defined(const char* op, const Tensor& t) {
  if (!t.defined()) throw std::invalid_argument(std::string(op) + ": operation on an undefined tensor: " + t.why_undefined());
}

void check_same_dtype(const char* op, const Tensor& a, const Tensor& b, const char* names) {
  check_defined(op, a);
  check_defined(op, b);
  if (a.dtype() == b.dtype()) return;
  throw std::invalid_argument(std::string(op) + ": expected " + names + " to have the same dtype, but got " +
                              dtype_name(a.dtype()) + " and " + dtype_name(b.dtype()));
}

}  // namespace tapegrad
