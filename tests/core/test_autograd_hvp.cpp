// Hessian-vector products of every op and loss against PyTorch 1.13 (tests/fixtures/hvp_fixture.txt,
// made by tests/fixtures/make_hvp_fixture.py): L = Σ u·fn(inputs), g = ∂L/∂inputs with create_graph,
// Hv = ∂(Σ_k g_k·v_k)/∂inputs, in float32, within 1e-5 absolute + 1e-4 relative.
#include <cmath>
#include <fstream>
#include <map>
#include <sstream>

#include <tapegrad/tapegrad.hpp>

#include "../support/helpers.hpp"

namespace ag = tapegrad::autograd;
namespace F = tapegrad::nn::functional;
namespace nn = tapegrad::nn;

namespace {

using Inputs = std::vector<tg::Tensor>;
using Fn = std::function<tg::Tensor(const Inputs&)>;

tg::Tensor idx(const std::vector<std::int64_t>& v, const tg::Shape& s) { return tg::from_vector(v, s); }
tg::Tensor w3() { return tg::tensor({0.5, 2.0, 1.0}); }
tg::Tensor sq(const tg::Tensor& t) { return t * t; }

// The same functions as CASES in make_hvp_fixture.py, by name.
const std::map<std::string, Fn>& cases() {
  static const std::map<std::string, Fn> table = {
      {"add", [](const Inputs& x) { return sq(x[0] + x[1]); }},
      {"sub", [](const Inputs& x) { return (x[0] - x[1]) * x[0]; }},
      {"mul", [](const Inputs& x) { return x[0] * x[1]; }},
      {"div", [](const Inputs& x) { return x[0] / x[1]; }},
      {"maximum", [](const Inputs& x) { return tg::maximum(x[0], x[1]) * x[0]; }},
      {"minimum", [](const Inputs& x) { return tg::minimum(x[0], x[1]) * x[1]; }},
      {"neg_scalar", [](const Inputs& x) { return (-x[0] * 2.5 + 1.0 - x[0] / 4.0) * x[0]; }},
      {"pow", [](const Inputs& x) { return tg::pow(x[0], 3.0); }},
      {"pow_fractional", [](const Inputs& x) { return tg::pow(x[0], -1.5); }},
      {"exp", [](const Inputs& x) { return tg::exp(x[0]); }},
      {"log", [](const Inputs& x) { return tg::log(x[0]); }},
      {"log1p", [](const Inputs& x) { return tg::log1p(x[0]); }},
      {"sqrt", [](const Inputs& x) { return tg::sqrt(x[0]); }},
      {"abs", [](const Inputs& x) { return tg::abs(x[0]) * x[0]; }},
      {"clamp", [](const Inputs& x) { return tg::clamp(x[0], -0.5, 0.5) * x[0]; }},
      {"where", [](const Inputs& x) { return sq(tg::where(tg::tensor({1.0, 0.0, 1.0}), x[0], x[1])); }},
      {"relu", [](const Inputs& x) { return tg::relu(x[0]) * x[0]; }},
      {"sigmoid", [](const Inputs& x) { return tg::sigmoid(x[0]); }},
      {"tanh", [](const Inputs& x) { return tg::tanh(x[0]); }},
      {"sum", [](const Inputs& x) { return sq(tg::sum(x[0], {0, 2}, true)); }},
      {"mean", [](const Inputs& x) { return sq(tg::mean(x[0], {-1})); }},
      {"max_dim", [](const Inputs& x) { return sq(tg::max(x[0], 1).first); }},
      {"max_all", [](const Inputs& x) { return sq(tg::max(x[0])); }},
      {"broadcast_to", [](const Inputs& x) { return tg::pow(tg::broadcast_to(x[0], {2, 3, 4}), 3.0); }},
      {"reshape_permute", [](const Inputs& x) { return tg::pow(tg::permute(x[0].reshape({4, -1}), {1, 0}), 3.0); }},
      {"gather", [](const Inputs& x) { return tg::pow(tg::gather(x[0], 1, idx({0, 3, 3, 1, 2, 2}, {3, 2})), 3.0); }},
      {"index_select", [](const Inputs& x) { return tg::pow(tg::index_select(x[0], 1, idx({2, 0, 2}, {3})), 3.0); }},
      {"matmul", [](const Inputs& x) { return sq(tg::matmul(x[0], x[1])); }},
      {"linear", [](const Inputs& x) { return tg::tanh(tg::linear(x[0], x[1], x[2])); }},
      {"softmax", [](const Inputs& x) { return tg::softmax(x[0], 1); }},
      {"softmax_dim0", [](const Inputs& x) { return tg::softmax(x[0], 0); }},
      {"log_softmax", [](const Inputs& x) { return tg::log_softmax(x[0], 1); }},
      {"logsumexp", [](const Inputs& x) { return tg::logsumexp(x[0], 1); }},
      {"nll_loss",
       [](const Inputs& x) {
         return F::nll_loss(tg::log_softmax(x[0], 1), idx({0, 2, 1, 2}, {4}), nn::NLLLossOptions().weight(w3()).ignore_index(1));
       }},
      {"cross_entropy", [](const Inputs& x) { return F::cross_entropy(x[0], idx({0, 2, 1, 2}, {4})); }},
      {"cross_entropy_options",
       [](const Inputs& x) {
         return F::cross_entropy(x[0], idx({0, 2, 1, 2}, {4}),
                                 nn::CrossEntropyLossOptions().weight(w3()).label_smoothing(0.2).ignore_index(2));
       }},
      {"cross_entropy_probabilities",
       [](const Inputs& x) {
         return F::cross_entropy(x[0], x[1], nn::CrossEntropyLossOptions().weight(w3()).label_smoothing(0.1));
       }},
      {"binary_cross_entropy",
       [](const Inputs& x) { return F::binary_cross_entropy(x[0], x[1], nn::BCELossOptions().weight(tg::tensor({1.0, 0.5, 2.0}))); }},
      {"binary_cross_entropy_with_logits",
       [](const Inputs& x) {
         return F::binary_cross_entropy_with_logits(
             x[0], x[1], nn::BCEWithLogitsLossOptions().weight(tg::tensor({1.0, 0.5, 2.0})).pos_weight(tg::tensor({3.0, 1.0, 0.5})));
       }},
      {"mse_loss", [](const Inputs& x) { return F::mse_loss(x[0], x[1], tg::nn::kSum); }},
  };
  return table;
}

// fixture[case][field] = tensor
std::map<std::string, std::map<std::string, tg::Tensor>> read_fixture() {
  std::ifstream in(std::string(TAPEGRAD_SOURCE_DIR) + "/tests/fixtures/hvp_fixture.txt");
  REQUIRE(in.good());
  std::map<std::string, std::map<std::string, tg::Tensor>> fixture;
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream s(line);
    std::string name, field, shape_text;
    s >> name >> field >> shape_text;
    tg::Shape shape;
    if (shape_text != "-") {
      std::istringstream dims(shape_text);
      for (std::string d; std::getline(dims, d, ',');) shape.push_back(std::stoll(d));
    }
    std::vector<float> values;
    for (double v; s >> v;) values.push_back(static_cast<float>(v));
    fixture[name][field] = tg::from_vector(values, shape);
  }
  return fixture;
}

}  // namespace

