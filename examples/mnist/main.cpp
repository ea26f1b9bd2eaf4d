// The classifier from the seed post, in C++: a 784-512-256-128-64-10 ReLU MLP trained on MNIST with
// CrossEntropyLoss and SGD (lr 0.01, momentum 0.5, batch 64), reporting test accuracy every epoch.
//
//   mnist                         train with the defaults on data/mnist
//   mnist --save model.safetensors
//   mnist --eval model.safetensors   accuracy and confusion matrix of a saved model
#include <tapegrad/tapegrad.hpp>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <array>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>

namespace tg = tapegrad;
namespace nn = tapegrad::nn;
namespace ds = tapegrad::datasets;

namespace {

struct Settings {
  std::string data = "data/mnist";
  int epochs = 10;
  std::int64_t batch_size = 64;
  double lr = 0.01;
  double momentum = 0.5;
  std::uint64_t seed = 1;
  int threads = 0;  // 0: the runtime's default
  std::string save, eval, log_csv;
};

nn::Sequential make_model() {
  return nn::Sequential(nn::Linear(784, 512), nn::ReLU(), nn::Linear(512, 256), nn::ReLU(), nn::Linear(256, 128),
                        nn::ReLU(), nn::Linear(128, 64), nn::ReLU(), nn::Linear(64, 10));
}

std::shared_ptr<ds::MNIST> load_split(const std::string& root, ds::MNIST::Mode mode) {
  auto split = std::make_shared<ds::MNIST>(root, mode);
  split->set_transform(ds::Normalize(0.1307, 0.3081));
  return split;
}

using Seconds = std::chrono::duration<double>;
double since(std::chrono::steady_clock::time_point t0) { return Seconds(std::chrono::steady_clock::now() - t0).count(); }

struct Evaluation {
  double accuracy = 0;  // percent
  std::array<std::array<std::int64_t, 10>, 10> confusion{};  // [true label][predicted]
};

Evaluation evaluate(nn::Sequential& model, std::shared_ptr<ds::MNIST> test) {
  tg::NoGradGuard no_grad;
  model.eval();
  Evaluation result;
  std::int64_t correct = 0, total = 0;
  for (auto& [images, labels] : ds::DataLoader(test, ds::DataLoaderOptions(1000))) {
    const tg::Tensor predicted = tg::argmax(model(images), 1);
    const std::int64_t* p = predicted.data<std::int64_t>();
    const std::int64_t* t = labels.data<std::int64_t>();
    for (std::int64_t i = 0; i < labels.numel(); ++i) {
      ++result.confusion[static_cast<std::size_t>(t[i])][static_cast<std::size_t>(p[i])];
      correct += p[i] == t[i];
    }
    total += labels.numel();
  }
  model.train();
  result.accuracy = total ? 100.0 * static_cast<double>(correct) / static_cast<double>(total) : 0.0;
  return result;
}

void print_confusion(const Evaluation& e) {
  std::printf("confusion matrix (rows: true digit, columns: predicted)\n     ");
  for (int c = 0; c < 10; ++c) std::printf("%6d", c);
  std::printf("\n");
  for (int r = 0; r < 10; ++r) {
    std::printf("%5d", r);
    for (int c = 0; c < 10; ++c) std::printf("%6lld", static_cast<long long>(e.confusion[r][c]));
    std::printf("\n");
  }
}

int run_eval(const Settings& s) {
  nn::Sequential model = make_model();
  tg::load(model, s.eval);
  const Evaluation e = evaluate(model, load_split(s.data, ds::MNIST::Mode::kTest));
  std::printf("accuracy on test set: %.2f %%\n", e.accuracy);
  print_confusion(e);
  return 0;
}

int run_training(const Settings& s) {
  tg::manual_seed(s.seed);
  auto train = load_split(s.data, ds::MNIST::Mode::kTrain);
  auto test = load_split(s.data, ds::MNIST::Mode::kTest);
  std::printf("MNIST from %s: %lld training and %lld test images; %d threads\n", s.data.c_str(),
              static_cast<long long>(train->size()), static_cast<long long>(test->size()), tg::get_num_threads());

  nn::Sequential model = make_model();
  nn::CrossEntropyLoss criterion;
  tg::optim::SGD optimizer(model.parameters(), tg::optim::SGDOptions(s.lr).momentum(s.momentum));
  ds::DataLoader loader(train, ds::DataLoaderOptions(s.batch_size).shuffle(true));

  std::ofstream csv;
  if (!s.log_csv.empty()) {
    csv.open(s.log_csv);
    if (!csv) throw std::runtime_error("cannot write the CSV log " + s.log_csv);
    csv << "epoch,train_loss,test_accuracy,epoch_seconds,samples_per_second\n";
  }
  const bool interactive = isatty(fileno(stdout));
  const auto start = std::chrono::steady_clock::now();
  double accuracy = 0;
  for (int epoch = 1; epoch <= s.epochs; ++epoch) {
    const auto epoch_start = std::chrono::steady_clock::now();
    double window_loss = 0, epoch_loss = 0;
    std::int64_t window_batches = 0, batch = 0, samples = 0;
    for (auto& [images, labels] : loader) {
      optimizer.zero_grad();
      tg::Tensor loss = criterion(model(images), labels);
      loss.backward();
      optimizer.step();

      const double value = loss.item();
      window_loss += value;
      epoch_loss += value;
      ++window_batches;
      ++batch;
      samples += labels.numel();
      if (batch % 300 == 0) {  // the seed's report: the mean loss of the last 300 batches
        std::printf("%s[%d, %5lld] loss: %.3f\n", interactive ? "\r\033[K" : "", epoch, static_cast<long long>(batch),
                    window_loss / static_cast<double>(window_batches));
        window_loss = 0;
        window_batches = 0;
      } else if (interactive && batch % 20 == 0) {
        std::printf("\r\033[Kepoch %d: %lld/%lld batches", epoch, static_cast<long long>(batch),
                    static_cast<long long>(loader.size()));
        std::fflush(stdout);
      }
    }
    const double train_seconds = since(epoch_start);
    accuracy = evaluate(model, test).accuracy;
    const double rate = static_cast<double>(samples) / train_seconds;
    // Epochs shorter than 300 batches (the 10,000-digit subset has 157) get no [epoch, batch] line,
    // so the epoch line carries the epoch's mean training loss too.
    const double mean_loss = epoch_loss / static_cast<double>(std::max<std::int64_t>(batch, 1));
    std::printf("%saccuracy on test set: %.2f %%  (epoch %d: mean loss %.3f, %.1f s, %.0f samples/s)\n",
                interactive ? "\r\033[K" : "", accuracy, epoch, mean_loss, train_seconds, rate);
    std::fflush(stdout);
    if (csv) csv << epoch << "," << mean_loss << ","
                 << accuracy << "," << train_seconds << "," << rate << std::endl;
  }
  std::printf("final accuracy on test set: %.2f %% after %d epochs in %.1f s\n", accuracy, s.epochs, since(start));
  if (!s.save.empty()) {
    tg::save(model, s.save);
    std::printf("saved the model to %s\n", s.save.c_str());
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Settings s;
  CLI::App app{"Train (or evaluate) a 784-512-256-128-64-10 MLP on MNIST with tapegrad"};
  app.add_option("--data", s.data, "folder with the MNIST IDX files (.gz or raw)")->capture_default_str();
  app.add_option("--epochs", s.epochs, "passes over the training set")->capture_default_str()->check(CLI::NonNegativeNumber);
  app.add_option("--batch-size", s.batch_size, "samples per SGD step")->capture_default_str()->check(CLI::PositiveNumber);
  app.add_option("--lr", s.lr, "learning rate")->capture_default_str()->check(CLI::NonNegativeNumber);
  app.add_option("--momentum", s.momentum, "SGD momentum")->capture_default_str()->check(CLI::NonNegativeNumber);
  app.add_option("--seed", s.seed, "seed for initialisation and shuffling")->capture_default_str();
  app.add_option("--threads", s.threads, "threads for the GEMM kernels (default: all cores)")->check(CLI::PositiveNumber);
  app.add_option("--save", s.save, "write the trained model to this .safetensors file");
  app.add_option("--eval", s.eval, "evaluate a saved model instead of training");
  app.add_option("--log-csv", s.log_csv, "write per-epoch metrics to this CSV file");
  CLI11_PARSE(app, argc, argv);

  try {
    std::printf("%s\n", tg::cpu_capabilities().to_string().c_str());  // CPU and kernel instruction set
    if (s.threads > 0) tg::set_num_threads(s.threads);
    return s.eval.empty() ? run_training(s) : run_eval(s);
  } catch (const std::exception& e) {
    // The loaders' messages name the file and say how to get the data (data/mnist, scripts/download_mnist.sh).
    std::fprintf(stderr, "mnist: %s\n", e.what());
    return 1;
  }
}
