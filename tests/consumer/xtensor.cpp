// The opt-in xtensor bridge from the installed package: <tapegrad/xtensor.hpp> with tapegrad::xtensor.
#include <tapegrad/tapegrad.hpp>
#include <tapegrad/xtensor.hpp>

#include <iostream>

namespace tg = tapegrad;

int main() {
  tg::Tensor t = tg::from_xtensor(xt::xarray<double>{{1.0, 2.0}, {3.0, 4.0}} * 2.0);
  tg::values<double>(t)(1, 1) = -1.0;  // writes go to the tensor's storage
  t.bump_version();
  const double sum = tg::sum(t).item();
  std::cout << "sum=" << sum << "\n";
  return sum == 11.0 ? 0 : 1;
}
