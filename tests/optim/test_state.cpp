// State: Module::state_dict with buffers (and tg::save/load keeping them), optimizer state_dict round
// trips for every optimizer, parameter groups, and bad input refused with nothing half-loaded.
#include <catch2/catch.hpp>

#include <cstdio>
#include <string>
#include <vector>

#include <tapegrad/core/autograd.hpp>
#include <tapegrad/core/ops.hpp>
#include <tapegrad/core/random.hpp>
#include <tapegrad/nn/checkpoint.hpp>
#include <tapegrad/nn/nn.hpp>
#include <tapegrad/optim/optim.hpp>

namespace tg = tapegrad;
namespace nn = tapegrad::nn;
namespace optim = tapegrad::optim;

namespace {

// A layer with a parameter and a buffer (as BatchNorm's running statistics).
struct WithBuffer : nn::Module {
  tg::Tensor weight = register_parameter("weight", tg::ones({3}));
  tg::Tensor running = register_buffer("running_mean", tg::zeros({3}));
  std::string repr() const override { return "WithBuffer()"; }
};

struct Net : nn::Module {
  std::shared_ptr<WithBuffer> a = std::make_shared<WithBuffer>();
  Net() { register_module("bn", a); }
  std::string repr() const override { return "Net"; }
};

std::string temp_path(const std::string& name) { return std::string(P_tmpdir) + "/tapegrad_optim_state_" + name; }

}  // namespace

TEST_CASE("Module::state_dict holds parameters and buffers under PyTorch's names", "[optim][module-state]") {
  Net net;
  const auto dict = net.state_dict();
  REQUIRE(dict.size() == 2);
  CHECK(dict[0].first == "bn.weight");
  CHECK(dict[1].first == "bn.running_mean");

  Net other;
  net.a->running.fill_(5);
  other.load_state_dict(net.state_dict());
  CHECK(tg::to_vector<float>(other.a->running) == std::vector<float>{5, 5, 5});
}

TEST_CASE("tg::save / tg::load keep buffers (a buffer set to 5 comes back as 5)", "[optim][buffers]") {
  Net net;
  net.a->running.fill_(5);
  const auto path = temp_path("buffers.safetensors");
  tg::save(net, path);
  Net loaded;
  tg::load(loaded, path);
  CHECK(tg::to_vector<float>(loaded.a->running) == std::vector<float>{5, 5, 5});
  std::remove(path.c_str());
}

TEST_CASE("Module::load_state_dict: strict, missing, unexpected and mismatched keys", "[optim][module-state]") {
  Net net;
  auto dict = net.state_dict();
  dict.emplace_back("bn.extra", tg::zeros({1}));
  CHECK_THROWS_WITH(net.load_state_dict(dict), Catch::Contains("Unexpected key(s) in state_dict: \"bn.extra\""));
  CHECK_THROWS_AS(net.load_state_dict(dict), std::runtime_error);
  const auto result = net.load_state_dict(dict, false);
  CHECK(result.unexpected_keys == std::vector<std::string>{"bn.extra"});

  std::vector<std::pair<std::string, tg::Tensor>> partial{{"bn.weight", tg::full({3}, 2.0)}};
  CHECK_THROWS_WITH(net.load_state_dict(partial), Catch::Contains("Missing key(s) in state_dict: \"bn.running_mean\""));
  CHECK(tg::to_vector<float>(net.a->weight) == std::vector<float>{1, 1, 1});  // nothing half-loaded
  CHECK(net.load_state_dict(partial, false).missing_keys == std::vector<std::string>{"bn.running_mean"});
  CHECK(tg::to_vector<float>(net.a->weight) == std::vector<float>{2, 2, 2});

  std::vector<std::pair<std::string, tg::Tensor>> wrong{{"bn.weight", tg::zeros({4})}, {"bn.running_mean", tg::zeros({3})}};
  CHECK_THROWS_WITH(net.load_state_dict(wrong), Catch::Contains("size mismatch for bn.weight"));
}

