// Trains y = 2x - 1 with the installed package: proves headers, library and dependencies resolve.
#include <tapegrad/tapegrad.hpp>

#include <cmath>
#include <iostream>

namespace tg = tapegrad;

int main() {
  tg::manual_seed(0);
  const tg::Tensor x = tg::tensor({-1.0, 0.0, 1.0, 2.0}).reshape({4, 1});
  const tg::Tensor y = tg::tensor({-3.0, -1.0, 1.0, 3.0}).reshape({4, 1});
  tg::Tensor w = tg::zeros({1, 1}).requires_grad_();
  tg::Tensor b = tg::zeros({1}).requires_grad_();
  double loss_value = 0;
  for (int step = 0; step < 500; ++step) {
    w.zero_grad();
    b.zero_grad();
    tg::Tensor loss = tg::mean(tg::pow(tg::linear(x, w, b) - y, 2));
    loss.backward();
    loss_value = loss.item();
    tg::NoGradGuard no_grad;
    tg::add_(w, w.grad(), -0.1);
    tg::add_(b, b.grad(), -0.1);
  }
  std::cout << "w=" << w.item() << " b=" << b.item() << " loss=" << loss_value << "\n";
  const bool ok = std::abs(w.item() - 2) < 1e-3 && std::abs(b.item() + 1) < 1e-3;
  return ok ? 0 : 1;
}
