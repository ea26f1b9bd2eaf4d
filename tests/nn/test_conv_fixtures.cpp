// conv2d, the poolings and BatchNorm against PyTorch 1.13 (tests/fixtures/make_conv_fixtures.py):
// forward values and every gradient in float32 within 1e-5 absolute + 1e-4 relative, and the same
// cases in float64 (the reference path) against the float32 values.
#include <catch2/catch.hpp>

#include <cmath>
#include <fstream>
#include <map>
#include <sstream>

#include <tapegrad/tapegrad.hpp>

namespace tg = tapegrad;
namespace nn = tapegrad::nn;
namespace F = tapegrad::nn::functional;

namespace {

using Fixtures = std::map<std::string, tg::Tensor>;

const Fixtures& fixtures() {
  static const Fixtures all = [] {
    Fixtures out;
    std::ifstream in(std::string(TAPEGRAD_SOURCE_DIR) + "/tests/fixtures/conv_fixtures.txt");
    if (!in) throw std::runtime_error("cannot open tests/fixtures/conv_fixtures.txt");
    std::string line;
    while (std::getline(in, line)) {
      if (line.empty() || line[0] == '#') continue;
      std::istringstream s(line);
      std::string name;
      std::int64_t nd = 0;
      s >> name >> nd;
      tg::Shape shape(static_cast<std::size_t>(nd));
      for (auto& d : shape) s >> d;
      std::vector<float> values(static_cast<std::size_t>(tg::shape_numel(shape)));
      for (auto& v : values) s >> v;
      out[name] = tg::from_vector(values, shape);
    }
    return out;
  }();
  return all;
}

tg::Tensor fx(const std::string& name, tg::Dtype dtype = tg::kFloat32, bool grad = false) {
  const auto it = fixtures().find(name);
  if (it == fixtures().end()) throw std::runtime_error("no fixture " + name);
  tg::Tensor t = it->second.to(dtype).clone();
  if (grad) t.requires_grad_(true);
  return t;
}

void check_close(const tg::Tensor& actual, const tg::Tensor& expected, const std::string& what) {
  INFO(what);
  REQUIRE(actual.defined());
  REQUIRE(actual.shape() == expected.shape());
  const auto a = tg::to_vector<double>(actual), e = tg::to_vector<double>(expected);
  double worst = 0;
  std::size_t at = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const double excess = std::abs(a[i] - e[i]) - (1e-5 + 1e-4 * std::abs(e[i]));
    if (excess > worst) { worst = excess; at = i; }
  }
  INFO("element " << at << ": " << (a.empty() ? 0 : a[at]) << " vs PyTorch " << (e.empty() ? 0 : e[at]));
  CHECK(worst == 0);
}

// Runs fn on the case's inputs (in dtype), backpropagates the case's gy and compares y and the gradients.
void check_case(const std::string& c, const std::vector<std::string>& names,
                const std::function<tg::Tensor(const std::vector<tg::Tensor>&)>& fn, tg::Dtype dtype) {
  std::vector<tg::Tensor> inputs;
  for (const auto& n : names) inputs.push_back(fx(c + "." + n, dtype, true));
  const tg::Tensor y = fn(inputs);
  check_close(y, fx(c + ".y"), c + " forward");
  tg::sum(y * fx(c + ".gy", dtype)).backward();
  for (std::size_t i = 0; i < names.size(); ++i) check_close(inputs[i].grad(), fx(c + ".d" + names[i]), c + " d" + names[i]);
}

}  // namespace

