// PyTorch 1.13 reference values and gradients of the functional activations, losses and layers, and of
// tensor ops (tests/fixtures/functional_reference.txt, written by make_functional_fixture.py): each case's output,
// and the gradient of sum(out * w) for every input PyTorch gives one.
#include <catch2/catch.hpp>

#include <cmath>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <tapegrad/tapegrad.hpp>

#include "../support/functional_reference.hpp"

namespace tg = tapegrad;
namespace F = tg::nn::functional;
namespace nn = tg::nn;

namespace {

using functional_reference::Fn;
using functional_reference::Inputs;

struct Field {
  tg::Dtype dtype;
  tg::Shape shape;
  std::vector<double> values;
};
using Case = std::map<std::string, Field>;  // "in0", "out", "grad0", ...

std::map<std::string, Case> load_fixture() {
  std::ifstream file(std::string(TAPEGRAD_SOURCE_DIR) + "/tests/fixtures/functional_reference.txt");
  REQUIRE(file.good());
  std::map<std::string, Case> cases;
  std::string line;
  while (std::getline(file, line)) {
    std::istringstream in(line);
    std::string name, field, dtype, shape;
    in >> name >> field >> dtype >> shape;
    Field f{dtype == "i64" ? tg::kInt64 : tg::kFloat64, {}, {}};
    if (shape != "scalar") {
      std::istringstream dims(shape);
      std::string d;
      while (std::getline(dims, d, 'x')) f.shape.push_back(std::stoll(d));
    }
    std::string v;
    while (in >> v) f.values.push_back(std::strtod(v.c_str(), nullptr));  // parses nan, inf, -inf
    cases[name][field] = f;
  }
  return cases;
}

tg::Tensor make(const Field& f) {
  if (f.dtype == tg::kInt64) {
    std::vector<std::int64_t> ints(f.values.begin(), f.values.end());
    return tg::from_vector(ints, f.shape);
  }
  return tg::from_vector(f.values, f.shape);
}

void check_close(const tg::Tensor& got, const Field& expected, const std::string& what) {
  INFO(what);
  REQUIRE(got.defined());
  REQUIRE(got.shape() == expected.shape);
  const auto values = tg::to_vector<double>(got);
  for (std::size_t i = 0; i < values.size(); ++i) {
    INFO("element " << i << ": got " << values[i] << ", PyTorch " << expected.values[i]);
    const double e = expected.values[i];
    if (std::isnan(e)) CHECK(std::isnan(values[i]));
    else if (std::isinf(e)) CHECK(values[i] == e);
    else CHECK(values[i] == Approx(e).epsilon(1e-10).margin(1e-12));
  }
}

const std::map<std::string, Fn>& reference_cases() {
  static const std::map<std::string, Fn> cases = [] {
    std::map<std::string, Fn> m;
    auto activation = [&](const std::string& name, std::function<tg::Tensor(const tg::Tensor&)> f) {
      m[name] = [f](const Inputs& x) { return f(x[0]); };
      m[name + "_nonfinite"] = [f](const Inputs& x) { return f(x[0]); };
    };
    activation("leaky_relu", [](const tg::Tensor& x) { return F::leaky_relu(x, F::LeakyReLUFuncOptions().negative_slope(0.2)); });
    activation("elu", [](const tg::Tensor& x) { return F::elu(x, F::ELUFuncOptions().alpha(1.5)); });
    activation("selu", [](const tg::Tensor& x) { return F::selu(x); });
    activation("gelu", [](const tg::Tensor& x) { return F::gelu(x); });
    activation("gelu_tanh", [](const tg::Tensor& x) { return F::gelu(x, F::GELUFuncOptions().approximate("tanh")); });
    activation("silu", [](const tg::Tensor& x) { return F::silu(x); });
    activation("mish", [](const tg::Tensor& x) { return F::mish(x); });
    activation("softplus", [](const tg::Tensor& x) { return F::softplus(x); });
    activation("softplus_beta2_threshold5",
               [](const tg::Tensor& x) { return F::softplus(x, F::SoftplusFuncOptions().beta(2).threshold(5)); });
    activation("hardtanh", [](const tg::Tensor& x) { return F::hardtanh(x, F::HardtanhFuncOptions().min_val(-0.5).max_val(0.5)); });
    activation("relu6", [](const tg::Tensor& x) { return F::relu6(x); });
    activation("logsigmoid", [](const tg::Tensor& x) { return F::logsigmoid(x); });
    activation("softsign", [](const tg::Tensor& x) { return F::softsign(x); });

    for (auto [name, r] : {std::pair{"none", tg::kNone}, {"mean", tg::kMean}, {"sum", tg::kSum}})
      m[std::string("l1_loss_") + name] = [r = r](const Inputs& x) { return F::l1_loss(x[0], x[1], r); };
    m["smooth_l1_loss_beta0.5"] = [](const Inputs& x) {
      return F::smooth_l1_loss(x[0], x[1], F::SmoothL1LossFuncOptions().beta(0.5).reduction(tg::kNone));
    };
    m["smooth_l1_loss_beta0"] = [](const Inputs& x) { return F::smooth_l1_loss(x[0], x[1], F::SmoothL1LossFuncOptions().beta(0)); };
    m["smooth_l1_loss_sum"] = [](const Inputs& x) { return F::smooth_l1_loss(x[0], x[1], F::SmoothL1LossFuncOptions().reduction(tg::kSum)); };
    m["huber_loss_delta0.7"] = [](const Inputs& x) {
      return F::huber_loss(x[0], x[1], F::HuberLossFuncOptions().delta(0.7).reduction(tg::kNone));
    };
    m["huber_loss_mean"] = [](const Inputs& x) { return F::huber_loss(x[0], x[1]); };
    m["kl_div_batchmean"] = [](const Inputs& x) { return F::kl_div(x[0], x[1], F::KLDivFuncOptions().reduction(tg::kBatchMean)); };
    m["kl_div_none"] = [](const Inputs& x) { return F::kl_div(x[0], x[1], F::KLDivFuncOptions().reduction(tg::kNone)); };
    m["kl_div_mean"] = [](const Inputs& x) { return F::kl_div(x[0], x[1]); };
    m["kl_div_log_target_sum"] = [](const Inputs& x) {
      return F::kl_div(x[0], x[1], F::KLDivFuncOptions().reduction(tg::kSum).log_target(true));
    };
    m["margin_ranking_loss_margin0.3"] = [](const Inputs& x) {
      return F::margin_ranking_loss(x[0], x[1], x[2], F::MarginRankingLossFuncOptions().margin(0.3).reduction(tg::kNone));
    };
    m["margin_ranking_loss_mean"] = [](const Inputs& x) { return F::margin_ranking_loss(x[0], x[1], x[2]); };
    m["cosine_embedding_loss_margin0.2"] = [](const Inputs& x) {
      return F::cosine_embedding_loss(x[0], x[1], x[2], F::CosineEmbeddingLossFuncOptions().margin(-0.2).reduction(tg::kNone));
    };
    m["cosine_embedding_loss_mean"] = [](const Inputs& x) { return F::cosine_embedding_loss(x[0], x[1], x[2]); };
    m["cosine_embedding_loss_unbatched"] = [](const Inputs& x) { return F::cosine_embedding_loss(x[0], x[1], x[2]); };
    m["poisson_nll_loss_log_input"] = [](const Inputs& x) {
      return F::poisson_nll_loss(x[0], x[1], F::PoissonNLLLossFuncOptions().reduction(tg::kNone));
    };
    m["poisson_nll_loss_full"] = [](const Inputs& x) {
      return F::poisson_nll_loss(x[0], x[1], F::PoissonNLLLossFuncOptions().full(true).reduction(tg::kNone));
    };
    m["poisson_nll_loss_rate_eps"] = [](const Inputs& x) {
      return F::poisson_nll_loss(x[0], x[1], F::PoissonNLLLossFuncOptions().log_input(false).eps(1e-3));
    };
    m["gaussian_nll_loss_full_var"] = [](const Inputs& x) {
      return F::gaussian_nll_loss(x[0], x[1], x[2], F::GaussianNLLLossFuncOptions().reduction(tg::kNone));
    };
    m["gaussian_nll_loss_batch_var_full"] = [](const Inputs& x) {
      return F::gaussian_nll_loss(x[0], x[1], x[2], F::GaussianNLLLossFuncOptions().full(true).eps(1e-3));
    };
    m["gaussian_nll_loss_var_last1_sum"] = [](const Inputs& x) {
      return F::gaussian_nll_loss(x[0], x[1], x[2], F::GaussianNLLLossFuncOptions().reduction(tg::kSum));
    };

    m["layer_norm_affine"] = [](const Inputs& x) {
      return F::layer_norm(x[0], F::LayerNormFuncOptions({3, 4}).weight(x[1]).bias(x[2]).eps(1e-5));
    };
    m["layer_norm_last_dim"] = [](const Inputs& x) { return F::layer_norm(x[0], F::LayerNormFuncOptions({4}).eps(1e-3)); };
    m["embedding"] = [](const Inputs& x) { return F::embedding(x[0], x[1]); };
    m["embedding_padding_idx"] = [](const Inputs& x) { return F::embedding(x[0], x[1], F::EmbeddingFuncOptions().padding_idx(2)); };
    for (const auto& [name, fn] : functional_reference::tensor_op_reference_cases()) m[name] = fn;
    return m;
  }();
  return cases;
}

}  // namespace

