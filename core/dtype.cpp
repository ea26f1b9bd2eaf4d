#include "dtype.hpp"

#include <stdexcept>

namespace tapegrad {

std::ostream& operator<<(std::ostream& os, Dtype dtype) { return os << dtype_name(dtype); }

namespace detail {
void throw_invalid_dtype(Dtype dtype) {
  throw std::invalid_argument("invalid dtype value " + std::to_string(static_cast<int>(dtype)) + " (not a row of the dtype table)");
}
}  // namespace detail

namespace {
// "float32 or float64": the floating rows of the table, for the message below.
std::string floating_dtype_names() {
  std::string names;
  std::size_t left = 0;
  for (Dtype d : kAllDtypes) left += is_floating_point(d);
  for (Dtype d : kAllDtypes) {
    if (!is_floating_point(d)) continue;
    names += dtype_name(d);
    --left;
    names += left > 1 ? ", " : left == 1 ? " or " : "";
  }
  return names;
}
}  // namespace

void throw_not_floating(Dtype dtype, const char* op) {
  throw std::invalid_argument(std::string(op) + ": expected a floating point tensor (" + floating_dtype_names() +
                              ") but got " + dtype_name(dtype));
}

}  // namespace tapegrad