TEST_CASE("Hessian-vector products of every op and loss equal PyTorch 1.13's (float32)", "[core][autograd][hvp]") {
  const auto fixture = read_fixture();
  CHECK(fixture.size() == cases().size());
  for (const auto& [name, fn] : cases()) {
    DYNAMIC_SECTION(name) {
      REQUIRE(fixture.count(name));
      const auto& f = fixture.at(name);
      Inputs xs, vs;
      for (std::size_t k = 0; f.count("in" + std::to_string(k)); ++k) {
        xs.push_back(f.at("in" + std::to_string(k)).clone().requires_grad_());
        vs.push_back(f.at("v" + std::to_string(k)));
      }
      const tg::Tensor y = fn(xs);
      const auto g = ag::grad({(y * f.at("u")).sum()}, xs, {}, std::nullopt, true, true);
      tg::Tensor dot;
      for (std::size_t k = 0; k < xs.size(); ++k)
        if (g[k].defined()) dot = dot.defined() ? dot + (g[k] * vs[k]).sum() : (g[k] * vs[k]).sum();
      const auto hv = ag::grad({dot}, xs, {}, std::nullopt, false, true);
      for (std::size_t k = 0; k < xs.size(); ++k) {
        const auto expected = tg::to_vector<float>(f.at("hv" + std::to_string(k)));
        const auto got = hv[k].defined() ? tg::to_vector<float>(hv[k]) : std::vector<float>(expected.size(), 0.0f);
        REQUIRE(got.size() == expected.size());
        for (std::size_t i = 0; i < got.size(); ++i) {
          INFO("input " << k << ", element " << i << ": tapegrad " << got[i] << ", PyTorch " << expected[i]);
          CHECK(std::abs(got[i] - expected[i]) <= 1e-5 + 1e-4 * std::abs(expected[i]));
        }
      }
    }
  }
}
