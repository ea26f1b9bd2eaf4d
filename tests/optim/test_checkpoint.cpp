// The training checkpoint (optim/training_checkpoint): model + optimizer + scheduler + generator in
// one file; all-or-nothing loads; a SIGKILL while a checkpoint is written leaves the previous one
// loadable.
#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include <tapegrad/core/autograd.hpp>
#include <tapegrad/core/ops.hpp>
#include <tapegrad/core/random.hpp>
#include <tapegrad/nn/nn.hpp>
#include <tapegrad/optim/optim.hpp>

namespace tg = tapegrad;
namespace nn = tapegrad::nn;
namespace optim = tapegrad::optim;
namespace fs = std::filesystem;

namespace {

std::string temp_path(const std::string& name) {
  return (fs::temp_directory_path() / ("tapegrad_ckpt_" + std::to_string(::getpid()) + "_" + name)).string();
}

void train_steps(nn::Linear& model, optim::Optimizer& opt, optim::LRScheduler* sched, int steps) {
  for (int i = 0; i < steps; ++i) {
    opt.zero_grad();
    tg::sum(model(tg::ones({2, model.weight.size(1)})) * tg::ones({2, model.weight.size(0)})).backward();
    opt.step();
    if (sched) sched->step();
  }
}

}  // namespace

TEST_CASE("Training checkpoint: a resumed run continues bit-identically", "[optim][training-checkpoint]") {
  const auto path = temp_path("resume.ckpt");
  tg::manual_seed(11);
  nn::Linear a(4, 3);
  optim::Adam opt_a(a.parameters(), optim::AdamOptions(0.01));
  optim::OneCycleLR sched_a(opt_a, optim::OneCycleLROptions(0.05, 10));
  train_steps(a, opt_a, &sched_a, 4);
  optim::save_training_checkpoint(path, a, opt_a, sched_a.state_dict(), {{"epoch", "4"}});
  const double draw_a = tg::uniform_double(0, 1);

  tg::manual_seed(99);  // another init and generator state, overwritten by the load
  nn::Linear b(4, 3);
  optim::Adam opt_b(b.parameters(), optim::AdamOptions(0.01));
  optim::OneCycleLR sched_b(opt_b, optim::OneCycleLROptions(0.05, 10));
  CHECK(optim::read_checkpoint_metadata(path).at("epoch") == "4");
  const auto meta = optim::load_training_checkpoint(
      path, b, opt_b, [&](const optim::StateDict& d) { sched_b.load_state_dict(d); }, [&] { return sched_b.state_dict(); });
  CHECK(meta.at("epoch") == "4");
  CHECK(tg::uniform_double(0, 1) == draw_a);  // the generator state came back
  train_steps(a, opt_a, &sched_a, 5);
  train_steps(b, opt_b, &sched_b, 5);
  CHECK(tg::to_vector<float>(a.weight) == tg::to_vector<float>(b.weight));
  CHECK(tg::to_vector<float>(a.bias) == tg::to_vector<float>(b.bias));
  CHECK(sched_a.get_last_lr() == sched_b.get_last_lr());
  std::remove(path.c_str());
}

TEST_CASE("Training checkpoint: another model or optimizer is refused, nothing half-loaded", "[optim][training-checkpoint]") {
  const auto path = temp_path("refuse.ckpt");
  nn::Linear a(4, 3);
  optim::SGD opt_a(a.parameters(), optim::SGDOptions(0.1).momentum(0.9));
  train_steps(a, opt_a, nullptr, 2);
  optim::save_training_checkpoint(path, a, opt_a, {}, {});

  nn::Linear b(4, 3);
  const auto before = tg::to_vector<float>(b.weight);
  optim::Adam adam(b.parameters());
  CHECK_THROWS_WITH(optim::load_training_checkpoint(path, b, adam, nullptr, nullptr), Catch::Contains("belongs to SGD, not Adam"));
  CHECK(tg::to_vector<float>(b.weight) == before);  // the model was rolled back
  CHECK(adam.state(0) == nullptr);

  nn::Linear other(5, 3);
  optim::SGD opt_other(other.parameters(), optim::SGDOptions(0.1).momentum(0.9));
  CHECK_THROWS_WITH(optim::load_training_checkpoint(path, other, opt_other, nullptr, nullptr), Catch::Contains("size mismatch"));
  CHECK_THROWS_AS(optim::load_training_checkpoint(path, other, opt_other, nullptr, nullptr), std::runtime_error);
  std::remove(path.c_str());
}

TEST_CASE("Training checkpoint: SIGKILL during a write leaves the previous checkpoint loadable", "[optim][training-checkpoint][slow]") {
  const auto dir = fs::temp_directory_path() / ("tapegrad_kill_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const std::string path = (dir / "run.ckpt").string();
  bool killed_mid_write = false;
  // Built (and stepped, which may use OpenMP threads) before fork: the child only writes files.
  nn::Linear big(1000, 1000);
  optim::Adam big_opt(big.parameters());
  for (auto& p : big.parameters()) p.set_grad(tg::ones(p.shape()));
  big_opt.step();
  for (int attempt = 0; attempt < 20 && !killed_mid_write; ++attempt) {
    int ready[2];
    REQUIRE(::pipe(ready) == 0);
    const pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
      // Child: write ~12 MB checkpoints over and over; report after the first complete one.
      ::close(ready[0]);
      try {
        for (int i = 0;; ++i) {
          optim::save_training_checkpoint(path, big, big_opt, {}, {{"epoch", std::to_string(i)}});
          if (i == 0) {
            const char c = 1;
            (void)!::write(ready[1], &c, 1);
          }
        }
      } catch (...) {
      }
      ::_exit(1);
    }
    ::close(ready[1]);
    char c;
    REQUIRE(::read(ready[0], &c, 1) == 1);
    ::close(ready[0]);
    std::this_thread::sleep_for(std::chrono::milliseconds(20 + 40 * attempt));
    ::kill(child, SIGKILL);
    int status = 0;
    ::waitpid(child, &status, 0);
    for (const auto& entry : fs::directory_iterator(dir))
      if (entry.path().filename().string().find(".tmp-") != std::string::npos) {
        killed_mid_write = true;  // a temporary file left behind: the kill landed inside a write
        fs::remove(entry.path());
      }
    // Whatever the moment of the kill, the checkpoint at `path` is a complete one.
    nn::Linear loaded(1000, 1000);
    optim::Adam opt(loaded.parameters());
    CHECK_NOTHROW(optim::load_training_checkpoint(path, loaded, opt, nullptr, nullptr));
    CHECK(opt.state(0) != nullptr);
    CHECK(tg::to_vector<float>(loaded.bias) == tg::to_vector<float>(big.bias));
  }
  CHECK(killed_mid_write);
  fs::remove_all(dir);
}
