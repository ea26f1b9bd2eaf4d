#include "activation.hpp"

#include <cmath>
#include <sstream>

namespace tapegrad::nn::detail {

std::string format_number(double v) {
  std::ostringstream s;
  s.precision(12);
  s << v;
  std::string out = s.str();
  if (std::isfinite(v) && out.find_first_of(".e") == std::string::npos) out += ".0";
  return out;
}

}  // namespace tapegrad::nn::detail