TEST_CASE("functional reference: every fixture case has a tapegrad counterpart, and back", "[nn][reference]") {
  const auto fixture = load_fixture();
  for (const auto& [name, c] : fixture) {
    INFO("fixture case " << name);
    CHECK(reference_cases().count(name) == 1);
  }
  for (const auto& [name, fn] : reference_cases()) {
    INFO("tapegrad case " << name);
    CHECK(fixture.count(name) == 1);
  }
}

TEST_CASE("functional reference: values and gradients match PyTorch 1.13", "[nn][reference]") {
  const auto fixture = load_fixture();
  for (const auto& [name, c] : fixture) {
    if (!reference_cases().count(name)) continue;
    DYNAMIC_SECTION(name) {
      Inputs inputs;
      for (int k = 0; c.count("in" + std::to_string(k)); ++k) {
        tg::Tensor t = make(c.at("in" + std::to_string(k)));
        if (c.count("grad" + std::to_string(k))) t.requires_grad_(true);
        inputs.push_back(t);
      }
      const tg::Tensor out = reference_cases().at(name)(inputs);
      check_close(out, c.at("out"), "output");
      bool any_grad = false;
      for (const auto& x : inputs) any_grad = any_grad || x.requires_grad();
      if (!any_grad) continue;
      const std::int64_t n = out.numel();
      std::vector<double> w(static_cast<std::size_t>(n), 1.0);
      for (std::int64_t i = 0; n > 1 && i < n; ++i) w[static_cast<std::size_t>(i)] = 0.5 + static_cast<double>(i) / static_cast<double>(n - 1);
      tg::sum(out * tg::from_vector(w, out.shape())).backward();
      for (std::size_t k = 0; k < inputs.size(); ++k)
        if (c.count("grad" + std::to_string(k))) check_close(inputs[k].grad(), c.at("grad" + std::to_string(k)), "grad" + std::to_string(k));
    }
  }
}