TEMPLATE_TEST_CASE("Optimizer state_dict: a loaded copy continues bit-identically", "[optim][state]", optim::SGD,
                   optim::Adam, optim::AdamW, optim::RMSprop, optim::Adagrad, optim::Adadelta) {
  auto make_options = [] {
    if constexpr (std::is_same_v<TestType, optim::SGD>) return optim::SGDOptions(0.1).momentum(0.9);
    else if constexpr (std::is_same_v<TestType, optim::Adam>) return optim::AdamOptions(0.01).amsgrad(true);
    else if constexpr (std::is_same_v<TestType, optim::AdamW>) return optim::AdamWOptions(0.01);
    else if constexpr (std::is_same_v<TestType, optim::RMSprop>) return optim::RMSpropOptions(0.01).momentum(0.5).centered(true);
    else if constexpr (std::is_same_v<TestType, optim::Adagrad>) return optim::AdagradOptions(0.1).lr_decay(0.01);
    else return optim::AdadeltaOptions();
  };
  tg::manual_seed(3);
  auto p = tg::randn({5}).requires_grad_();
  auto q = p.detach().clone().requires_grad_();
  TestType a({p}, make_options()), b({q}, make_options());
  auto grad = [](int step) { return tg::full({5}, 0.1 * step - 0.25); };
  for (int s = 0; s < 3; ++s) {
    p.set_grad(grad(s));
    a.step();
  }
  {
    tg::NoGradGuard no_grad;
    q.copy_(p);
  }
  a.set_lr(a.lr() * 0.5);  // the groups' options travel too
  b.load_state_dict(a.state_dict());
  CHECK(b.lr() == a.lr());
  for (int s = 3; s < 6; ++s) {
    p.set_grad(grad(s));
    q.set_grad(grad(s));
    a.step();
    b.step();
  }
  CHECK(tg::to_vector<float>(p) == tg::to_vector<float>(q));
}

TEST_CASE("Optimizer load_state_dict refuses another optimizer, other shapes, missing and extra keys", "[optim][state]") {
  auto p = tg::zeros({3}).requires_grad_();
  optim::Adam adam({p});
  p.set_grad(tg::ones({3}));
  adam.step();
  const auto good = adam.state_dict();
  CHECK(good.values.at("state.0.step") == "1");

  optim::SGD sgd({p}, optim::SGDOptions(0.1));
  CHECK_THROWS_WITH(sgd.load_state_dict(good), Catch::Contains("belongs to Adam, not SGD"));

  auto other = tg::zeros({4}).requires_grad_();
  optim::Adam wrong_shape({other});
  CHECK_THROWS_WITH(wrong_shape.load_state_dict(good), Catch::Contains("\"state.0.exp_avg\" is float32[3]"));
  CHECK(wrong_shape.state(0) == nullptr);  // nothing half-loaded

  auto missing = good;
  missing.tensors.pop_back();
  optim::Adam fresh({tg::zeros({3}).requires_grad_()});
  CHECK_THROWS_WITH(fresh.load_state_dict(missing), Catch::Contains("missing tensor"));
  auto extra = good;
  extra.values["param_groups.0.nesterov"] = "true";
  CHECK_THROWS_WITH(fresh.load_state_dict(extra), Catch::Contains("unexpected key \"param_groups.0.nesterov\""));
  auto bad_lr = good;
  bad_lr.values["param_groups.0.lr"] = "-1";
  CHECK_THROWS_WITH(fresh.load_state_dict(bad_lr), Catch::Contains("Invalid learning rate: -1"));
  CHECK(fresh.state(0) == nullptr);
  CHECK(fresh.lr() == 1e-3);
}

// A state whose slot count is not the one its options name (state_names) is refused whole.
TEST_CASE("Optimizer load_state_dict refuses a state with more or fewer slots than its options name", "[optim][state]") {
  auto p = tg::zeros({3}).requires_grad_();
  optim::Adam adam({p});
  p.set_grad(tg::ones({3}));
  adam.step();
  const auto good = adam.state_dict();
  REQUIRE(good.tensors.size() == 2);  // exp_avg, exp_avg_sq

  optim::Adam fresh({tg::zeros({3}).requires_grad_()});
  auto extra_slot = good;
  extra_slot.tensors.emplace_back("state.0.max_exp_avg_sq", tg::zeros({3}));
  CHECK_THROWS_WITH(fresh.load_state_dict(extra_slot), Catch::Contains("unexpected tensor \"state.0.max_exp_avg_sq\""));
  auto missing_slot = good;
  missing_slot.values["param_groups.0.amsgrad"] = "true";  // three slots named, two given
  CHECK_THROWS_WITH(fresh.load_state_dict(missing_slot), Catch::Contains("missing tensor \"state.0.max_exp_avg_sq\""));
  CHECK(fresh.state(0) == nullptr);
  fresh.load_state_dict(good);
  REQUIRE(fresh.state(0) != nullptr);
  CHECK(fresh.state(0)->tensors.size() == 2);
}

