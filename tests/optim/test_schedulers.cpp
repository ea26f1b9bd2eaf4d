// The learning-rate schedulers against PyTorch 1.13: tests/fixtures/lr_schedules.txt holds each
// group's lr (and momentum or beta1) after construction and after each of 15 steps
// (make_optim_fixtures.py builds the same schedulers on the same optimizers).
#include <catch2/catch.hpp>

#include <cmath>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <tapegrad/core/tensor.hpp>
#include <tapegrad/optim/optim.hpp>

namespace tg = tapegrad;
namespace optim = tapegrad::optim;

namespace {

struct Expected {
  std::vector<std::vector<double>> lr, momentum;  // [group][0..15]
};

std::map<std::string, Expected> load_fixture() {
  std::ifstream f(TAPEGRAD_SOURCE_DIR "/tests/fixtures/lr_schedules.txt");
  REQUIRE(f);
  std::map<std::string, Expected> out;
  std::string line, current;
  while (std::getline(f, line)) {
    std::istringstream in(line);
    std::string tag;
    in >> tag;
    if (tag == "case") in >> current;
    if (tag != "lr" && tag != "momentum") continue;
    std::size_t group;
    in >> group;
    std::vector<double> v;
    double x;
    while (in >> x) v.push_back(x);
    auto& target = tag == "lr" ? out[current].lr : out[current].momentum;
    target.resize(std::max(target.size(), group + 1));
    target[group] = v;
  }
  return out;
}

// The fixture's optimizers: SGD(momentum 0.9) with groups at lr 0.1 and 0.05, or Adam(lr 0.01).
struct Setup {
  tg::Tensor a = tg::zeros({2}).requires_grad_(), b = tg::zeros({2}).requires_grad_();
  std::unique_ptr<optim::Optimizer> opt;
  explicit Setup(bool adam = false) {
    if (adam) {
      opt = std::make_unique<optim::Adam>(std::vector<tg::Tensor>{a}, optim::AdamOptions(0.01));
    } else {
      opt = std::make_unique<optim::SGD>(
          std::vector<optim::OptimizerParamGroup>{
              optim::OptimizerParamGroup({a}),
              optim::OptimizerParamGroup({b}, std::make_unique<optim::SGDOptions>(optim::SGDOptions(0.05).momentum(0.9)))},
          optim::SGDOptions(0.1).momentum(0.9));
    }
  }
};

void check_sequence(const std::string& name, optim::Optimizer& opt, const std::function<void(int)>& step) {
  static const auto fixture = load_fixture();
  const Expected& e = fixture.at(name);
  auto& groups = opt.param_groups();
  REQUIRE(groups.size() == e.lr.size());
  for (int s = 0; s <= 15; ++s) {
    if (s > 0) step(s - 1);
    for (std::size_t g = 0; g < groups.size(); ++g) {
      INFO(name << " after step " << s << ", group " << g);
      const double lr = groups[g].options().get_lr(), want = e.lr[g][static_cast<std::size_t>(s)];
      CHECK(std::abs(lr - want) <= 1e-12 + 1e-9 * std::abs(want));
      const double mom = groups[g].options().get_momentum(), want_m = e.momentum[g][static_cast<std::size_t>(s)];
      CHECK(std::abs(mom - want_m) <= 1e-12);
    }
  }
}

template <class S> void check_epoch_scheduler(const std::string& name, Setup& s, S& sched) {
  check_sequence(name, *s.opt, [&](int) {
    s.opt->step();
    sched.step();
    CHECK(sched.get_last_lr()[0] == s.opt->param_groups()[0].options().get_lr());
  });
}

const std::vector<double> kPlateauMetrics = {1.0, 0.9, 0.95, 0.95, 0.97, 0.8, 0.81, 0.82, 0.83, 0.84, 0.7, 0.71, 0.72, 0.73, 0.74};

}  // namespace

