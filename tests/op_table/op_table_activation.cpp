// Op-table entries of unary math ops (core/ops/unary.cpp) and of the activations composed of core ops
// (nn/functional/activation.cpp).
#include "op_table.hpp"

namespace tapegrad::testing {

namespace {
using Inputs = std::vector<Tensor>;
namespace F = nn::functional;
}  // namespace

std::vector<OpTableEntry> activation_entries() {
  auto one = [] { return Inputs{sample({2, 3})}; };
  auto wide = [] { return Inputs{sample_in({3, 4}, -8.0, 8.0)}; };  // reaches the saturated regions
  auto positive = [] { return Inputs{sample_in({2, 3}, 0.5, 2.0)}; };
  return {
      {"sin", "", one, [](const Inputs& x) { return sin(x[0]); }},
      {"cos", "", one, [](const Inputs& x) { return cos(x[0]); }},
      {"expm1", "", one, [](const Inputs& x) { return expm1(x[0]); }},
      {"rsqrt", "", positive, [](const Inputs& x) { return rsqrt(x[0]); }},
      {"erf", "", one, [](const Inputs& x) { return erf(x[0]); }},
      {"leaky_relu", "slope 0.2", one, [](const Inputs& x) { return F::leaky_relu(x[0], F::LeakyReLUFuncOptions().negative_slope(0.2)); }},
      {"elu", "alpha 1.5", wide, [](const Inputs& x) { return F::elu(x[0], F::ELUFuncOptions().alpha(1.5)); }},
      {"selu", "", one, [](const Inputs& x) { return F::selu(x[0]); }},
      {"gelu", "exact", wide, [](const Inputs& x) { return F::gelu(x[0]); }},
      {"gelu", "tanh", wide, [](const Inputs& x) { return F::gelu(x[0], F::GELUFuncOptions().approximate("tanh")); }},
      {"silu", "", wide, [](const Inputs& x) { return F::silu(x[0]); }},
      {"mish", "", wide, [](const Inputs& x) { return F::mish(x[0]); }},
      {"softplus", "beta 2, threshold 5 (both regimes)", wide,
       [](const Inputs& x) { return F::softplus(x[0], F::SoftplusFuncOptions().beta(2).threshold(5)); }},
      {"hardtanh", "[-0.5, 0.5]", one, [](const Inputs& x) { return F::hardtanh(x[0], F::HardtanhFuncOptions().min_val(-0.5).max_val(0.5)); }},
      {"relu6", "", wide, [](const Inputs& x) { return F::relu6(x[0]); }},
      {"logsigmoid", "", wide, [](const Inputs& x) { return F::logsigmoid(x[0]); }},
      {"softsign", "", one, [](const Inputs& x) { return F::softsign(x[0]); }},
  };
}

}  // namespace tapegrad::testing
