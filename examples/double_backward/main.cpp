// Second derivatives with create_graph: a Hessian-vector product, checked against finite differences
// of the gradient and against gradgradcheck, then a few training steps of a small network whose loss
// carries a gradient penalty λ·‖∂loss/∂x‖² (the penalty's gradient needs the gradient's gradient).
// Exits non-zero if a check fails or the penalised loss does not go down.
#include <cmath>
#include <iostream>
#include <vector>

#include <tapegrad/tapegrad.hpp>

namespace tg = tapegrad;
namespace ag = tapegrad::autograd;
namespace F = tapegrad::nn::functional;

namespace {

// A two-layer tanh network: smooth, so its second derivatives are interesting everywhere.
struct Net {
  tg::Tensor w1, b1, w2, b2;
  explicit Net(tg::Dtype dtype)
      : w1((tg::randn({8, 3}, dtype) * 0.5).requires_grad_()), b1(tg::zeros({8}, dtype).requires_grad_()),
        w2((tg::randn({1, 8}, dtype) * 0.5).requires_grad_()), b2(tg::zeros({1}, dtype).requires_grad_()) {}
  std::vector<tg::Tensor> parameters() const { return {w1, b1, w2, b2}; }
  tg::Tensor operator()(const tg::Tensor& x) const { return tg::linear(tg::tanh(tg::linear(x, w1, b1)), w2, b2); }
};

double max_abs_diff(const tg::Tensor& a, const tg::Tensor& b) {
  double worst = 0;
  const auto va = tg::to_vector<double>(a), vb = tg::to_vector<double>(b);
  for (std::size_t i = 0; i < va.size(); ++i) worst = std::max(worst, std::abs(va[i] - vb[i]));
  return worst;
}

}  // namespace

int main() {
  tg::manual_seed(0);
  bool ok = true;

  // 1. Hessian-vector product of loss(w1): H·v = ∂(∇loss · v)/∂w1, two backward passes.
  Net net(tg::kFloat64);
  const tg::Tensor x = tg::randn({16, 3}, tg::kFloat64), y = tg::randn({16, 1}, tg::kFloat64);
  auto loss_of = [&](const tg::Tensor& w1) {
    return F::mse_loss(tg::linear(tg::tanh(tg::linear(x, w1, net.b1)), net.w2, net.b2), y);
  };
  const tg::Tensor v = tg::randn(net.w1.shape(), tg::kFloat64);
  const tg::Tensor g = ag::grad({loss_of(net.w1)}, {net.w1}, {}, std::nullopt, /*create_graph=*/true)[0];
  const tg::Tensor hv = ag::grad({(g * v).sum()}, {net.w1})[0];
  // Central differences of the gradient along v.
  const double eps = 1e-6;
  auto grad_at = [&](double step) {
    tg::Tensor w = (net.w1.detach() + v * step).requires_grad_();
    return ag::grad({loss_of(w)}, {w})[0];
  };
  const tg::Tensor numeric = (grad_at(eps) - grad_at(-eps)) / (2 * eps);
  const double hv_error = max_abs_diff(hv, numeric);
  std::cout << "Hessian-vector product: max |Hv - finite differences| = " << hv_error << "\n";
  ok = ok && hv_error < 1e-6;
  const auto check = tg::gradgradcheck([&](const std::vector<tg::Tensor>& in) { return loss_of(in[0]); },
                                       {net.w1.detach().clone().requires_grad_()}, {},
                                       tg::GradcheckOptions().raise_exception(false));
  std::cout << check.message << "\n\n";
  ok = ok && check.passed;

  // 2. Training with a gradient penalty (float32): loss + λ·‖∂loss/∂x‖².
  Net model(tg::kFloat32);
  const tg::Tensor inputs = tg::randn({64, 3}), targets = tg::tanh(tg::randn({64, 1}));
  const double lambda = 0.1, lr = 0.1;
  double first = 0, last = 0;
  for (int step = 0; step < 20; ++step) {
    tg::Tensor xin = inputs.detach().requires_grad_();
    const tg::Tensor loss = F::mse_loss(model(xin), targets);
    const tg::Tensor dx = ag::grad({loss}, {xin}, {}, std::nullopt, /*create_graph=*/true)[0];
    const tg::Tensor penalty = (dx * dx).sum();
    const tg::Tensor total = loss + penalty * lambda;
    for (auto& p : model.parameters()) p.set_grad({});
    total.backward();  // through the penalty's recorded backward too
    {
      tg::NoGradGuard no_grad;
      for (auto& p : model.parameters()) {
        tg::Tensor value = p;
        tg::add_(value, p.grad(), -lr);
      }
    }
    if (step == 0) first = total.item();
    last = total.item();
    if (step % 5 == 0 || step == 19)
      std::cout << "step " << step << ": loss " << loss.item() << ", penalty " << penalty.item() << ", total "
                << total.item() << "\n";
  }
  ok = ok && last < first;
  std::cout << (ok ? "ok" : "FAILED") << "\n";
  return ok ? 0 : 1;
}
