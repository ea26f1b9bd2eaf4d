// End-to-end trainer benchmark: the seed network (Linear/ReLU 784-512-256-128-64-10), CrossEntropyLoss,
// SGD(lr 0.01, momentum 0.5), batch 64, shuffled, Normalize(0.1307, 0.3081), trained on an MNIST-format
// folder (default: full Fashion-MNIST from Debian's dataset-fashion-mnist package).
//
// Prints training samples/s (the training loop only: batches, forward, backward, step; not the data
// loading at startup nor the evaluation), time per epoch, test accuracy, evaluation throughput under
// NoGradGuard, peak RSS and heap allocations per steady-state training step (averaged over the last
// epoch), then the same as one JSON object on the last line for bench/compare_training.sh.
// bench/train_mnist_pytorch.py is the same program in PyTorch.
#include <sys/resource.h>
#include <tapegrad/core/kernels/gemm.hpp>
#include <tapegrad/tapegrad.hpp>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "alloc_counter.hpp"
#include "peak.hpp"

namespace tg = tapegrad;
namespace nn = tapegrad::nn;
namespace ds = tapegrad::datasets;

namespace {

const char* const kDefaultData = "/usr/share/datasets/fashion-mnist";

struct Settings {
  std::string data = kDefaultData;
  int epochs = 1;
  int threads = 0;  // 0: the library's default
  std::int64_t batch_size = 64;
  std::int64_t eval_batch = 1000;
  int eval_passes = 3;
  std::uint64_t seed = 1;
  double width = 1.0;  // hidden sizes 512-256-128-64 scaled by this
  bool peak = true;  // also measure the FMA peak and print the rates as a fraction of it
};

// The seed network, its hidden layers scaled by `width` (1: 784-512-256-128-64-10).
nn::Sequential make_model(double width) {
  const auto h = [width](double size) { return std::max<std::int64_t>(1, static_cast<std::int64_t>(size * width + 0.5)); };
  return nn::Sequential(nn::Linear(784, h(512)), nn::ReLU(), nn::Linear(h(512), h(256)), nn::ReLU(),
                        nn::Linear(h(256), h(128)), nn::ReLU(), nn::Linear(h(128), h(64)), nn::ReLU(),
                        nn::Linear(h(64), 10));
}

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

double peak_rss_mb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;  // ru_maxrss is in KiB on Linux
}

std::shared_ptr<ds::MNIST> load_split(const std::string& root, ds::MNIST::Mode mode) {
  auto split = std::make_shared<ds::MNIST>(root, mode);
  split->set_transform(ds::Normalize(0.1307, 0.3081));
  return split;
}

struct EpochResult {
  double seconds = 0, mean_loss = 0;
  std::int64_t samples = 0, steps = 0;
  std::uint64_t step_allocations = 0, step_bytes = 0;  // inside zero_grad .. step, summed over the epoch
  std::uint64_t loader_allocations = 0;                 // producing the batches, summed over the epoch
  // Wall time of each phase of a step, summed over the epoch: producing the batch (and freeing the last
  // step's loss and batch at the end of its loop body), forward (model and loss), backward, optimizer
  // (step and zero_grad).
  double batch_seconds = 0, forward_seconds = 0, backward_seconds = 0, optimizer_seconds = 0;
};

EpochResult train_epoch(nn::Sequential& model, nn::CrossEntropyLoss& criterion, tg::optim::SGD& optimizer,
                        ds::DataLoader& loader) {
  EpochResult r;
  double loss_sum = 0;
  const auto start = Clock::now();
  alloc_counter::Snapshot previous_end = alloc_counter::now();
  Clock::time_point previous_end_time = Clock::now();
  for (auto& [images, labels] : loader) {
    const alloc_counter::Snapshot begin = alloc_counter::now();
    const auto t0 = Clock::now();
    tg::Tensor loss = criterion(model(images), labels);
    const auto t1 = Clock::now();
    loss.backward();
    const auto t2 = Clock::now();
    optimizer.step();
    optimizer.zero_grad();
    loss_sum += loss.item();
    const auto t3 = Clock::now();
    const alloc_counter::Snapshot end = alloc_counter::now();
    r.batch_seconds += std::chrono::duration<double>(t0 - previous_end_time).count();
    r.forward_seconds += std::chrono::duration<double>(t1 - t0).count();
    r.backward_seconds += std::chrono::duration<double>(t2 - t1).count();
    r.optimizer_seconds += std::chrono::duration<double>(t3 - t2).count();
    previous_end_time = t3;

    r.step_allocations += end.allocations - begin.allocations;
    r.step_bytes += end.bytes - begin.bytes;
    r.loader_allocations += begin.allocations - previous_end.allocations;
    previous_end = end;
    r.samples += labels.numel();
    ++r.steps;
  }
  r.seconds = seconds_since(start);
  r.mean_loss = r.steps ? loss_sum / static_cast<double>(r.steps) : 0.0;
  return r;
}

