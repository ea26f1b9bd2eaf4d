// Gradient clipping against PyTorch 1.13 (tests/fixtures/clip_grad.txt) and nn::init.
#include <catch2/catch.hpp>

#include <cmath>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include <tapegrad/core/random.hpp>
#include <tapegrad/nn/nn.hpp>

namespace tg = tapegrad;
namespace nn = tapegrad::nn;

namespace {

// "a b c | d e | f" -> {{a, b, c}, {d, e}, {f}}
std::vector<std::vector<double>> groups_of(std::istringstream& in) {
  std::vector<std::vector<double>> out(1);
  std::string tok;
  while (in >> tok) {
    if (tok == "|") out.emplace_back();
    else out.back().push_back(std::stod(tok));
  }
  return out;
}

std::vector<tg::Tensor> params_with(const std::vector<std::vector<double>>& grads) {
  std::vector<tg::Tensor> ps;
  for (const auto& g : grads) {
    auto p = tg::zeros({static_cast<std::int64_t>(g.size())}, tg::kFloat64).requires_grad_();
    p.set_grad(tg::from_vector(g, {static_cast<std::int64_t>(g.size())}));
    ps.push_back(p);
  }
  return ps;
}

void check_grads(const std::vector<tg::Tensor>& ps, const std::vector<std::vector<double>>& want) {
  REQUIRE(ps.size() == want.size());
  for (std::size_t i = 0; i < ps.size(); ++i) {
    const auto got = tg::to_vector<double>(ps[i].grad());
    for (std::size_t j = 0; j < got.size(); ++j) CHECK(std::abs(got[j] - want[i][j]) <= 1e-12 + 1e-10 * std::abs(want[i][j]));
  }
}

}  // namespace

TEST_CASE("clip_grad_norm_ and clip_grad_value_ equal PyTorch 1.13's", "[nn][clip][fixture]") {
  std::ifstream f(TAPEGRAD_SOURCE_DIR "/tests/fixtures/clip_grad.txt");
  REQUIRE(f);
  std::string line;
  std::vector<std::vector<double>> grads;
  int checked = 0;
  while (std::getline(f, line)) {
    std::istringstream in(line);
    std::string tag;
    in >> tag;
    if (tag == "grads") grads = groups_of(in);
    if (tag == "norm") {
      std::string max_norm, norm_type, total;
      in >> max_norm >> norm_type >> total;
      auto ps = params_with(grads);
      const double got = nn::utils::clip_grad_norm_(ps, std::stod(max_norm), std::stod(norm_type));
      INFO("max_norm " << max_norm << " norm_type " << norm_type);
      CHECK(std::abs(got - std::stod(total)) <= 1e-12 * std::abs(std::stod(total)) + 1e-12);
      check_grads(ps, groups_of(in));
      ++checked;
    }
    if (tag == "value") {
      std::string clip;
      in >> clip;
      auto ps = params_with(grads);
      nn::utils::clip_grad_value_(ps, std::stod(clip));
      check_grads(ps, groups_of(in));
      ++checked;
    }
  }
  CHECK(checked == 6);
}

TEST_CASE("clip_grad_norm_: non-finite totals and missing gradients", "[nn][clip]") {
  auto p = tg::zeros({2}, tg::kFloat64).requires_grad_();
  auto q = tg::zeros({2}, tg::kFloat64).requires_grad_();  // no gradient: ignored
  p.set_grad(tg::tensor({std::numeric_limits<double>::infinity(), 1.0}, tg::kFloat64));
  CHECK_THROWS_WITH(nn::utils::clip_grad_norm_({p, q}, 1.0, 2.0, true), Catch::Contains("is non-finite, so it cannot be clipped"));
  CHECK(tg::to_vector<double>(p.grad())[1] == 1.0);  // nothing scaled
  CHECK(std::isinf(nn::utils::clip_grad_norm_({p, q}, 1.0)));
  CHECK(nn::utils::clip_grad_norm_(std::vector<tg::Tensor>{q}, 1.0) == 0.0);
}

TEST_CASE("nn::init: gains, fans, deterministic draws with the expected spread", "[nn][init]") {
  CHECK(nn::init::calculate_gain("relu") == Approx(std::sqrt(2.0)));
  CHECK(nn::init::calculate_gain("tanh") == Approx(5.0 / 3));
  CHECK(nn::init::calculate_gain("leaky_relu") == Approx(std::sqrt(2.0 / (1 + 0.0001))));
  CHECK(nn::init::calculate_gain("leaky_relu", 0.2) == Approx(std::sqrt(2.0 / 1.04)));
  CHECK(nn::init::calculate_gain("selu") == 0.75);
  CHECK(nn::init::calculate_gain("conv2d") == 1);
  CHECK_THROWS_WITH(nn::init::calculate_gain("swish"), "Unsupported nonlinearity swish");
  CHECK(nn::init::calculate_fan_in_and_fan_out(tg::zeros({8, 3, 5, 5})) == std::pair<std::int64_t, std::int64_t>{75, 200});
  CHECK_THROWS_WITH(nn::init::xavier_uniform_(tg::zeros({4})),
                    "Fan in and fan out can not be computed for tensor with fewer than 2 dimensions");

  nn::Linear layer(400, 300);
  tg::manual_seed(7);
  nn::init::kaiming_uniform_(layer.weight, 0, "fan_in", "relu");
  const auto first = tg::to_vector<float>(layer.weight);
  tg::manual_seed(7);
  nn::init::kaiming_uniform_(layer.weight, 0, "fan_in", "relu");
  CHECK(tg::to_vector<float>(layer.weight) == first);  // seeded by manual_seed
  const double bound = std::sqrt(3.0) * std::sqrt(2.0) / std::sqrt(400.0);
  double max_abs = 0, sum_sq = 0;
  for (float v : first) { max_abs = std::max(max_abs, std::abs(double(v))); sum_sq += double(v) * v; }
  CHECK(max_abs <= bound);
  CHECK(max_abs > 0.99 * bound);
  CHECK(std::sqrt(sum_sq / double(first.size())) == Approx(std::sqrt(2.0 / 400)).epsilon(0.02));

  nn::init::kaiming_normal_(layer.weight, 0, "fan_out", "relu");
  sum_sq = 0;
  for (float v : tg::to_vector<float>(layer.weight)) sum_sq += double(v) * v;
  CHECK(std::sqrt(sum_sq / double(first.size())) == Approx(std::sqrt(2.0 / 300)).epsilon(0.02));
  nn::init::xavier_normal_(layer.weight, 2.0);
  sum_sq = 0;
  for (float v : tg::to_vector<float>(layer.weight)) sum_sq += double(v) * v;
  CHECK(std::sqrt(sum_sq / double(first.size())) == Approx(2.0 * std::sqrt(2.0 / 700)).epsilon(0.02));

  auto e = nn::init::eye_(tg::zeros({2, 3}));
  CHECK(tg::to_vector<float>(e) == std::vector<float>{1, 0, 0, 0, 1, 0});
  CHECK(tg::to_vector<float>(nn::init::constant_(tg::zeros({2}), 0.5)) == std::vector<float>{0.5, 0.5});
  CHECK(tg::to_vector<float>(nn::init::ones_(layer.bias))[0] == 1.0f);
  CHECK(layer.bias.requires_grad());  // still a parameter
  CHECK_THROWS_WITH(nn::init::kaiming_uniform_(layer.weight, 0, "fan_avg"), Catch::Contains("Mode fan_avg not supported"));
}
