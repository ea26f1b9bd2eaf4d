// A user-defined differentiable op, written the way the built-in ops are: compute the forward
// value off the tape, then autograd::record it together with a backward that turns the output's
// gradient into the input's. Here swish(x) = x·σ(x), whose derivative is σ + x·σ·(1 − σ).
// The backward is written with tapegrad ops on saved inputs, so under create_graph it is recorded
// too and swish has second derivatives with no extra code (checked by gradgradcheck below).
#include <iostream>
#include <vector>

#include <tapegrad/tapegrad.hpp>

namespace tg = tapegrad;
namespace ag = tapegrad::autograd;

tg::Tensor swish(const tg::Tensor& x) {
  tg::Tensor y;
  {
    tg::NoGradGuard no_grad;  // one tape entry for the whole op, not one per step inside it
    y = x * tg::sigmoid(x);
  }
  // Capture saved values (never the output handle): the tape must not own its own result. Save
  // the input, not σ(x) computed above without grad: under create_graph a saved input still
  // depends on the graph, a value computed under NoGradGuard would be a constant.
  return ag::record("swish", {x}, y, [sx = ag::save(x)](const tg::Tensor& g) {
    const tg::Tensor x = sx;
    const tg::Tensor s = tg::sigmoid(x);
    return std::vector<tg::Tensor>{g * (s + x * s * (1.0 - s))};
  });
}

int main() {
  tg::manual_seed(0);

  // 1. Check the backward against central differences (float64, PyTorch's tolerances).
  const auto check = tg::gradcheck([](const std::vector<tg::Tensor>& in) { return swish(in[0]); },
                                   {tg::randn({3, 4}, tg::kFloat64).requires_grad_()},
                                   tg::GradcheckOptions().raise_exception(false));
  std::cout << "gradcheck: " << check.message << "\n";
  // ...and its second derivatives (the backward differentiated again, as create_graph does).
  const auto check2 = tg::gradgradcheck([](const std::vector<tg::Tensor>& in) { return swish(in[0]); },
                                        {tg::randn({3, 4}, tg::kFloat64).requires_grad_()}, {},
                                        tg::GradcheckOptions().raise_exception(false));
  std::cout << "gradgradcheck: " << check2.message << "\n\n";

  // 2. Use it inside a model like any built-in op.
  const tg::Tensor x = tg::randn({4, 3});
  tg::Tensor w = tg::randn({2, 3}).requires_grad_();
  tg::Tensor loss = swish(tg::linear(x, w)).mean();
  std::cout << "tape:\n" << ag::tape_dump() << "\n";
  loss.backward();
  std::cout << "loss = " << loss << "\nw.grad = " << w.grad() << "\n";
  return check.passed && check2.passed ? 0 : 1;
}
