// The convolutional layers beyond their values: bad input named with shapes, dropout's statistics,
// eval() behaviour, BatchNorm's buffers, the joining/slicing ops' values, module printing.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdio>

#include <tapegrad/tapegrad.hpp>

namespace tg = tapegrad;
namespace nn = tapegrad::nn;
namespace F = tapegrad::nn::functional;
using Catch::Matchers::Contains;

TEST_CASE("conv2d rejects bad input with PyTorch's messages naming the shapes", "[nn][conv]") {
  const tg::Tensor x = tg::randn({2, 3, 5, 5}), w = tg::randn({4, 3, 3, 3});
  CHECK_THROWS_WITH(F::conv2d(tg::randn({2, 3}), w),
                    "Expected 3D (unbatched) or 4D (batched) input to conv2d, but got input of size: [2, 3]");
  CHECK_THROWS_WITH(F::conv2d(x, tg::randn({4, 2, 3, 3})),
                    "Given groups=1, weight of size [4, 2, 3, 3], expected input[2, 3, 5, 5] to have 2 channels, but got 3 "
                    "channels instead");
  CHECK_THROWS_WITH(F::conv2d(x, tg::randn({3, 1, 3, 3}), nn::Conv2dFuncOptions().groups(2)),
                    Contains("expected weight to be divisible by 2 at dimension 0"));
  CHECK_THROWS_WITH(F::conv2d(x, tg::randn({4, 3, 7, 7})),
                    "Calculated padded input size per channel: (5 x 5). Kernel size: (7 x 7). Kernel size can't be greater "
                    "than actual input size");
  CHECK_THROWS_WITH(F::conv2d(x, w, nn::Conv2dFuncOptions().stride(0)), "non-positive stride is not supported");
  CHECK_THROWS_WITH(F::conv2d(x, w, nn::Conv2dFuncOptions().dilation({1, 0})), "non-positive dilation is not supported");
  CHECK_THROWS_WITH(F::conv2d(x, w, nn::Conv2dFuncOptions().padding(-1)), "negative padding is not supported");
  CHECK_THROWS_WITH(F::conv2d(x, w, nn::Conv2dFuncOptions().groups(0)), "non-positive groups is not supported");
  CHECK_THROWS_WITH(F::conv2d(x, w, nn::Conv2dFuncOptions().padding("same").stride(2)),
                    "padding='same' is not supported for strided convolutions");
  CHECK_THROWS_WITH(F::conv2d(x, w, nn::Conv2dFuncOptions().padding("foo")), "Invalid padding string: 'foo'");
  CHECK_THROWS_AS(F::conv2d(x, w.to(tg::kFloat64)), std::invalid_argument);
  CHECK_THROWS_WITH(nn::Conv2d(nn::Conv2dOptions(3, 4, 3).groups(2)), "in_channels must be divisible by groups");
  CHECK_THROWS_WITH(nn::Conv2d(nn::Conv2dOptions(4, 3, 3).groups(2)), "out_channels must be divisible by groups");
}

TEST_CASE("the poolings reject bad input naming the shapes", "[nn][conv]") {
  const tg::Tensor x = tg::randn({2, 3, 5, 5});
  CHECK_THROWS_WITH(F::max_pool2d(x, nn::MaxPool2dOptions(3).padding(2)),
                    "pad should be at most half of kernel size, but got pad=2 and kernel_size=3");
  CHECK_THROWS_WITH(F::max_pool2d(x, nn::MaxPool2dOptions(3).stride(0)), "stride should not be zero");
  CHECK_THROWS_WITH(F::max_pool2d(x, nn::MaxPool2dOptions(3).dilation(0)),
                    "dilation should be greater than zero, but got dilationH: 0 dilationW: 0");
  CHECK_THROWS_WITH(F::max_pool2d(tg::randn({2, 3}), nn::MaxPool2dOptions(2)), Contains("3D or 4D (batch mode) tensor expected"));
  CHECK_THROWS_WITH(F::avg_pool2d(tg::randn({1, 1, 2, 2}), nn::AvgPool2dOptions(3)),
                    "Given input size: (1x2x2). Calculated output size: (1x0x0). Output size is too small");
  CHECK_THROWS_WITH(F::adaptive_avg_pool2d(tg::randn({2, 3}), 2), "adaptive_avg_pool2d(): Expected 3D or 4D tensor, but got [2, 3]");
}

