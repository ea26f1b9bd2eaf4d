// Optimizer state in PyTorch's layout (optim/torch_state.hpp): PyTorch 1.13's Adam and SGD state_dicts
// (tests/fixtures/pt/adam.pt, sgd.pt, made by make_pt_fixtures.py) load into tapegrad's optimizers with
// exact values, and the next step matches PyTorch's; tapegrad's state written as .pt has PyTorch's
// structure and reads back the same. tests/consumers/check_torch_optim.py checks the PyTorch side.
#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>
#include <map>

#include <tapegrad/core/io/pt.hpp>
#include <tapegrad/nn/nn.hpp>
#include <tapegrad/optim/optim.hpp>

#include "../support/files.hpp"

namespace nn = tapegrad::nn;
namespace optim = tapegrad::optim;
using tg::io::PtValue;
using Kind = PtValue::Kind;
using Catch::Contains;
using namespace support;

namespace {

std::string fixture(const std::string& name) {
  return (std::filesystem::path(TAPEGRAD_SOURCE_DIR) / "tests" / "fixtures" / "pt" / name).string();
}

nn::Sequential make_model() { return nn::Sequential(nn::Linear(4, 8), nn::Tanh(), nn::Linear(8, 3)); }

std::map<std::string, tg::Tensor> tensors_of(const PtValue& state_dict) {
  std::map<std::string, tg::Tensor> out;
  for (const auto& [name, t] : tg::io::pt_state_dict(state_dict, "fixture")) out.emplace(name, t);
  return out;
}

double max_difference(const tg::Tensor& a, const tg::Tensor& b) {
  REQUIRE(a.shape() == b.shape());
  const std::vector<double> x = values(a), y = values(b);
  double worst = 0;
  for (std::size_t i = 0; i < x.size(); ++i) worst = std::max(worst, std::abs(x[i] - y[i]));
  return worst;
}

// Loads the fixture's model and optimizer state, checks the state exactly, steps once on its batch
// and compares with PyTorch's step. `step`: the count the state should carry.
template <class Optimizer>
void continue_pytorch_run(const std::string& file, Optimizer& optimizer, nn::Sequential& model, std::int64_t step) {
  const PtValue run = tg::io::read_pt(fixture(file));
  model.load_state_dict(tg::io::pt_state_dict(*run.find("model"), file));
  optim::load_torch_state_dict(optimizer, *run.find("optimizer"), file);
  const PtValue& state = *run.find("optimizer")->find("state");
  const std::vector<tg::Tensor> params = optimizer.parameters();
  REQUIRE(state.entries().size() == params.size());
  for (const auto& [index, slot] : state.entries()) {
    const optim::OptimizerParamState* s = optimizer.state(static_cast<std::size_t>(index.as_int()));
    REQUIRE(s != nullptr);
    CHECK(s->step == step);
    const auto names = optimizer.state_names(optimizer.param_groups()[0].options());
    REQUIRE(s->tensors.size() == names.size());
    for (std::size_t t = 0; t < names.size(); ++t) CHECK(values(s->tensors[t]) == values(slot.find(names[t])->as_tensor()));
  }
  optimizer.zero_grad();
  nn::CrossEntropyLoss()(model(run.find("x")->as_tensor()), run.find("y")->as_tensor()).backward();
  optimizer.step();
  const auto next = tensors_of(*run.find("next"));
  for (const auto& [name, t] : model.named_parameters()) {
    INFO(name);
    CHECK(max_difference(t, next.at(name)) < 1e-6);
  }
}

}  // namespace

TEST_CASE("torch_state: PyTorch's Adam state_dict loads exactly and the next step matches PyTorch's", "[optim][pt]") {
  nn::Sequential model = make_model();
  optim::Adam adam(model.parameters(), optim::AdamOptions(0.5));  // options come from the file
  continue_pytorch_run("adam.pt", adam, model, 3);
  CHECK(adam.options().lr() == 0.01);
  CHECK(std::get<0>(adam.options().betas()) == 0.8);
  CHECK(adam.options().weight_decay() == 0.1);
  CHECK(adam.options().amsgrad());
}

TEST_CASE("torch_state: PyTorch's SGD state_dict (momentum, no step count) loads and the next step matches", "[optim][pt]") {
  // PyTorch keeps no step count for SGD: a momentum buffer means the first step is behind.
  const PtValue run = tg::io::read_pt(fixture("sgd.pt"));
  CHECK(run.find("optimizer")->find("state")->find(std::int64_t{0})->find("step") == nullptr);
  nn::Sequential twin = make_model();
  optim::SGD other(twin.parameters(), optim::SGDOptions(0.5).momentum(0.5));
  continue_pytorch_run("sgd.pt", other, twin, 1);  // 1: the count SGD's update needs (past the first step)
  CHECK(other.options().dampening() == 0.1);
}