TEST_CASE("Schedulers: lr sequences equal PyTorch 1.13's over 15 steps", "[optim][scheduler][fixture]") {
  SECTION("StepLR") { Setup s; optim::StepLR k(*s.opt, 4, 0.5); check_epoch_scheduler("step", s, k); }
  SECTION("MultiStepLR") { Setup s; optim::MultiStepLR k(*s.opt, {2, 5, 5, 9}, 0.3); check_epoch_scheduler("multistep", s, k); }
  SECTION("ExponentialLR") { Setup s; optim::ExponentialLR k(*s.opt, 0.8); check_epoch_scheduler("exponential", s, k); }
  SECTION("CosineAnnealingLR") { Setup s; optim::CosineAnnealingLR k(*s.opt, 6, 0.001); check_epoch_scheduler("cosine", s, k); }
  SECTION("LinearLR") { Setup s; optim::LinearLR k(*s.opt, 0.25, 0.9, 6); check_epoch_scheduler("linear", s, k); }
  SECTION("LambdaLR") {
    Setup s;
    optim::LambdaLR k(*s.opt, [](std::int64_t e) { return 1.0 / (1.0 + static_cast<double>(e)); });
    check_epoch_scheduler("lambda", s, k);
  }
  SECTION("OneCycleLR cos, SGD momentum cycled") {
    Setup s;
    optim::OneCycleLR k(*s.opt, optim::OneCycleLROptions(std::vector<double>{1.0, 0.5}, 16).pct_start(0.3));
    check_epoch_scheduler("onecycle_cos_sgd", s, k);
  }
  SECTION("OneCycleLR linear, Adam beta1 cycled") {
    Setup s(true);
    optim::OneCycleLR k(*s.opt, optim::OneCycleLROptions(0.1, 16).anneal_strategy("linear").pct_start(0.25)
                                    .div_factor(10).final_div_factor(100));
    check_epoch_scheduler("onecycle_linear_adam", s, k);
  }
  SECTION("OneCycleLR without momentum cycling") {
    Setup s;
    optim::OneCycleLR k(*s.opt, optim::OneCycleLROptions(0.3, 20).cycle_momentum(false));
    check_epoch_scheduler("onecycle_no_momentum", s, k);
  }
  SECTION("ReduceLROnPlateau min rel, cooldown, per-group min_lr") {
    Setup s;
    optim::ReduceLROnPlateau k(*s.opt, optim::ReduceLROnPlateauOptions().mode("min").factor(0.5).patience(1)
                                           .threshold(0.01).cooldown(1).min_lr({0.02, 0.0}));
    check_sequence("plateau", *s.opt, [&](int i) { s.opt->step(); k.step(kPlateauMetrics[static_cast<std::size_t>(i)]); });
    CHECK(k.get_last_lr()[1] == s.opt->param_groups()[1].options().get_lr());
  }
  SECTION("ReduceLROnPlateau max abs") {
    Setup s;
    optim::ReduceLROnPlateau k(*s.opt, optim::ReduceLROnPlateauOptions().mode("max").factor(0.1).patience(2)
                                           .threshold(0.05).threshold_mode("abs"));
    check_sequence("plateau_max_abs", *s.opt, [&](int i) { s.opt->step(); k.step(kPlateauMetrics[static_cast<std::size_t>(i)]); });
  }
  SECTION("SequentialLR: linear warm-up, then cosine") {
    Setup s;
    auto warm = std::make_shared<optim::LinearLR>(*s.opt, 0.1, 1.0, 4);
    auto cosine = std::make_shared<optim::CosineAnnealingLR>(*s.opt, 10);
    optim::SequentialLR k(*s.opt, {warm, cosine}, {4});
    check_epoch_scheduler("sequential", s, k);
  }
  SECTION("ChainedScheduler") {
    Setup s;
    auto e = std::make_shared<optim::ExponentialLR>(*s.opt, 0.9);
    auto st = std::make_shared<optim::StepLR>(*s.opt, 3, 0.5);
    optim::ChainedScheduler k({e, st});
    check_epoch_scheduler("chained", s, k);
  }
}

TEST_CASE("Schedulers: bad arguments and mismatched optimizers are refused", "[optim][scheduler]") {
  Setup s;
  auto adagrad_p = tg::zeros({2}).requires_grad_();
  optim::Adagrad adagrad({adagrad_p});
  CHECK_THROWS_WITH(optim::OneCycleLR(adagrad, optim::OneCycleLROptions(0.1, 10)),
                    "optimizer must support momentum with `cycle_momentum` option enabled");
  CHECK_NOTHROW(optim::OneCycleLR(adagrad, optim::OneCycleLROptions(0.1, 10).cycle_momentum(false)));
  CHECK_THROWS_WITH(optim::OneCycleLR(*s.opt, optim::OneCycleLROptions(0.1, 10).pct_start(1.5)),
                    "Expected float between 0 and 1 pct_start, but got 1.5");
  CHECK_THROWS_WITH(optim::OneCycleLR(*s.opt, optim::OneCycleLROptions(std::vector<double>{0.1, 0.2, 0.3}, 10)),
                    "expected 2 values for max_lr, got 3");
  CHECK_THROWS_WITH(optim::LinearLR(*s.opt, 0), "Starting multiplicative factor expected to be greater than 0 and less or equal to 1.");
  CHECK_THROWS_WITH(optim::ReduceLROnPlateau(*s.opt, optim::ReduceLROnPlateauOptions().factor(1.0)), "Factor should be < 1.0.");
  CHECK_THROWS_WITH(optim::ReduceLROnPlateau(*s.opt, optim::ReduceLROnPlateauOptions().mode("avg")), "mode avg is unknown!");
  auto other = std::make_shared<optim::StepLR>(adagrad, 2);
  auto mine = std::make_shared<optim::StepLR>(*s.opt, 2);
  CHECK_THROWS_AS(optim::SequentialLR(*s.opt, {mine, other}, {3}), std::invalid_argument);
  CHECK_THROWS_WITH(optim::SequentialLR(*s.opt, {mine}, {3}), Catch::Contains("one more than the number of milestone points"));
  CHECK_THROWS_AS(optim::ChainedScheduler({mine, other}), std::invalid_argument);
  // OneCycleLR stepped past its total steps.
  optim::OneCycleLR k(*s.opt, optim::OneCycleLROptions(0.1, 3));
  k.step(); k.step(); k.step();
  CHECK_THROWS_WITH(k.step(), "Tried to step 5 times. The specified number of total steps is 3");
}

TEST_CASE("Schedulers: state_dict round trip continues the same sequence", "[optim][scheduler]") {
  Setup a, b;
  optim::CosineAnnealingLR ka(*a.opt, 5, 0.01), kb(*b.opt, 5, 0.01);
  for (int i = 0; i < 3; ++i) ka.step();
  // b: the optimizer's groups (lr, initial_lr) and the scheduler's counters come from a.
  b.opt->load_state_dict(a.opt->state_dict());
  kb.load_state_dict(ka.state_dict());
  for (int i = 0; i < 6; ++i) {
    ka.step();
    kb.step();
    CHECK(ka.get_last_lr() == kb.get_last_lr());
  }
  optim::StepLR step(*b.opt, 2);
  CHECK_THROWS_WITH(step.load_state_dict(ka.state_dict()), Catch::Contains("belongs to CosineAnnealingLR, not StepLR"));
}