TEST_CASE("conv2d and the poolings match PyTorch 1.13: forward and every gradient", "[nn][conv][fixtures]") {
  using In = std::vector<tg::Tensor>;
  for (const tg::Dtype dtype : {tg::kFloat32, tg::kFloat64}) {
    DYNAMIC_SECTION(tg::dtype_name(dtype)) {
      check_case("conv_bias", {"x", "w", "b"}, [](const In& x) { return F::conv2d(x[0], x[1], nn::Conv2dFuncOptions().bias(x[2])); }, dtype);
      check_case("conv_strided_groups", {"x", "w"},
                 [](const In& x) {
                   return F::conv2d(x[0], x[1], nn::Conv2dFuncOptions().stride({2, 1}).padding({1, 2}).dilation({2, 1}).groups(2));
                 },
                 dtype);
      check_case("conv_same", {"x", "w", "b"},
                 [](const In& x) { return F::conv2d(x[0], x[1], nn::Conv2dFuncOptions().bias(x[2]).padding("same").dilation({1, 2})); },
                 dtype);
      check_case("conv_valid_unbatched", {"x", "w"},
                 [](const In& x) { return F::conv2d(x[0], x[1], nn::Conv2dFuncOptions().padding("valid").stride(2)); }, dtype);
      check_case("maxpool_ceil", {"x"},
                 [](const In& x) { return F::max_pool2d(x[0], nn::MaxPool2dOptions(3).stride(2).padding(1).ceil_mode(true)); }, dtype);
      check_case("maxpool_dilation", {"x"},
                 [](const In& x) { return F::max_pool2d(x[0], nn::MaxPool2dOptions({2, 3}).stride({1, 2}).dilation({2, 1})); }, dtype);
      check_case("avgpool_ceil_exclude", {"x"},
                 [](const In& x) {
                   return F::avg_pool2d(x[0], nn::AvgPool2dOptions(3).stride(2).padding(1).ceil_mode(true).count_include_pad(false));
                 },
                 dtype);
      check_case("avgpool_ceil_include", {"x"},
                 [](const In& x) { return F::avg_pool2d(x[0], nn::AvgPool2dOptions({2, 3}).stride(2).padding(1).ceil_mode(true)); }, dtype);
      check_case("adaptive", {"x"}, [](const In& x) { return F::adaptive_avg_pool2d(x[0], {3, 4}); }, dtype);
    }
  }
}

namespace {

template <class BN> void check_batch_norm(const std::string& c, BN& bn, tg::Dtype dtype) {
  {
    tg::NoGradGuard no_grad;
    bn.weight.copy_(fx(c + ".weight"));
    bn.bias.copy_(fx(c + ".bias"));
  }
  bn.to(dtype);
  for (int step = 0; step < 2; ++step) {
    const std::string s = c + ".step" + std::to_string(step);
    tg::Tensor x = fx(s + ".x", dtype, true);
    const tg::Tensor y = bn(x);
    check_close(y, fx(s + ".y"), s + " forward");
    bn.zero_grad();
    tg::sum(y * fx(s + ".gy", dtype)).backward();
    check_close(x.grad(), fx(s + ".dx"), s + " dx");
    check_close(bn.weight.grad(), fx(s + ".dweight"), s + " dweight");
    check_close(bn.bias.grad(), fx(s + ".dbias"), s + " dbias");
    check_close(bn.running_mean, fx(s + ".running_mean"), s + " running_mean");
    check_close(bn.running_var, fx(s + ".running_var"), s + " running_var");
  }
  CHECK(bn.num_batches_tracked.template item<std::int64_t>() == 2);
  bn.eval();
  check_close(bn(fx(c + ".eval_x", dtype)), fx(c + ".eval_y"), c + " eval forward");
}

}  // namespace

TEST_CASE("BatchNorm matches PyTorch 1.13: training steps, running statistics, eval", "[nn][batchnorm][fixtures]") {
  for (const tg::Dtype dtype : {tg::kFloat32, tg::kFloat64}) {
    DYNAMIC_SECTION(tg::dtype_name(dtype)) {
      nn::BatchNorm2d bn2d(3);
      check_batch_norm("bn2d", bn2d, dtype);
      nn::BatchNorm1d bn1d(nn::BatchNormOptions(4).momentum(std::nullopt));
      check_batch_norm("bn1d_momentum_none", bn1d, dtype);
    }
  }
}