TEST_CASE("Parameter groups: per-group options, add_param_group, repeated parameters", "[optim][groups]") {
  auto w = tg::ones({2}).requires_grad_(), b = tg::ones({2}).requires_grad_();
  // The classic use: biases without weight decay.
  optim::AdamW opt({optim::OptimizerParamGroup({w}),
                    optim::OptimizerParamGroup({b}, std::make_unique<optim::AdamWOptions>(optim::AdamWOptions(1e-3).weight_decay(0)))},
                   optim::AdamWOptions(1e-3).weight_decay(0.5));
  REQUIRE(opt.param_groups().size() == 2);
  CHECK(static_cast<const optim::AdamWOptions&>(opt.param_groups()[0].options()).weight_decay() == 0.5);
  w.set_grad(tg::zeros({2}));
  b.set_grad(tg::zeros({2}));
  opt.step();  // zero gradient: only decoupled decay moves a parameter
  CHECK(tg::to_vector<float>(w)[0] == Approx(1 - 1e-3 * 0.5));
  CHECK(tg::to_vector<float>(b)[0] == 1.0f);

  auto c = tg::ones({1}).requires_grad_();
  opt.add_param_group(optim::OptimizerParamGroup({c}));
  CHECK(opt.param_groups().size() == 3);
  CHECK(opt.param_groups()[2].options().get_lr() == 1e-3);  // the defaults
  CHECK_THROWS_WITH(opt.add_param_group(optim::OptimizerParamGroup({w})),
                    Catch::Contains("some parameters appear in more than one parameter group"));
  CHECK(opt.param_groups().size() == 3);
  CHECK_THROWS_AS(optim::Adam({optim::OptimizerParamGroup({w}), optim::OptimizerParamGroup({w})}), std::invalid_argument);
}

TEST_CASE("Optimizers validate options with PyTorch's messages", "[optim]") {
  auto p = tg::zeros({1}).requires_grad_();
  CHECK_THROWS_WITH(optim::Adam({p}, optim::AdamOptions(1e-3).betas({1.0, 0.999})), "Invalid beta parameter at index 0: 1.0");
  CHECK_THROWS_WITH(optim::Adam({p}, optim::AdamOptions(1e-3).betas({0.9, 1.5})), "Invalid beta parameter at index 1: 1.5");
  CHECK_THROWS_AS(optim::Adam({p}, optim::AdamOptions(1e-3).betas({-0.1, 0.9})), std::invalid_argument);
  CHECK_THROWS_WITH(optim::AdamW({p}, optim::AdamWOptions(-0.5)), "Invalid learning rate: -0.5");
  CHECK_THROWS_WITH(optim::Adam({p}, optim::AdamOptions().eps(-1)), "Invalid epsilon value: -1.0");
  CHECK_THROWS_WITH(optim::RMSprop({p}, optim::RMSpropOptions().alpha(-0.1)), "Invalid alpha value: -0.1");
  CHECK_THROWS_WITH(optim::RMSprop({p}, optim::RMSpropOptions().momentum(-0.1)), "Invalid momentum value: -0.1");
  CHECK_THROWS_WITH(optim::Adagrad({p}, optim::AdagradOptions().lr_decay(-1)), "Invalid lr_decay value: -1");
  CHECK_THROWS_WITH(optim::Adagrad({p}, optim::AdagradOptions().initial_accumulator_value(-1)),
                    "Invalid initial_accumulator_value value: -1");
  CHECK_THROWS_WITH(optim::Adadelta({p}, optim::AdadeltaOptions().rho(1.5)), "Invalid rho value: 1.5");
  CHECK_THROWS_WITH(optim::Adadelta({p}, optim::AdadeltaOptions().weight_decay(-2)), "Invalid weight_decay value: -2");
  CHECK(optim::AdamWOptions().weight_decay() == 0.01);
  CHECK(optim::AdadeltaOptions().lr() == 1.0);
}
