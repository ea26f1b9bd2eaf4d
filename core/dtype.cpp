#include "dtype.hpp"

#include <stdexcept>

namespace tapegrad {

std::size_t element_size(Dtype dtype) { return dtype == kFloat32 ? 4 : 8; }

const char* dtype_name(Dtype dtype) {
  switch (dtype) {
    case Dtype::kFloat32: return "float32";
    case Dtype::kFloat64: return "float64";
    case Dtype::kInt64: return "int64";
  }
  return "unknown";
}

std::ostream& operator<<(std::ostream& os, Dtype dtype) { return os << dtype_name(dtype); }

void check_floating(Dtype dtype, const char* op) {
  if (!is_floating_point(dtype))
    throw std::invalid_argument(std::string(op) + ": expected a floating point tensor (float32 or float64) but got " +
                                dtype_name(dtype));
}

}  // namespace tapegrad