TEST_CASE("torch_state: tapegrad's state is written in PyTorch's layout and reads back the same", "[optim][pt]") {
  nn::Sequential model = make_model();
  optim::Adam adam(model.parameters(), optim::AdamOptions(0.01).betas({0.8, 0.99}).amsgrad(true));
  const PtValue run = tg::io::read_pt(fixture("adam.pt"));
  model.load_state_dict(tg::io::pt_state_dict(*run.find("model"), "adam.pt"));
  optim::load_torch_state_dict(adam, *run.find("optimizer"), "adam.pt");

  TempDir dir;
  tg::save(adam, dir / "adam.pt");
  const PtValue written = tg::io::read_pt(dir / "adam.pt");
  // The same structure as PyTorch's own file: state by index, step a 0-d float32 tensor, betas a pair.
  const PtValue& torch = *run.find("optimizer");
  REQUIRE(written.find("state")->entries().size() == torch.find("state")->entries().size());
  for (const auto& [index, slot] : torch.find("state")->entries()) {
    const PtValue& mine = *written.find("state")->find(index.as_int());
    REQUIRE(mine.entries().size() == slot.entries().size());
    for (std::size_t k = 0; k < slot.entries().size(); ++k) {
      CHECK(mine.entries()[k].first.as_string() == slot.entries()[k].first.as_string());
      const tg::Tensor &a = mine.entries()[k].second.as_tensor(), &b = slot.entries()[k].second.as_tensor();
      CHECK(a.dtype() == b.dtype());
      CHECK(a.shape() == b.shape());
      CHECK(values(a) == values(b));
    }
  }
  const PtValue& group = written.find("param_groups")->items().at(0);
  const PtValue& torch_group = torch.find("param_groups")->items().at(0);
  CHECK(group.find("betas")->kind() == Kind::kTuple);
  CHECK(group.find("betas")->items()[1].as_float() == 0.99);
  CHECK(group.find("lr")->as_float() == torch_group.find("lr")->as_float());
  CHECK(group.find("amsgrad")->as_bool());
  std::vector<std::int64_t> params;
  for (const PtValue& p : group.find("params")->items()) params.push_back(p.as_int());
  CHECK(params == std::vector<std::int64_t>{0, 1, 2, 3});

  // Read back into a fresh optimizer: the same state.
  optim::Adam back(model.parameters(), optim::AdamOptions(0.5));
  tg::load(back, dir / "adam.pt");
  for (std::size_t i = 0; i < 4; ++i) {
    REQUIRE(back.state(i) != nullptr);
    CHECK(back.state(i)->step == adam.state(i)->step);
    for (std::size_t t = 0; t < 3; ++t) CHECK(values(back.state(i)->tensors[t]) == values(adam.state(i)->tensors[t]));
  }
}

TEST_CASE("torch_state: a state that does not fit the optimizer is refused, naming the file, the optimizer untouched",
          "[optim][pt]") {
  nn::Sequential model = make_model();
  optim::Adam adam(model.parameters(), optim::AdamOptions(0.5));
  // SGD's state into Adam: no exp_avg.
  // A file of something else than an optimizer's state.
  CHECK_THROWS_WITH(tg::load(adam, fixture("sgd.pt")), Contains("sgd.pt") && Contains("no 'param_groups' entry"));
  const PtValue sgd = tg::io::read_pt(fixture("sgd.pt"));
  CHECK_THROWS_WITH(optim::load_torch_state_dict(adam, *sgd.find("optimizer"), "sgd.pt"),
                    Contains("sgd.pt") && Contains("missing key \"param_groups.0.beta1\""));
  // Another model's parameters (one group of 2 instead of 4).
  nn::Linear small(4, 8);
  optim::Adam other(small.parameters(), optim::AdamOptions(0.5));
  const PtValue adam_run = tg::io::read_pt(fixture("adam.pt"));
  CHECK_THROWS_WITH(optim::load_torch_state_dict(other, *adam_run.find("optimizer"), "adam.pt"),
                    Contains("adam.pt") && Contains("doesn't match the size of optimizer's group"));
  CHECK(adam.lr() == 0.5);
  CHECK(adam.state(0) == nullptr);
  CHECK(other.state(0) == nullptr);
}
