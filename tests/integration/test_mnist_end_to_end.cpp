// The seed network end to end: equivalence with PyTorch over 20 SGD steps, and a short training run.
#include <catch2/catch.hpp>
#include <tapegrad/tapegrad.hpp>

#include <cmath>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace tg = tapegrad;
namespace nn = tapegrad::nn;
namespace ds = tapegrad::datasets;

namespace {

const std::string kMnist = std::string(TAPEGRAD_SOURCE_DIR) + "/data/mnist";

nn::Sequential seed_network() {
  return nn::Sequential(nn::Linear(784, 512), nn::ReLU(), nn::Linear(512, 256), nn::ReLU(), nn::Linear(256, 128),
                        nn::ReLU(), nn::Linear(128, 64), nn::ReLU(), nn::Linear(64, 10));
}

std::uint64_t splitmix64(std::uint64_t x) {
  std::uint64_t z = x + 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// The initial weights make_mnist_sgd_fixture.py gives PyTorch: element i of parameter k is a hash
// of (k, i) mapped to U(-1/sqrt(in), 1/sqrt(in)).
void set_hashed_weights(nn::Module& model) {
  tg::NoGradGuard no_grad;
  std::uint64_t k = 0;
  std::int64_t fan_in = 1;
  for (auto& [name, p] : model.named_parameters()) {  // weight then bias of each layer
    if (name.ends_with("weight")) fan_in = p.size(1);
    const double bound = 1.0 / std::sqrt(static_cast<double>(fan_in));
    float* v = p.data<float>();
    for (std::int64_t i = 0; i < p.numel(); ++i) {
      const double u = static_cast<double>(splitmix64((k << 32) + static_cast<std::uint64_t>(i)) >> 11) * 0x1.0p-53;
      v[i] = static_cast<float>((2.0 * u - 1.0) * bound);
    }
    p.bump_version();
    ++k;
  }
}

std::vector<double> read_numbers(std::istream& in) {
  std::string line;
  std::getline(in, line);
  std::istringstream s(line);
  std::vector<double> out;
  for (double v; s >> v;) out.push_back(v);
  return out;
}

}  // namespace

TEST_CASE("seed network: 20 SGD-momentum steps match PyTorch 1.13", "[integration][e2e]") {
  std::ifstream fixture(std::string(TAPEGRAD_SOURCE_DIR) + "/tests/fixtures/mnist_sgd_20_steps.txt");
  REQUIRE(fixture);
  while (fixture.peek() == '#') fixture.ignore(1 << 20, '\n');
  const std::vector<double> indices = read_numbers(fixture);
  const std::vector<double> expected_losses = read_numbers(fixture);
  const std::vector<double> expected_moves = read_numbers(fixture);
  REQUIRE(indices.size() == 20 * 64);
  REQUIRE(expected_losses.size() == 20);
  REQUIRE(expected_moves.size() == 10);

  ds::MNIST train(kMnist, ds::MNIST::Mode::kTrain);
  train.set_transform(ds::Normalize(0.1307, 0.3081));
  nn::Sequential model = seed_network();
  set_hashed_weights(model);
  std::vector<tg::Tensor> initial;
  for (const auto& p : model.parameters()) initial.push_back(p.detach().clone());

  nn::CrossEntropyLoss criterion;
  tg::optim::SGD optimizer(model.parameters(), tg::optim::SGDOptions(0.01).momentum(0.5));
  for (std::size_t step = 0; step < 20; ++step) {
    std::vector<std::int64_t> batch(indices.begin() + static_cast<std::ptrdiff_t>(step * 64),
                                    indices.begin() + static_cast<std::ptrdiff_t>((step + 1) * 64));
    auto [images, labels] = train.get_batch(batch);
    optimizer.zero_grad();
    tg::Tensor loss = criterion(model(images), labels);
    loss.backward();
    optimizer.step();
    INFO("step " << step);
    CHECK(loss.item() == Approx(expected_losses[step]).epsilon(1e-4));
  }
  const auto params = model.parameters();
  for (std::size_t k = 0; k < params.size(); ++k) {
    const double moved = tg::sqrt(tg::sum(tg::pow((params[k].detach() - initial[k]).to(tg::kFloat64), 2))).item();
    INFO("parameter " << k);
    CHECK(moved == Approx(expected_moves[k]).epsilon(1e-3));
  }
}

TEST_CASE("seed network: two epochs on the 10,000-digit subset reach 90% test accuracy", "[integration][e2e]") {
  tg::manual_seed(7);
  auto train = std::make_shared<ds::MNIST>(kMnist, ds::MNIST::Mode::kTrain);
  auto test = std::make_shared<ds::MNIST>(kMnist, ds::MNIST::Mode::kTest);
  train->set_transform(ds::Normalize(0.1307, 0.3081));
  test->set_transform(ds::Normalize(0.1307, 0.3081));
  nn::Sequential model = seed_network();
  nn::CrossEntropyLoss criterion;
  tg::optim::SGD optimizer(model.parameters(), tg::optim::SGDOptions(0.05).momentum(0.9));
  ds::DataLoader loader(train, ds::DataLoaderOptions(64).shuffle(true));
  for (int epoch = 0; epoch < 2; ++epoch)
    for (auto& [images, labels] : loader) {
      optimizer.zero_grad();
      criterion(model(images), labels).backward();
      optimizer.step();
    }
  tg::NoGradGuard no_grad;
  std::int64_t correct = 0;
  for (auto& [images, labels] : ds::DataLoader(test, ds::DataLoaderOptions(1000)))
    correct += static_cast<std::int64_t>(tg::sum(tg::eq(tg::argmax(model(images), 1), labels)).item());
  const double accuracy = 100.0 * static_cast<double>(correct) / static_cast<double>(test->size());
  INFO("accuracy " << accuracy << " %");
  CHECK(accuracy >= 90.0);
}
