// Every optimizer against PyTorch 1.13: tests/fixtures/optim_trajectories.txt holds, per case, the
// options, the start values, and per step the gradient (or none) and the parameter after the step
// (make_optim_fixtures.py). float64 must match to 1e-6 abs + 1e-5 rel; float32 runs the same formula.
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

struct Case {
  std::string name, optimizer;
  std::map<std::string, double> options;
  std::vector<double> p0;
  std::vector<std::vector<double>> grads;  // empty: no gradient that step
  std::vector<std::vector<double>> after;
};

std::vector<double> numbers(std::istringstream& in) {
  std::vector<double> v;
  double x;
  while (in >> x) v.push_back(x);
  return v;
}

std::vector<Case> load_cases() {
  std::ifstream f(TAPEGRAD_SOURCE_DIR "/tests/fixtures/optim_trajectories.txt");
  REQUIRE(f);
  std::vector<Case> cases;
  std::string line;
  while (std::getline(f, line)) {
    std::istringstream in(line);
    std::string tag;
    in >> tag;
    if (tag == "case") {
      cases.emplace_back();
      in >> cases.back().name >> cases.back().optimizer;
      std::string kv;
      while (in >> kv) {
        const auto eq = kv.find('=');
        cases.back().options[kv.substr(0, eq)] = std::stod(kv.substr(eq + 1));
      }
    } else if (tag == "p0") {
      cases.back().p0 = numbers(in);
    } else if (tag == "g") {
      std::string rest;
      cases.back().grads.push_back(line == "g none" ? std::vector<double>{} : numbers(in));
    } else if (tag == "p") {
      cases.back().after.push_back(numbers(in));
    }
  }
  return cases;
}

// Sets every option the case names through the options' fields() (the names state_dict uses).
template <class Options> Options with_fields(Options o, const std::map<std::string, double>& values) {
  auto fields = o.fields();
  for (const auto& [key, value] : values) {
    bool found = false;
    for (auto& [name, ref] : fields) {
      if (name != key) continue;
      found = true;
      if (auto d = std::get_if<double*>(&ref)) **d = value;
      else *std::get<bool*>(ref) = value != 0;
    }
    INFO("option " << key);
    REQUIRE(found);
  }
  return o;
}

std::unique_ptr<optim::Optimizer> make(const Case& c, tg::Tensor p) {
  const auto& o = c.options;
  if (c.optimizer == "SGD") return std::make_unique<optim::SGD>(std::vector<tg::Tensor>{p}, with_fields(optim::SGDOptions(0), o));
  if (c.optimizer == "Adam") return std::make_unique<optim::Adam>(std::vector<tg::Tensor>{p}, with_fields(optim::AdamOptions(), o));
  if (c.optimizer == "AdamW") return std::make_unique<optim::AdamW>(std::vector<tg::Tensor>{p}, with_fields(optim::AdamWOptions(), o));
  if (c.optimizer == "RMSprop") return std::make_unique<optim::RMSprop>(std::vector<tg::Tensor>{p}, with_fields(optim::RMSpropOptions(), o));
  if (c.optimizer == "Adagrad") return std::make_unique<optim::Adagrad>(std::vector<tg::Tensor>{p}, with_fields(optim::AdagradOptions(), o));
  if (c.optimizer == "Adadelta") return std::make_unique<optim::Adadelta>(std::vector<tg::Tensor>{p}, with_fields(optim::AdadeltaOptions(), o));
  FAIL("unknown optimizer " << c.optimizer);
  return nullptr;
}

void run_case(const Case& c, tg::Dtype dtype, double abs_tol, double rel_tol) {
  auto p = tg::from_vector(c.p0, {static_cast<std::int64_t>(c.p0.size())}).to(dtype).requires_grad_();
  auto opt = make(c, p);
  REQUIRE(c.grads.size() >= 6);
  for (std::size_t step = 0; step < c.grads.size(); ++step) {
    p.set_grad(c.grads[step].empty() ? tg::Tensor()
                                     : tg::from_vector(c.grads[step], {static_cast<std::int64_t>(c.grads[step].size())}).to(dtype));
    opt->step();
    const auto got = tg::to_vector<double>(p);
    for (std::size_t i = 0; i < got.size(); ++i) {
      const double want = c.after[step][i];
      INFO(c.name << " " << dtype_name(dtype) << " step " << step + 1 << " element " << i << ": got " << got[i]
                  << ", want " << want);
      CHECK(std::abs(got[i] - want) <= abs_tol + rel_tol * std::abs(want));
    }
  }
}

}  // namespace

TEST_CASE("Optimizers: trajectories equal PyTorch 1.13's, float64", "[optim][fixture]") {
  const auto cases = load_cases();
  REQUIRE(cases.size() >= 15);
  for (const auto& c : cases) run_case(c, tg::kFloat64, 1e-6, 1e-5);
}

TEST_CASE("Optimizers: float32 follows the same trajectories", "[optim][fixture]") {
  for (const auto& c : load_cases()) run_case(c, tg::kFloat32, 1e-4, 1e-4);
}