TEST_CASE("BatchNorm: one value per channel in training, wrong ranks and sizes", "[nn][batchnorm]") {
  nn::BatchNorm1d bn(3);
  CHECK_THROWS_WITH(bn(tg::randn({1, 3})), "Expected more than 1 value per channel when training, got input size [1, 3]");
  bn.eval();
  CHECK(bn(tg::randn({1, 3})).shape() == tg::Shape{1, 3});  // eval uses the running statistics
  CHECK_THROWS_WITH(bn(tg::randn({2, 3, 4, 5})), "expected 2D or 3D input (got 4D input)");
  nn::BatchNorm2d bn2(3);
  CHECK_THROWS_WITH(bn2(tg::randn({2, 3, 4})), "expected 4D input (got 3D input)");
  CHECK_THROWS_WITH(F::batch_norm(tg::randn({2, 4}), tg::zeros({3}), tg::ones({3}), nn::BatchNormFuncOptions().training(true)),
                    "running_mean should contain 4 elements not 3");
}

TEST_CASE("BatchNorm: an input with the wrong channel count is refused naming the layer and both counts",
          "[nn][batchnorm]") {
  nn::BatchNorm2d bn(16);
  const std::string expected =
      "BatchNorm2d(16, eps=1e-05, momentum=0.1, affine=true, track_running_stats=true) expected an input with 16 "
      "channels (dim 1), but got 8 channels (input of shape [4, 8, 5, 5])";
  CHECK_THROWS_AS(bn(tg::randn({4, 8, 5, 5})), std::invalid_argument);
  CHECK_THROWS_WITH(bn(tg::randn({4, 8, 5, 5})), expected);
  bn.eval();
  CHECK_THROWS_WITH(bn(tg::randn({4, 8, 5, 5})), expected);
  CHECK(tg::to_vector<std::int64_t>(bn.num_batches_tracked) == std::vector<std::int64_t>{0});  // refused before counting
  nn::BatchNorm1d affine_only(nn::BatchNormOptions(3).track_running_stats(false));
  CHECK_THROWS_WITH(affine_only(tg::randn({2, 4})), Contains("BatchNorm1d(3, ") && Contains("but got 4 channels"));
  // Nothing per channel (no weights, no running statistics): any count, as PyTorch.
  nn::BatchNorm2d stateless(nn::BatchNormOptions(16).affine(false).track_running_stats(false));
  CHECK(stateless(tg::randn({4, 8, 5, 5})).shape() == tg::Shape{4, 8, 5, 5});
}

TEST_CASE("BatchNorm: buffers under PyTorch's names, updated only in training", "[nn][batchnorm]") {
  nn::BatchNorm2d bn(2);
  std::vector<std::string> names;
  for (const auto& [name, t] : bn.named_buffers()) names.push_back(name);
  CHECK(names == std::vector<std::string>{"running_mean", "running_var", "num_batches_tracked"});
  const tg::Tensor x = tg::randn({4, 2, 3, 3}) * 3.0 + 1.0;
  bn(x);
  const auto mean_after = tg::to_vector<float>(bn.running_mean);
  CHECK(mean_after[0] != 0.0f);
  bn.eval();
  bn(x);
  CHECK(tg::to_vector<float>(bn.running_mean) == mean_after);
  CHECK(bn.num_batches_tracked.item<std::int64_t>() == 1);
  nn::BatchNorm2d no_stats(nn::BatchNormOptions(2).track_running_stats(false).affine(false));
  CHECK(no_stats.named_buffers().empty());
  CHECK(no_stats.parameters().empty());
  no_stats.eval();  // without running statistics eval normalises with the batch's
  const tg::Tensor y = no_stats(x);
  CHECK(std::abs(tg::mean(y).item()) < 1e-5);
}