struct EvalResult {
  double accuracy = 0;            // percent
  double samples_per_second = 0;  // the best of the passes
};

EvalResult evaluate(nn::Sequential& model, const std::shared_ptr<ds::MNIST>& test, std::int64_t batch, int passes) {
  tg::NoGradGuard no_grad;
  model.eval();
  EvalResult result;
  ds::DataLoader loader(test, ds::DataLoaderOptions(batch));
  for (int pass = 0; pass < passes; ++pass) {
    std::int64_t correct = 0, total = 0;
    const auto start = Clock::now();
    for (auto& [images, labels] : loader) {
      const tg::Tensor predicted = tg::argmax(model(images), 1);
      const std::int64_t* p = predicted.data<std::int64_t>();
      const std::int64_t* t = labels.data<std::int64_t>();
      for (std::int64_t i = 0; i < labels.numel(); ++i) correct += p[i] == t[i];
      total += labels.numel();
    }
    const double rate = static_cast<double>(total) / seconds_since(start);
    if (rate > result.samples_per_second) result.samples_per_second = rate;
    result.accuracy = 100.0 * static_cast<double>(correct) / static_cast<double>(total);
  }
  model.train();
  return result;
}

// The rates as a fraction of the FMA peak (bench/peak.hpp) at the threads in use. FLOPs per sample are
// the GEMMs': 2·Σ in·out forward; training adds the weight gradients (the same again) and the input
// gradients of every layer but the first.
void print_peak_fractions(nn::Sequential& model, double train_rate, double eval_rate) {
  double weights = 0, first = 0;
  for (const tg::Tensor& p : model.parameters()) {
    if (p.dim() != 2) continue;
    if (first == 0) first = static_cast<double>(p.numel());
    weights += static_cast<double>(p.numel());
  }
  const double eval_flops = 2 * weights, train_flops = 2 * weights + 2 * weights + 2 * (weights - first);
  const tg::bench::Peak peak = tg::bench::measure_peak(tg::cpu_capabilities().active, tg::get_num_threads());
  const double peak_gflops = peak.all_cores_gflops;
  std::printf("%s\n", tg::cpu_capabilities().to_string().c_str());
  std::printf("FMA peak:   %.1f GFLOP/s (%s, threads: %d; %.1f on one core)\n", peak_gflops, tg::isa_name(peak.isa),
              peak.threads, peak.one_core_gflops);
  std::printf("of peak:    training %.1f %% (%.3f MFLOP/sample, %.1f GFLOP/s), evaluation %.1f %% (%.3f MFLOP/sample)\n",
              100 * train_rate * train_flops * 1e-9 / peak_gflops, train_flops * 1e-6, train_rate * train_flops * 1e-9,
              100 * eval_rate * eval_flops * 1e-9 / peak_gflops, eval_flops * 1e-6);
}

