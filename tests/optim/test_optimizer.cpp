// The Optimizer base: parameter list checks, shared handles, zero_grad, step under NoGradGuard.
#include <catch2/catch.hpp>

#include <tapegrad/core/autograd.hpp>
#include <tapegrad/core/ops.hpp>
#include <tapegrad/core/tensor.hpp>
#include <tapegrad/nn/module.hpp>
#include <tapegrad/optim/optim.hpp>

namespace tg = tapegrad;
using tg::optim::SGD;
using tg::optim::SGDOptions;

namespace {

// y = w * x + b, elementwise: a module with two parameters, built on the Module base only.
struct Affine : tg::nn::Module {
  // Handles returned by register_parameter.
  tg::Tensor w;
  tg::Tensor b;
  Affine() : w(register_parameter("w", tg::tensor({2., -1.}))), b(register_parameter("b", tg::tensor({0.5, 0}))) {}
  tg::Tensor forward(const tg::Tensor& x) const { return w * x + b; }
};

}  // namespace

TEST_CASE("Optimizer: rejects bad parameter lists", "[optim]") {
  CHECK_THROWS_WITH(SGD({}, SGDOptions(0.1)), "optimizer got an empty parameter list");
  CHECK_THROWS_AS(SGD({}, SGDOptions(0.1)), std::invalid_argument);
  auto p = tg::tensor({1., 2.}).requires_grad_();
  CHECK_THROWS_WITH(SGD({p, tg::Tensor()}, SGDOptions(0.1)), "optimizer parameter 1 is an undefined tensor");
  CHECK_THROWS_WITH(SGD({p, p}, SGDOptions(0.1)), "optimizer parameter 1 appears more than once in the list");
  CHECK_THROWS_WITH(SGD({tg::arange(3)}, SGDOptions(0.1)),
                    Catch::Contains("optimizer parameter 0 has dtype int64"));
  auto non_leaf = p * 2.0;
  CHECK_THROWS_WITH(SGD({non_leaf}, SGDOptions(0.1)), Catch::Contains("can't optimize a non-leaf Tensor"));
}

TEST_CASE("Optimizer: zero_grad resets to undefined by default", "[optim]") {
  auto p = tg::tensor({1., 2.}).requires_grad_();
  SGD sgd({p}, SGDOptions(0.1));
  tg::sum(p * p).backward();
  REQUIRE(p.grad().defined());
  sgd.zero_grad();
  CHECK_FALSE(p.grad().defined());
  tg::sum(p * p).backward();
  CHECK(tg::to_vector<float>(p.grad()) == std::vector<float>{2, 4});
}

TEST_CASE("Optimizer: zero_grad(false) zeroes in place and keeps the buffer", "[optim]") {
  auto p = tg::tensor({1., 2.}).requires_grad_();
  auto q = tg::tensor({3.}).requires_grad_();  // never gets a gradient
  SGD sgd({p, q}, SGDOptions(0.1));
  tg::sum(p * p).backward();
  const auto grad = p.grad();
  REQUIRE(grad.defined());
  CHECK(tg::to_vector<float>(grad) == std::vector<float>{2, 4});
  const void* buffer = grad.raw_data();
  sgd.zero_grad(false);
  CHECK(p.grad().is_same(grad));
  CHECK(p.grad().raw_data() == buffer);
  CHECK(tg::to_vector<float>(p.grad()) == std::vector<float>{0, 0});
  CHECK_FALSE(q.grad().defined());  // nothing is allocated for a missing gradient
}

TEST_CASE("Optimizer: updates the tensors the module holds, through real backward passes", "[optim]") {
  Affine model;
  SGD sgd(model.parameters(), SGDOptions(0.1).momentum(0.5));
  const auto x = tg::tensor({1., 3.});
  // loss = sum(w*x + b) has gradients dw = x, db = 1 at every step.
  for (int step = 0; step < 2; ++step) {
    sgd.zero_grad();
    tg::sum(model.forward(x)).backward();
    sgd.step();
  }
  // Two momentum steps with a constant gradient g: p - 0.1*g - 0.1*(0.5*g + g) = p - 0.25*g.
  CHECK(tg::to_vector<float>(model.w) == std::vector<float>{2 - 0.25f * 1, -1 - 0.25f * 3});
  CHECK(tg::to_vector<float>(model.b) == std::vector<float>{0.5f - 0.25f, -0.25f});
  // Gradients accumulated only one step's worth: zero_grad reset them in between.
  CHECK(tg::to_vector<float>(model.w.grad()) == std::vector<float>{1, 3});
}

TEST_CASE("Optimizer: step runs without recording and restores grad mode", "[optim]") {
  auto p = tg::tensor({1., 2.}).requires_grad_();
  SGD sgd({p}, SGDOptions(0.1));
  p.set_grad(tg::tensor({1., 1.}));
  REQUIRE(tg::GradMode::is_enabled());
  sgd.step();
  CHECK(tg::GradMode::is_enabled());
  CHECK(p.is_leaf());
}

TEST_CASE("Optimizer: a value saved for backward before a step is detected as stale", "[optim]") {
  auto p = tg::tensor({1., 2.}).requires_grad_();
  SGD sgd({p}, SGDOptions(0.1));
  auto loss = tg::sum(p * p);  // saves p
  p.set_grad(tg::tensor({1., 1.}));
  sgd.step();  // modifies p in place
  CHECK_THROWS(loss.backward());
}