TEST_CASE("dropout: p zeros, the mean kept, identity in eval, seeded by manual_seed", "[nn][dropout]") {
  const tg::Tensor x = tg::ones({200, 500});
  for (const double p : {0.25, 0.5}) {
    tg::manual_seed(3);
    const tg::Tensor y = F::dropout(x, nn::DropoutFuncOptions().p(p));
    const auto v = tg::to_vector<float>(y);
    std::size_t zeros = 0;
    for (float e : v) {
      if (e == 0) ++zeros;
      else CHECK(std::abs(e - 1.0 / (1 - p)) < 1e-6);
    }
    const double n = static_cast<double>(v.size());
    // Binomial: 5 standard deviations.
    CHECK(std::abs(static_cast<double>(zeros) / n - p) < 5 * std::sqrt(p * (1 - p) / n));
    CHECK(std::abs(tg::mean(y).item() - 1.0) < 5 * std::sqrt(p / (1 - p) / n));
    tg::manual_seed(3);
    CHECK(tg::to_vector<float>(F::dropout(x, nn::DropoutFuncOptions().p(p))) == v);  // same seed, same mask
  }
  CHECK(tg::to_vector<float>(F::dropout(x, nn::DropoutFuncOptions().p(1.0))) == std::vector<float>(100000, 0.0f));
  nn::Dropout drop(0.5);
  drop.eval();
  CHECK(drop(x).is_same(x));
  CHECK_THROWS_WITH(nn::Dropout(1.5), "dropout probability has to be between 0 and 1, but got 1.500000");
}

TEST_CASE("dropout2d zeroes whole channels", "[nn][dropout]") {
  tg::manual_seed(1);
  const tg::Tensor y = F::dropout2d(tg::ones({8, 16, 3, 3}), nn::DropoutFuncOptions().p(0.5));
  const auto v = tg::to_vector<float>(y);
  std::size_t dropped = 0;
  for (std::size_t c = 0; c < 8 * 16; ++c) {
    const float first = v[c * 9];
    for (std::size_t i = 1; i < 9; ++i) CHECK(v[c * 9 + i] == first);
    dropped += first == 0;
  }
  CHECK(dropped > 30);
  CHECK(dropped < 98);
}

TEST_CASE("cat, stack, pad, narrow, select, slice values and errors", "[nn][conv]") {
  const tg::Tensor a = tg::tensor({{1., 2.}, {3., 4.}}), b = tg::tensor({{5., 6.}});
  CHECK(tg::to_vector<float>(tg::cat({a, b}, 0)) == std::vector<float>{1, 2, 3, 4, 5, 6});
  CHECK(tg::to_vector<float>(tg::cat({a, a}, 1)) == std::vector<float>{1, 2, 1, 2, 3, 4, 3, 4});
  CHECK_THROWS_WITH(tg::cat({a, b}, 1),
                    "Sizes of tensors must match except in dimension 1. Expected size 2 but got size 1 for tensor number 1 in the list.");
  CHECK_THROWS_WITH(tg::cat({}, 0), "torch.cat(): expected a non-empty list of Tensors");
  CHECK(tg::stack({a, a}, 1).shape() == tg::Shape{2, 2, 2});
  CHECK_THROWS_WITH(tg::stack({a, b}), "stack expects each tensor to be equal size, but got [2, 2] at entry 0 and [1, 2] at entry 1");
  CHECK(tg::to_vector<float>(tg::pad(b, {1, 0, 0, 1}, 9)) == std::vector<float>{9, 5, 6, 9, 9, 9});
  CHECK(tg::to_vector<float>(tg::pad(a, {-1, 0})) == std::vector<float>{2, 4});
  CHECK_THROWS_WITH(tg::pad(a, {1, 2, 3}), "Padding length must be divisible by 2");
  CHECK(tg::to_vector<float>(tg::narrow(a, 1, 1, 1)) == std::vector<float>{2, 4});
  CHECK_THROWS_WITH(tg::narrow(tg::randn({2, 3}), 1, 2, 2), "start (2) + length (2) exceeds dimension size (3).");
  CHECK(tg::to_vector<float>(tg::select(a, 0, -1)) == std::vector<float>{3, 4});
  CHECK_THROWS_AS(tg::select(a, 1, 5), std::out_of_range);
  CHECK(tg::to_vector<float>(tg::slice(tg::tensor({0., 1., 2., 3., 4., 5., 6.}), 0, 1, 100, 3)) == std::vector<float>{1, 4});
}