int run(const Settings& s) {
  if (!std::filesystem::is_directory(s.data)) {
    std::fprintf(stderr,
                 "train_mnist_bench: no dataset folder %s\n"
                 "  Fashion-MNIST (the default) comes from Debian: sudo apt-get install dataset-fashion-mnist\n"
                 "  or pass --data DIR with the four MNIST-format IDX files (raw or .gz)\n",
                 s.data.c_str());
    return 1;
  }
  if (s.threads > 0) tg::set_num_threads(s.threads);
  tg::manual_seed(s.seed);

  const auto load_start = Clock::now();
  auto train = load_split(s.data, ds::MNIST::Mode::kTrain);
  auto test = load_split(s.data, ds::MNIST::Mode::kTest);
  const double load_seconds = seconds_since(load_start);
  std::printf("tapegrad: %s: %lld training, %lld test images (loaded in %.2f s); %d threads; GEMM backend %s\n",
              s.data.c_str(), static_cast<long long>(train->size()), static_cast<long long>(test->size()),
              load_seconds, tg::get_num_threads(), tg::kernels::gemm_backend());

  nn::Sequential model = make_model(s.width);
  nn::CrossEntropyLoss criterion;
  tg::optim::SGD optimizer(model.parameters(), tg::optim::SGDOptions(0.01).momentum(0.5));
  ds::DataLoader loader(train, ds::DataLoaderOptions(s.batch_size).shuffle(true));

  std::vector<double> epoch_seconds;
  double train_seconds = 0;
  std::int64_t train_samples = 0;
  EpochResult last;
  for (int epoch = 1; epoch <= s.epochs; ++epoch) {
    last = train_epoch(model, criterion, optimizer, loader);
    epoch_seconds.push_back(last.seconds);
    train_seconds += last.seconds;
    train_samples += last.samples;
    std::printf("epoch %d: %.2f s, %.0f samples/s, mean loss %.4f\n", epoch, last.seconds,
                static_cast<double>(last.samples) / last.seconds, last.mean_loss);
    std::fflush(stdout);
  }
  const EvalResult eval = evaluate(model, test, s.eval_batch, s.eval_passes);

  const double train_rate = train_seconds > 0 ? static_cast<double>(train_samples) / train_seconds : 0.0;
  const double steps = static_cast<double>(std::max<std::int64_t>(last.steps, 1));
  const double allocs_per_step = static_cast<double>(last.step_allocations) / steps;
  const double alloc_kb_per_step = static_cast<double>(last.step_bytes) / steps / 1024.0;
  const double loader_allocs_per_batch = static_cast<double>(last.loader_allocations) / steps;
  const double rss = peak_rss_mb();

  std::printf("training:   %.0f samples/s over %d epoch(s), %.2f s per epoch\n", train_rate, s.epochs,
              train_seconds / std::max(s.epochs, 1));
  std::printf("test:       accuracy %.2f %%, evaluation %.0f samples/s (batch %lld, no grad, best of %d)\n",
              eval.accuracy, eval.samples_per_second, static_cast<long long>(s.eval_batch), s.eval_passes);
  std::printf("heap:       %.1f allocations (%.1f KiB) per training step, %.1f more per batch in the loader "
              "(last epoch)\n",
              allocs_per_step, alloc_kb_per_step, loader_allocs_per_batch);
  const auto per_step_us = [&](double seconds) { return 1e6 * seconds / steps; };
  std::printf("step:       %.1f us batch (and freeing the last step's), %.1f forward, %.1f backward, %.1f optimizer "
              "(per step, last epoch)\n",
              per_step_us(last.batch_seconds), per_step_us(last.forward_seconds), per_step_us(last.backward_seconds),
              per_step_us(last.optimizer_seconds));
  std::printf("peak RSS:   %.1f MB\n", rss);
  if (s.peak) print_peak_fractions(model, train_rate, eval.samples_per_second);

  std::string epochs_json;
  for (double e : epoch_seconds) epochs_json += (epochs_json.empty() ? "" : ", ") + std::to_string(e);
  std::printf("{\"framework\": \"tapegrad\", \"threads\": %d, \"gemm_backend\": \"%s\", \"epochs\": %d, "
              "\"batch_size\": %lld, \"train_samples_per_s\": %.1f, \"epoch_seconds\": [%s], "
              "\"final_mean_loss\": %.5f, \"test_accuracy\": %.2f, \"eval_batch\": %lld, \"eval_samples_per_s\": %.1f, "
              "\"peak_rss_mb\": %.1f, \"allocs_per_step\": %.2f, \"alloc_kib_per_step\": %.1f, "
              "\"loader_allocs_per_batch\": %.2f, \"load_seconds\": %.3f}\n",
              tg::get_num_threads(), tg::kernels::gemm_backend(), s.epochs, static_cast<long long>(s.batch_size),
              train_rate, epochs_json.c_str(), last.mean_loss, eval.accuracy, static_cast<long long>(s.eval_batch),
              eval.samples_per_second, rss, allocs_per_step, alloc_kb_per_step, loader_allocs_per_batch, load_seconds);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Settings s;
  CLI::App app{"Trainer benchmark: the seed MLP on (Fashion-)MNIST with tapegrad"};
  app.add_option("--data", s.data, "folder with the four MNIST-format IDX files (raw or .gz)")->capture_default_str();
  app.add_option("--epochs", s.epochs, "passes over the training set")->capture_default_str()->check(CLI::PositiveNumber);
  app.add_option("--threads", s.threads, "threads for tapegrad's kernels (default: the library's default)")
      ->check(CLI::PositiveNumber);
  app.add_option("--batch-size", s.batch_size, "samples per SGD step")->capture_default_str()->check(CLI::PositiveNumber);
  app.add_option("--eval-batch", s.eval_batch, "batch size of the evaluation")->capture_default_str()->check(CLI::PositiveNumber);
  app.add_option("--eval-passes", s.eval_passes, "evaluation passes over the test set (the fastest is reported)")
      ->capture_default_str()->check(CLI::PositiveNumber);
  app.add_option("--width", s.width, "scale of the hidden layers (1: the seed network)")->capture_default_str()->check(CLI::PositiveNumber);
  app.add_option("--seed", s.seed, "seed for the initialisation and the shuffling")->capture_default_str();
  app.add_flag("!--no-peak", s.peak, "skip measuring the FMA peak (about a second)");
  CLI11_PARSE(app, argc, argv);
  try {
    return run(s);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "train_mnist_bench: %s\n", e.what());
    return 1;
  }
}
