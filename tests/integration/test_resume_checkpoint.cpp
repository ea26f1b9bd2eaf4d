// A training checkpoint with the DataLoader's position (optim/training_checkpoint given the loader):
// a loop resumed mid-epoch ends bit-identically; a checkpoint and a loader that do not belong together
// are refused, naming why, with nothing half-loaded. (The same across a SIGKILL, on MNIST, with the
// README's loop: tests/integration/resume_loop.sh.)
#include <catch2/catch.hpp>

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <string>
#include <tapegrad/tapegrad.hpp>
#include <vector>

namespace tg = tapegrad;
namespace nn = tapegrad::nn;
namespace ds = tapegrad::datasets;
namespace optim = tapegrad::optim;

namespace {

std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("tapegrad_resume_" + std::to_string(::getpid()) + "_" + name)).string();
}

// 60 random examples, 8 features, 3 classes: 8 batches of 8 (the last one 4) per epoch.
ds::TensorDataset examples() {
  tg::manual_seed(3);
  return ds::TensorDataset(tg::randn({60, 8}), tg::randint(0, 3, {60}));
}

// The README's loop, stopping after `stop_at` steps in all when it is > 0 (the checkpoint is written
// inside the loop, after that step) and running to the end of epoch 3 otherwise.
struct Run {
  nn::Linear model{8, 3};
  optim::SGD optimizer{model.parameters(), optim::SGDOptions(0.1).momentum(0.9)};
  ds::DataLoader loader;
  explicit Run(const ds::Dataset& data, std::int64_t batch_size = 8)
      : loader(data, ds::DataLoaderOptions(batch_size).shuffle(true)) {}

  void train(int first_epoch, int stop_at = 0, const std::string& checkpoint = "") {
    int steps = 0;
    for (int epoch = first_epoch; epoch < 3; ++epoch)
      for (auto& [x, y] : loader) {
        optimizer.zero_grad();
        nn::functional::cross_entropy(model(x), y).backward();
        optimizer.step();
        if (++steps == stop_at) {
          optim::save_training_checkpoint(checkpoint, model, optimizer, {}, {{"epoch", std::to_string(epoch)}}, loader);
          return;
        }
      }
  }
};

}  // namespace

TEST_CASE("Training checkpoint with the loader: a loop resumed mid-epoch ends bit-identically", "[integration]") {
  const auto data = examples();
  const auto path = temp_path("mid.ckpt");
  tg::manual_seed(1);
  Run straight(data);
  straight.train(0);

  tg::manual_seed(1);
  Run interrupted(data);
  interrupted.train(0, 11, path);  // epoch 1, after its 3rd batch

  tg::manual_seed(2);  // another initialisation and shuffle: the checkpoint overrides both
  Run resumed(data);
  const auto meta = optim::load_training_checkpoint(path, resumed.model, resumed.optimizer, {}, {}, resumed.loader);
  CHECK(meta.at("epoch") == "1");
  CHECK(optim::read_checkpoint_metadata(path) == optim::CheckpointMetadata{{"epoch", "1"}});  // no "loader.*"
  resumed.train(1);
  CHECK(tg::to_vector<float>(resumed.model.weight) == tg::to_vector<float>(straight.model.weight));
  CHECK(tg::to_vector<float>(resumed.model.bias) == tg::to_vector<float>(straight.model.bias));

  // Negative control: the same resume with the loader left at its own first shuffle ends elsewhere.
  tg::manual_seed(1);
  Run unrestored(data);
  const auto saved = unrestored.loader.state_dict();
  optim::load_training_checkpoint(path, unrestored.model, unrestored.optimizer, {}, {}, unrestored.loader);
  unrestored.loader.load_state_dict(saved);
  unrestored.train(1);
  CHECK(tg::to_vector<float>(unrestored.model.weight) != tg::to_vector<float>(straight.model.weight));
  std::remove(path.c_str());
}

TEST_CASE("Training checkpoint with the loader: mismatches are refused, naming them, nothing half-loaded", "[integration]") {
  const auto data = examples();
  const auto with_loader = temp_path("with.ckpt"), without_loader = temp_path("without.ckpt");
  tg::manual_seed(1);
  Run run(data);
  run.train(0, 5, with_loader);
  optim::save_training_checkpoint(without_loader, run.model, run.optimizer, {}, {});

  Run other(data);
  const auto weight_before = tg::to_vector<float>(other.model.weight);
  const auto loader_before = other.loader.state_dict().values;
  CHECK_THROWS_MATCHES(optim::load_training_checkpoint(with_loader, other.model, other.optimizer, {}, {}), std::runtime_error,
                       Catch::Message("checkpoint '" + with_loader + "' holds a DataLoader's position: pass the loader "
                                      "to load_training_checkpoint, or the resumed run would see another data order"));
  CHECK_THROWS_MATCHES(optim::load_training_checkpoint(without_loader, other.model, other.optimizer, {}, {}, other.loader),
                       std::runtime_error,
                       Catch::Message("checkpoint '" + without_loader + "' has no DataLoader state (it was saved without the loader)"));
  Run smaller_batches(data, 4);
  const auto smaller_before = tg::to_vector<float>(smaller_batches.model.weight);
  CHECK_THROWS_MATCHES(optim::load_training_checkpoint(with_loader, smaller_batches.model, smaller_batches.optimizer, {}, {},
                                                       smaller_batches.loader),
                       std::runtime_error,
                       Catch::Message("checkpoint '" + with_loader + "': DataLoader state_dict: saved with batch_size 8, "
                                      "but this DataLoader has batch_size 4"));
  CHECK(tg::to_vector<float>(smaller_batches.model.weight) == smaller_before);  // rolled back
  CHECK(smaller_batches.optimizer.state(0) == nullptr);
  CHECK(tg::to_vector<float>(other.model.weight) == weight_before);
  CHECK(other.loader.state_dict().values == loader_before);

  // The old calls go on working for checkpoints without a loader; "loader." is reserved for it.
  CHECK_NOTHROW(optim::load_training_checkpoint(without_loader, other.model, other.optimizer, {}, {}));
  CHECK_THROWS_MATCHES(optim::save_training_checkpoint(without_loader, run.model, run.optimizer, {}, {{"loader.epoch", "1"}}),
                       std::invalid_argument, Catch::Message("save_training_checkpoint: metadata key \"loader.epoch\" is reserved"));
  std::remove(with_loader.c_str());
  std::remove(without_loader.c_str());
}