TEST_CASE("conv modules: shapes, parameters, printing, Flatten/Unflatten", "[nn][conv]") {
  nn::Conv2d conv(nn::Conv2dOptions(4, 6, {3, 2}).stride(2).padding(1).groups(2).bias(false));
  CHECK(conv.weight.shape() == tg::Shape{6, 2, 3, 2});
  CHECK_FALSE(conv.bias.defined());
  CHECK(conv(tg::randn({1, 4, 7, 7})).shape() == tg::Shape{1, 6, 4, 4});
  CHECK(conv.repr() == "Conv2d(4, 6, kernel_size=(3, 2), stride=(2, 2), padding=(1, 1), groups=2, bias=false)");
  nn::Conv2d same(nn::Conv2dOptions(1, 2, 4).padding("same"));
  CHECK(same(tg::randn({1, 1, 5, 6})).shape() == tg::Shape{1, 2, 5, 6});
  CHECK(nn::MaxPool2d(2)(tg::randn({2, 3, 5, 5})).shape() == tg::Shape{2, 3, 2, 2});
  CHECK(nn::AvgPool2d(nn::AvgPool2dOptions(2).ceil_mode(true))(tg::randn({3, 5, 5})).shape() == tg::Shape{3, 3, 3});
  CHECK(nn::AdaptiveAvgPool2d(1)(tg::randn({2, 3, 5, 5})).shape() == tg::Shape{2, 3, 1, 1});
  CHECK(nn::Flatten()(tg::randn({2, 3, 4})).shape() == tg::Shape{2, 12});
  CHECK(nn::Unflatten(1, {3, 4})(tg::randn({2, 12})).shape() == tg::Shape{2, 3, 4});
  CHECK_THROWS_WITH(nn::Unflatten(1, {2, 2})(tg::randn({2, 3})),
                    "unflatten: Provided sizes [2, 2] don't multiply up to the size of dim 1 (3) in the input tensor");
}

TEST_CASE("a BatchNorm model's checkpoint restores its running statistics", "[nn][batchnorm][state]") {
  tg::manual_seed(4);
  auto make = [] { return nn::Sequential(nn::Conv2d(2, 3, 3), nn::BatchNorm2d(3), nn::ReLU(), nn::Flatten()); };
  nn::Sequential model = make();
  for (int i = 0; i < 3; ++i) model(tg::randn({4, 2, 5, 5}) * 2.0 + 0.5);  // moves the running statistics
  model.eval();
  const tg::Tensor x = tg::randn({2, 2, 5, 5});
  const auto expected = tg::to_vector<float>(model(x));
  const std::string path = std::string(TAPEGRAD_SOURCE_DIR) + "/build/bn_checkpoint_test.safetensors";
  tg::save(model, path);
  tg::manual_seed(99);
  nn::Sequential restored = make();
  tg::load(restored, path);
  restored.eval();
  CHECK(tg::to_vector<float>(restored(x)) == expected);
  CHECK(restored.at<nn::BatchNorm2d>(1).num_batches_tracked.item<std::int64_t>() == 3);
  std::remove(path.c_str());
}
