// Op-table entries of core/ops/elementwise.cpp and core/ops/unary.cpp.
#include "op_table.hpp"

namespace tapegrad::testing {

namespace {
using Inputs = std::vector<Tensor>;
}  // namespace

std::vector<OpTableEntry> elementwise_entries() {
  auto two = [] { return Inputs{sample({2, 3}), sample({2, 3})}; };
  auto broadcast = [] { return Inputs{sample({2, 3}), sample({3})}; };
  auto one = [] { return Inputs{sample({2, 3})}; };
  auto positive = [] { return Inputs{sample_in({2, 3}, 0.5, 2.0)}; };
  return {
      {"add", "same shape", two, [](const Inputs& x) { return add(x[0], x[1]); }},
      {"add", "broadcast", broadcast, [](const Inputs& x) { return x[0] + x[1]; }},
      {"add", "scalar", one, [](const Inputs& x) { return x[0] + 2.5; }},
      {"sub", "broadcast", broadcast, [](const Inputs& x) { return x[1] - x[0]; }},
      {"sub", "scalar", one, [](const Inputs& x) { return x[0] - 2.5; }},
      {"rsub", "scalar", one, [](const Inputs& x) { return 2.5 - x[0]; }},
      {"mul", "broadcast", broadcast, [](const Inputs& x) { return x[0] * x[1]; }},
      {"mul", "scalar", one, [](const Inputs& x) { return x[0] * -1.5; }},
      {"mul", "int64 operand, promoted", one, [](const Inputs& x) { return x[0] * tensor({1, -2, 3}); }},
      {"div", "broadcast", [] { return Inputs{sample({2, 3}), sample_in({3}, 0.5, 2.0)}; },
       [](const Inputs& x) { return x[0] / x[1]; }},
      {"div", "scalar", one, [](const Inputs& x) { return x[0] / 4.0; }},
      {"rdiv", "scalar / tensor", positive, [](const Inputs& x) { return 3.0 / x[0]; }},
      {"maximum", "broadcast", broadcast, [](const Inputs& x) { return maximum(x[0], x[1]); }},
      {"minimum", "same shape", two, [](const Inputs& x) { return minimum(x[0], x[1]); }},
      {"neg", "", one, [](const Inputs& x) { return -x[0]; }},
      {"pow", "integer exponent", one, [](const Inputs& x) { return pow(x[0], 3.0); }},
      {"pow", "fractional exponent", positive, [](const Inputs& x) { return pow(x[0], -1.5); }},
      {"exp", "", one, [](const Inputs& x) { return exp(x[0]); }},
      {"log", "", positive, [](const Inputs& x) { return log(x[0]); }},
      {"log1p", "", positive, [](const Inputs& x) { return log1p(x[0]); }},
      {"sqrt", "", positive, [](const Inputs& x) { return sqrt(x[0]); }},
      {"abs", "", one, [](const Inputs& x) { return abs(x[0]); }},
      {"clamp", "min and max", one, [](const Inputs& x) { return clamp(x[0], -0.5, 0.5); }},
      {"clamp", "min only", one, [](const Inputs& x) { return clamp(x[0], 0.0, std::nullopt); }},
      {"where", "broadcast condition", broadcast,
       [](const Inputs& x) { return where(tensor({1.0, 0.0, 1.0}, kFloat64), x[0], x[1]); }},
      {"clone", "", one, [](const Inputs& x) { return clone(x[0]); }},
      {"to", "float64 -> float32 -> float64", one,
       [](const Inputs& x) { return x[0].to(kFloat32).to(kFloat64); },
       GradcheckOptions().eps(1e-3).atol(1e-4)},  // float32 rounding is 6e-8 relative: eps 1e-6 would drown in it
      {"relu", "", one, [](const Inputs& x) { return relu(x[0]); }},
      {"sigmoid", "", one, [](const Inputs& x) { return sigmoid(x[0]); }},
      {"tanh", "", one, [](const Inputs& x) { return tanh(x[0]); }},
      // The activations' backward ops, on (grad_output, output); relu's output is constant in its derivative.
      {"threshold_backward", "relu's", [] { return Inputs{sample({2, 3}), sample({2, 3}, false)}; },
       [](const Inputs& x) { return threshold_backward(x[0], x[1], 0.0); }},
      {"sigmoid_backward", "", [] { return Inputs{sample({2, 3}), sample_in({2, 3}, 0.1, 0.9)}; },
       [](const Inputs& x) { return sigmoid_backward(x[0], x[1]); }},
      {"tanh_backward", "", [] { return Inputs{sample({2, 3}), sample_in({2, 3}, -0.9, 0.9)}; },
       [](const Inputs& x) { return tanh_backward(x[0], x[1]); }},
  };
}

}  // namespace tapegrad::testing