TEST_CASE("Optimizer: a momentum buffer that no longer matches its parameter is reported", "[optim]") {
  Affine model;
  SGD sgd(model.parameters(), SGDOptions(0.1).momentum(0.9));
  model.w.set_grad(tg::tensor({1., 1.}));
  sgd.step();
  model.to(tg::kFloat64);  // swaps the storage under the optimizer
  model.w.set_grad(tg::tensor({1, 1}, tg::kFloat64));
  CHECK_THROWS_WITH(sgd.step(), Catch::Contains("changed dtype or shape"));
}

TEST_CASE("Optimizer options: the momentum OneCycleLR cycles is momentum(), else Adam's beta1, else none",
          "[optim]") {
  namespace o = tg::optim;
  o::SGDOptions sgd(0.1);
  o::RMSpropOptions rmsprop;
  o::AdamOptions adam;
  o::AdamWOptions adamw;
  o::AdagradOptions adagrad;
  o::AdadeltaOptions adadelta;
  sgd.momentum(0.5);
  CHECK(sgd.has_momentum());
  CHECK(sgd.get_momentum() == 0.5);
  rmsprop.set_momentum(0.25);
  CHECK((rmsprop.has_momentum() && rmsprop.momentum() == 0.25));
  for (o::OptimizerOptions* beta_one : std::initializer_list<o::OptimizerOptions*>{&adam, &adamw}) {
    CHECK(beta_one->has_momentum());
    CHECK(beta_one->get_momentum() == 0.9);  // beta1
    beta_one->set_momentum(0.85);
  }
  CHECK(std::get<0>(adam.betas()) == 0.85);
  CHECK(std::get<0>(adamw.betas()) == 0.85);
  CHECK_FALSE(adagrad.has_momentum());
  CHECK_FALSE(adadelta.has_momentum());
  adagrad.set_lr(0.5);
  CHECK(adagrad.lr() == 0.5);
  CHECK(adadelta.get_lr() == 1.0);
}

TEST_CASE("Optimizer: an option that needs more state, turned on after the first step, is refused by name",
          "[optim]") {
  auto p = tg::tensor({1., 2.}).requires_grad_();
  auto step = [&p](tg::optim::Optimizer& opt) {
    opt.zero_grad();
    (p * p).sum().backward();
    opt.step();
  };
  tg::optim::Adam adam({p}, tg::optim::AdamOptions(0.1));
  step(adam);
  static_cast<tg::optim::AdamOptions&>(adam.param_groups()[0].options()).amsgrad(true);
  CHECK_THROWS_WITH(step(adam), Catch::Matchers::Contains("Adam: parameter 0 has no 'max_exp_avg_sq' state"));
  CHECK_THROWS_AS(step(adam), std::runtime_error);

  tg::optim::RMSprop rmsprop({p}, tg::optim::RMSpropOptions(0.1));
  step(rmsprop);
  static_cast<tg::optim::RMSpropOptions&>(rmsprop.param_groups()[0].options()).momentum(0.9);
  CHECK_THROWS_WITH(step(rmsprop), Catch::Matchers::Contains("RMSprop: parameter 0 has no 'momentum_buffer' state"));
}

// State is kept by position (state_names() order), so a slot an option no longer uses would shift the
// others: RMSprop with momentum and centered keeps {square_avg, momentum_buffer, grad_avg}; with momentum
// 0 its kernel would read momentum_buffer as grad_avg, and state_dict would save it under that name.
TEST_CASE("Optimizer: an option that needs state, turned off after the first step, is refused by count",
          "[optim]") {
  auto p = tg::tensor({1., 2.}).requires_grad_();
  auto step = [&p](tg::optim::Optimizer& opt) {
    opt.zero_grad();
    (p * p).sum().backward();
    opt.step();
  };
  tg::optim::RMSprop rmsprop({p}, tg::optim::RMSpropOptions(0.1).momentum(0.9).centered(true));
  step(rmsprop);
  const std::vector<float> before = tg::to_vector<float>(p);
  static_cast<tg::optim::RMSpropOptions&>(rmsprop.param_groups()[0].options()).momentum(0);
  CHECK_THROWS_WITH(step(rmsprop), Catch::Matchers::Contains("RMSprop: parameter 0 has 3 state tensors but its options use 2"));
  CHECK_THROWS_AS(step(rmsprop), std::runtime_error);
  CHECK(tg::to_vector<float>(p) == before);  // refused before the update
  CHECK_THROWS_WITH(rmsprop.state_dict(), Catch::Matchers::Contains("has 3 state tensors but its options use 2"));

  tg::optim::Adam adam({p}, tg::optim::AdamOptions(0.1).amsgrad(true));
  step(adam);
  static_cast<tg::optim::AdamOptions&>(adam.param_groups()[0].options()).amsgrad(false);
  CHECK_THROWS_WITH(step(adam), Catch::Matchers::Contains("Adam: parameter 0 has 3 state tensors but its options use 2"));

  // SGD keeps no state without momentum: its old buffer stays, unread, and the plain update runs.
  auto q = tg::tensor({1., 2.}).requires_grad_();
  SGD sgd({q}, SGDOptions(0.5).momentum(0.9));
  q.set_grad(tg::tensor({1., 1.}));
  sgd.step();
  static_cast<SGDOptions&>(sgd.param_groups()[0].options()).momentum(0);
  sgd.step();
  CHECK(tg::to_vector<float>(q) == std::vector<float>{0.0f, 1.0f});
}
