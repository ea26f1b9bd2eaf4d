// The classifier from the seed post, in C++: a 784-512-256-128-64-10 ReLU MLP trained on MNIST with
// CrossEntropyLoss (SGD lr 0.01, momentum 0.5, batch 64 by default), reporting test accuracy every epoch.
//
//   mnist                                   train with the defaults on data/mnist
//   mnist --optimizer adam --lr 1e-3        another optimizer (sgd adam adamw rmsprop adagrad adadelta)
//   mnist --scheduler cosine --clip-grad-norm 1 --weight-decay 1e-4
//   mnist --checkpoint run.ckpt             write a training checkpoint after every epoch
//   mnist --resume run.ckpt                 continue that run exactly where the checkpoint left it
//   mnist --save model.safetensors          write the trained model
//   mnist --eval model.safetensors          accuracy and confusion matrix of a saved model
//   mnist --eval model.safetensors --export-onnx model.onnx
#include <tapegrad/onnx/export.hpp>
#ifdef TAPEGRAD_HAS_DISTRIBUTED
#include <tapegrad/distributed/collectives.hpp>
#include <tapegrad/distributed/data_parallel.hpp>
#endif
#include <tapegrad/tapegrad.hpp>
#include "models.hpp"

#include <CLI/CLI.hpp>
#include <array>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "progress.hpp"

namespace tg = tapegrad;
namespace nn = tapegrad::nn;
namespace ds = tapegrad::datasets;
namespace optim = tapegrad::optim;

namespace {

// Everything that defines a training run; a checkpoint records it (as text, see to_metadata).
struct Settings {
  std::string data = "data/mnist";
  std::string model = "mlp";
  int epochs = 10;
  std::int64_t batch_size = 64;
  double lr = 0.01;
  double momentum = 0.5;
  std::string optimizer = "sgd";
  double weight_decay = 0;
  std::string scheduler = "none";
  std::int64_t step_size = 3;  // --scheduler step
  double gamma = 0.5;
  double clip_grad_norm = 0;  // 0: no clipping
  std::int64_t limit_batches = 0;  // 0: every batch of the epoch
  std::uint64_t seed = 1;
  int threads = 0;  // 0: the runtime's default
  std::string save, eval, log_csv, checkpoint, resume, export_onnx;
  std::string dtype = "float32";  // the model's and the data's: float32 or float64
  bool distributed = false;       // one replica per MPI rank; --batch-size is the global batch
};

// The model choice: one entry per --model value.
std::shared_ptr<nn::Sequential> make_model(const std::string& name, std::function<tg::Tensor(const tg::Tensor&)>& forward) {
  if (name == "mlp") {
    auto m = std::make_shared<nn::Sequential>(nn::Linear(784, 512), nn::ReLU(), nn::Linear(512, 256), nn::ReLU(),
                                              nn::Linear(256, 128), nn::ReLU(), nn::Linear(128, 64), nn::ReLU(),
                                              nn::Linear(64, 10));
    forward = [m](const tg::Tensor& x) { return (*m)(x); };
    return m;
  }
  if (name == "cnn") {  // examples/mnist/models.cpp
    auto m = std::make_shared<nn::Sequential>(mnist::make_model(name));
    forward = [m](const tg::Tensor& x) { return (*m)(x); };
    return m;
  }
  throw std::invalid_argument("unknown --model " + name);
}

std::unique_ptr<optim::Optimizer> make_optimizer(const Settings& s, std::vector<tg::Tensor> params) {
  const double wd = s.weight_decay;
  if (s.optimizer == "sgd") return std::make_unique<optim::SGD>(params, optim::SGDOptions(s.lr).momentum(s.momentum).weight_decay(wd));
  if (s.optimizer == "adam") return std::make_unique<optim::Adam>(params, optim::AdamOptions(s.lr).weight_decay(wd));
  if (s.optimizer == "adamw") return std::make_unique<optim::AdamW>(params, optim::AdamWOptions(s.lr).weight_decay(wd));
  if (s.optimizer == "rmsprop") return std::make_unique<optim::RMSprop>(params, optim::RMSpropOptions(s.lr).momentum(s.momentum).weight_decay(wd));
  if (s.optimizer == "adagrad") return std::make_unique<optim::Adagrad>(params, optim::AdagradOptions(s.lr).weight_decay(wd));
  if (s.optimizer == "adadelta") return std::make_unique<optim::Adadelta>(params, optim::AdadeltaOptions(s.lr).weight_decay(wd));
  throw std::invalid_argument("unknown --optimizer " + s.optimizer);
}

// The --scheduler choice: step (×0.5 every 3 epochs) and plateau (on the epoch's mean training loss)
// step per epoch; cosine (to 0 over the run) and onecycle (peak at --lr) step per batch.
struct Schedule {
  std::unique_ptr<optim::LRScheduler> per_epoch, per_batch;
  std::unique_ptr<optim::ReduceLROnPlateau> plateau;

  Schedule(const Settings& s, optim::Optimizer& opt, std::int64_t batches_per_epoch) {
    const std::int64_t total = s.epochs * batches_per_epoch;
    if (s.scheduler == "step") per_epoch = std::make_unique<optim::StepLR>(opt, s.step_size, s.gamma);
    else if (s.scheduler == "cosine") per_batch = std::make_unique<optim::CosineAnnealingLR>(opt, std::max<std::int64_t>(total, 1));
    else if (s.scheduler == "onecycle")  // cycles the momentum (beta1) of the optimizers that have one
      per_batch = std::make_unique<optim::OneCycleLR>(opt, optim::OneCycleLROptions(s.lr, std::max<std::int64_t>(total, 1))
                                                               .cycle_momentum(opt.defaults().has_momentum()));
    else if (s.scheduler == "plateau") plateau = std::make_unique<optim::ReduceLROnPlateau>(opt, optim::ReduceLROnPlateauOptions().factor(0.5).patience(0));
    else if (s.scheduler != "none") throw std::invalid_argument("unknown --scheduler " + s.scheduler);
  }
  optim::StateDict state_dict() const {
    if (per_epoch) return per_epoch->state_dict();
    if (per_batch) return per_batch->state_dict();
    if (plateau) return plateau->state_dict();
    return {};
  }
  void load_state_dict(const optim::StateDict& d) {
    if (per_epoch) per_epoch->load_state_dict(d);
    else if (per_batch) per_batch->load_state_dict(d);
    else if (plateau) plateau->load_state_dict(d);
    else if (!d.values.empty()) throw std::runtime_error("the checkpoint has scheduler state but the run has no scheduler");
  }
};

// Shortest text that reads back as the same double.
std::string exact(double v) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, end);
}

// The options that define a run, as checkpoint metadata. --data, --threads, --save, --eval,
// --log-csv, --checkpoint and --resume are not part of it.
std::map<std::string, std::string> to_metadata(const Settings& s) {
  return {{"model", s.model}, {"epochs", std::to_string(s.epochs)}, {"batch-size", std::to_string(s.batch_size)},
          {"lr", exact(s.lr)}, {"momentum", exact(s.momentum)}, {"optimizer", s.optimizer},
          {"weight-decay", exact(s.weight_decay)}, {"scheduler", s.scheduler}, {"step-size", std::to_string(s.step_size)}, {"gamma", exact(s.gamma)},
          {"clip-grad-norm", exact(s.clip_grad_norm)}, {"limit-batches", std::to_string(s.limit_batches)},
          {"seed", std::to_string(s.seed)}};
}

// Restores the run's settings from a checkpoint. A flag given on this command line that contradicts
// it is refused; --epochs may extend a run whose schedule does not depend on the epoch count.
void apply_checkpoint_settings(Settings& s, const std::map<std::string, std::string>& meta, const CLI::App& app) {
  const auto current = to_metadata(s);
  const bool epochs_free = meta.count("scheduler") && (meta.at("scheduler") == "none" || meta.at("scheduler") == "step" ||
                                                       meta.at("scheduler") == "plateau");
  for (const auto& [key, recorded] : current) {
    auto it = meta.find(key);
    if (it == meta.end()) throw std::runtime_error("the checkpoint does not record --" + key);
    const bool given = app.count("--" + key) > 0;
    if (!given || it->second == recorded) continue;
    if (key == "epochs" && epochs_free) continue;
    throw std::runtime_error("--" + key + " " + recorded + " contradicts the checkpoint, which has --" + key + " " +
                             it->second + (key == "epochs" ? " (its --scheduler depends on the epoch count)" : ""));
  }
  auto get = [&](const char* key) { return meta.at(key); };
  s.model = get("model");
  if (!app.count("--epochs")) s.epochs = std::stoi(get("epochs"));
  s.batch_size = std::stoll(get("batch-size"));
  s.lr = std::stod(get("lr"));
  s.momentum = std::stod(get("momentum"));
  s.optimizer = get("optimizer");
  s.weight_decay = std::stod(get("weight-decay"));
  s.scheduler = get("scheduler");
  s.step_size = std::stoll(get("step-size"));
  s.gamma = std::stod(get("gamma"));
  s.clip_grad_norm = std::stod(get("clip-grad-norm"));
  s.limit_batches = std::stoll(get("limit-batches"));
  s.seed = std::stoull(get("seed"));
}

std::shared_ptr<ds::MNIST> load_split(const std::string& root, ds::MNIST::Mode mode) {
  auto split = std::make_shared<ds::MNIST>(root, mode);
  split->set_transform(ds::Normalize(0.1307, 0.3081));
  return split;
}

// This process's place in a distributed run (rank 0 of 1 otherwise): only rank 0 prints and writes files.
struct Ranks {
  int rank = 0, world = 1;
  bool root = true;
  // Sums counts over the ranks (a no-op in a single process).
  void sum(std::vector<std::int64_t>& counts) const {
#ifdef TAPEGRAD_HAS_DISTRIBUTED
    if (world == 1) return;
    tg::Tensor t = tg::from_vector(counts, {static_cast<std::int64_t>(counts.size())});
    tapegrad::distributed::all_reduce(t);
    counts = tg::to_vector<std::int64_t>(t);
#else
    (void)counts;
#endif
  }
};

Ranks current_ranks(const Settings& s) {
  Ranks r;
#ifdef TAPEGRAD_HAS_DISTRIBUTED
  if (s.distributed) {
    r.rank = tapegrad::distributed::rank();
    r.world = tapegrad::distributed::world_size();
    r.root = r.rank == 0;
  }
#else
  (void)s;
#endif
  return r;
}

// Data-parallel replicas: rank 0's weights everywhere, gradients averaged as each backward ends
// (DistributedDataParallel's hooks); nothing in a single process.
class Replicas {
 public:
  Replicas(const Settings& s, nn::Module& model) {
#ifdef TAPEGRAD_HAS_DISTRIBUTED
    if (s.distributed) ddp_ = std::make_unique<tapegrad::distributed::DistributedDataParallel>(model);
#else
    (void)s;
    (void)model;
#endif
  }
  // `step` numbers the global batch, so a rank out of step is caught instead of mixing gradients.
  void begin_step(std::int64_t step) {
#ifdef TAPEGRAD_HAS_DISTRIBUTED
    if (ddp_) ddp_->set_step(step);
#else
    (void)step;
#endif
  }

 private:
#ifdef TAPEGRAD_HAS_DISTRIBUTED
  std::unique_ptr<tapegrad::distributed::DistributedDataParallel> ddp_;
#endif
};

using Seconds = std::chrono::duration<double>;
double since(std::chrono::steady_clock::time_point t0) { return Seconds(std::chrono::steady_clock::now() - t0).count(); }

struct Evaluation {
  double accuracy = 0;  // percent
  std::array<std::array<std::int64_t, 10>, 10> confusion{};  // [true label][predicted]
};

// limit_batches > 0: only the first batches of 1000 (a quick check, as --limit-batches for training).
// Distributed: each rank evaluates every world-th test image and the counts are summed over the ranks.
Evaluation evaluate(nn::Module& model, const std::function<tg::Tensor(const tg::Tensor&)>& forward,
                    std::shared_ptr<ds::MNIST> test, std::int64_t limit_batches = 0, const Ranks& ranks = {}) {
  tg::NoGradGuard no_grad;
  model.eval();
  Evaluation result;
  std::vector<std::int64_t> counts(101, 0);  // the confusion matrix, then the correct count
  std::int64_t batches = 0;
  auto options = ds::DataLoaderOptions(1000);
  if (ranks.world > 1)
    options.sampler(std::make_shared<ds::DistributedSampler>(
        test->size(), ranks.world, ranks.rank, ds::DistributedSamplerOptions().shuffle(false).drop_last(true)));
  for (auto& [images, labels] : ds::DataLoader(test, options)) {
    if (limit_batches > 0 && batches++ == limit_batches) break;
    const tg::Tensor predicted = tg::argmax(forward(images), 1);
    const std::int64_t* p = predicted.data<std::int64_t>();
    const std::int64_t* t = labels.data<std::int64_t>();
    for (std::int64_t i = 0; i < labels.numel(); ++i) {
      ++counts[static_cast<std::size_t>(t[i] * 10 + p[i])];
      counts[100] += p[i] == t[i];
    }
  }
  ranks.sum(counts);
  std::int64_t total = 0;
  for (int r = 0; r < 10; ++r)
    for (int c = 0; c < 10; ++c) total += result.confusion[r][c] = counts[static_cast<std::size_t>(r * 10 + c)];
  model.train();
  result.accuracy = total ? 100.0 * static_cast<double>(counts[100]) / static_cast<double>(total) : 0.0;
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

// --export-onnx: the model as ONNX (a dynamic batch of 784-pixel rows, normalised like the training data).
void export_if_asked(nn::Sequential& model, const Settings& s) {
  if (s.export_onnx.empty()) return;
  tg::onnx::export_model(model, tg::zeros({1, 784}), s.export_onnx);
  std::printf("exported the model to %s (ONNX opset %d)\n", s.export_onnx.c_str(), tg::onnx::kDefaultOpset);
}

int run_eval(const Settings& s) {
  std::function<tg::Tensor(const tg::Tensor&)> forward;
  auto model = make_model(s.model, forward);
  tg::load(*model, s.eval);
  const Evaluation e = evaluate(*model, forward, load_split(s.data, ds::MNIST::Mode::kTest));
  std::printf("accuracy on test set: %.2f %%\n", e.accuracy);
  print_confusion(e);
  export_if_asked(*model, s);
  return 0;
}

int run_training(Settings s, const CLI::App& app) {
  std::map<std::string, std::string> resumed;
  if (!s.resume.empty()) {
    resumed = optim::read_checkpoint_metadata(s.resume);
    apply_checkpoint_settings(s, resumed, app);
  }
  tg::manual_seed(s.seed);
  const Ranks ranks = current_ranks(s);
  auto train = load_split(s.data, ds::MNIST::Mode::kTrain);
  auto test = load_split(s.data, ds::MNIST::Mode::kTest);
  const tg::Dtype dtype = s.dtype == "float64" ? tg::kFloat64 : tg::kFloat32;
  if (ranks.root)
    std::printf("MNIST from %s: %lld training and %lld test images; %d threads; %s%s\n", s.data.c_str(),
                static_cast<long long>(train->size()), static_cast<long long>(test->size()), tg::get_num_threads(),
                s.dtype.c_str(), s.distributed ? (", " + std::to_string(ranks.world) + " ranks").c_str() : "");

  std::function<tg::Tensor(const tg::Tensor&)> model_forward;
  auto model = make_model(s.model, model_forward);
  model->to(dtype);
  // The loader yields float32 images; a float64 run converts each batch.
  const std::function<tg::Tensor(const tg::Tensor&)> forward = [&](const tg::Tensor& x) { return model_forward(x.to(dtype)); };
  auto optimizer = make_optimizer(s, model->parameters());
  // Distributed: each rank takes batch / ranks samples of every global batch (DistributedSampler).
  const std::int64_t local_batch = s.batch_size / ranks.world;
  if (local_batch * ranks.world != s.batch_size)
    throw std::invalid_argument("--batch-size " + std::to_string(s.batch_size) + " is the global batch: it must divide "
                                "evenly over the " + std::to_string(ranks.world) + " ranks");
  std::shared_ptr<ds::DistributedSampler> sampler;
  if (s.distributed)
    sampler = std::make_shared<ds::DistributedSampler>(train->size(), ranks.world, ranks.rank,
                                                        ds::DistributedSamplerOptions().seed(s.seed));
  const std::int64_t examples = sampler ? sampler->size() : train->size();
  const std::int64_t full_epoch = (examples + local_batch - 1) / local_batch;
  const std::int64_t batches_per_epoch = s.limit_batches > 0 ? std::min(s.limit_batches, full_epoch) : full_epoch;
  Schedule schedule(s, *optimizer, batches_per_epoch);
  ds::DataLoader loader(train, sampler ? ds::DataLoaderOptions(local_batch).sampler(sampler)
                                       : ds::DataLoaderOptions(s.batch_size).shuffle(true));  // seeded from the generator
  Replicas replicas(s, *model);

  int first_epoch = 1;
  if (!s.resume.empty()) {
    // With the loader's position: its next epoch draws the permutation the interrupted run would have.
    const auto meta = optim::load_training_checkpoint(
        s.resume, *model, *optimizer, [&](const optim::StateDict& d) { schedule.load_state_dict(d); },
        [&] { return schedule.state_dict(); }, loader);
    first_epoch = std::stoi(meta.at("epoch")) + 1;
    if (ranks.root) std::printf("resumed %s after epoch %d of %d\n", s.resume.c_str(), first_epoch - 1, s.epochs);
  }

  std::ofstream csv;
  if (!s.log_csv.empty() && ranks.root) {
    csv.open(s.log_csv, first_epoch > 1 ? std::ios::app : std::ios::trunc);
    if (!csv) throw std::runtime_error("cannot write the CSV log " + s.log_csv);
    if (first_epoch == 1) csv << "epoch,train_loss,test_accuracy,epoch_seconds,samples_per_second\n";
  }
  const bool interactive = ranks.root && stdout_is_terminal();
  const auto start = std::chrono::steady_clock::now();
  double accuracy = 0;
  for (int epoch = first_epoch; epoch <= s.epochs; ++epoch) {
    const auto epoch_start = std::chrono::steady_clock::now();
    if (sampler) sampler->set_epoch(epoch);
    EpochProgress progress(epoch, batches_per_epoch, interactive, 300, !ranks.root);
    std::int64_t batch = 0;
    for (auto& [images, labels] : loader) {
      if (batch++ == batches_per_epoch) break;
      optimizer->zero_grad();
      replicas.begin_step((epoch - 1) * batches_per_epoch + batch);
      tg::Tensor loss = mnist::loss_for(s.model, forward(images), labels);
      loss.backward();  // distributed: also averages the gradients over the ranks
      if (s.clip_grad_norm > 0) nn::utils::clip_grad_norm_(model->parameters(), s.clip_grad_norm);
      optimizer->step();
      if (schedule.per_batch) schedule.per_batch->step();
      progress.batch_done(loss.item(), labels.numel());
    }
    progress.finish();
    const double train_seconds = since(epoch_start);
    accuracy = evaluate(*model, forward, test, s.limit_batches, ranks).accuracy;
    const double rate = static_cast<double>(progress.samples()) / train_seconds;
    // Epochs shorter than 300 batches (the 10,000-digit subset has 157) get no [epoch, batch] line,
    // so the epoch line carries the epoch's mean training loss too.
    const double mean_loss = progress.mean_loss();
    if (schedule.per_epoch) schedule.per_epoch->step();
    if (schedule.plateau) schedule.plateau->step(mean_loss);
    if (ranks.root)
      std::printf("accuracy on test set: %.2f %%  (epoch %d: mean loss %.3f, %.1f s, %.0f samples/s)\n", accuracy,
                  epoch, mean_loss, train_seconds, rate * ranks.world);
    if (csv) csv << epoch << "," << mean_loss << "," << accuracy << "," << train_seconds << "," << rate << std::endl;
    if (!s.checkpoint.empty() && ranks.root) {
      auto meta = to_metadata(s);
      meta["epoch"] = std::to_string(epoch);
      optim::save_training_checkpoint(s.checkpoint, *model, *optimizer, schedule.state_dict(), meta, loader);
      std::printf("checkpoint after epoch %d written to %s\n", epoch, s.checkpoint.c_str());
    }
    std::fflush(stdout);
  }
  if (!ranks.root) return 0;
  std::printf("final accuracy on test set: %.2f %% after %d epochs in %.1f s\n", accuracy, s.epochs, since(start));
  if (!s.save.empty()) {
    tg::save(*model, s.save);
    std::printf("saved the model to %s\n", s.save.c_str());
  }
  export_if_asked(*model, s);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Settings s;
  CLI::App app{"Train (or evaluate) a 784-512-256-128-64-10 MLP on MNIST with tapegrad"};
  app.add_option("--data", s.data, "folder with the MNIST IDX files (.gz or raw)")->capture_default_str();
  app.add_option("--model", s.model, "the network: mlp (the seed MLP) or cnn (PyTorch's MNIST example network); it picks the "
                 "defaults of --optimizer, --lr, --momentum, --scheduler, --step-size and --gamma")
      ->capture_default_str()->check(CLI::IsMember({"mlp", "cnn"}));
  app.add_option("--epochs", s.epochs, "passes over the training set")->capture_default_str()->check(CLI::NonNegativeNumber);
  app.add_option("--batch-size", s.batch_size, "samples per optimizer step")->capture_default_str()->check(CLI::PositiveNumber);
  app.add_option("--optimizer", s.optimizer, "sgd, adam, adamw, rmsprop, adagrad or adadelta")->capture_default_str()
      ->check(CLI::IsMember({"sgd", "adam", "adamw", "rmsprop", "adagrad", "adadelta"}));
  app.add_option("--lr", s.lr, "learning rate (onecycle: its peak)")->capture_default_str()->check(CLI::NonNegativeNumber);
  app.add_option("--momentum", s.momentum, "momentum of sgd and rmsprop")->capture_default_str()->check(CLI::NonNegativeNumber);
  app.add_option("--weight-decay", s.weight_decay, "weight decay (adamw: decoupled)")->capture_default_str()->check(CLI::NonNegativeNumber);
  app.add_option("--scheduler", s.scheduler, "none, step (x gamma every step-size epochs), cosine, onecycle (per batch) or plateau")
      ->capture_default_str()->check(CLI::IsMember({"none", "step", "cosine", "onecycle", "plateau"}));
  app.add_option("--step-size", s.step_size, "--scheduler step: epochs between lr decays")->capture_default_str()->check(CLI::PositiveNumber);
  app.add_option("--gamma", s.gamma, "--scheduler step: lr factor at each decay")->capture_default_str()->check(CLI::NonNegativeNumber);
  app.add_option("--clip-grad-norm", s.clip_grad_norm, "clip the gradients' total 2-norm to this (0: off)")
      ->capture_default_str()->check(CLI::NonNegativeNumber);
  app.add_option("--limit-batches", s.limit_batches, "train on this many batches per epoch and test on this many batches of 1000 (0: all)")
      ->capture_default_str()->check(CLI::NonNegativeNumber);
  app.add_option("--seed", s.seed, "seed for initialisation and shuffling")->capture_default_str();
  app.add_option("--threads", s.threads, "threads for the GEMM kernels (default: all cores)")->check(CLI::PositiveNumber);
  app.add_option("--save", s.save, "write the trained model to this .safetensors file");
  app.add_option("--eval", s.eval, "evaluate a saved model instead of training");
  app.add_option("--log-csv", s.log_csv, "write per-epoch metrics to this CSV file");
  app.add_option("--checkpoint", s.checkpoint, "write a training checkpoint to this file after every epoch");
  app.add_option("--resume", s.resume, "continue the run saved in this training checkpoint");
  app.add_option("--dtype", s.dtype, "float32 or float64: the model's and the data's")->capture_default_str()
      ->check(CLI::IsMember({"float32", "float64"}));
  app.add_flag("--distributed", s.distributed,
               "train one replica per MPI rank (mpirun -np N mnist --distributed); --batch-size is the global batch");
  app.add_option("--export-onnx", s.export_onnx, "write the model (trained, or the --eval one) as ONNX to this file");
  CLI11_PARSE(app, argc, argv);
  // --model picks its training defaults; each flag given explicitly overrides its own.
  const mnist::Defaults d = mnist::defaults_for(s.model);
  if (!app.count("--optimizer")) s.optimizer = d.optimizer;
  if (!app.count("--lr")) s.lr = d.lr;
  if (!app.count("--momentum")) s.momentum = d.momentum;
  if (!app.count("--scheduler")) s.scheduler = d.scheduler;
  if (!app.count("--step-size")) s.step_size = d.step_size;
  if (!app.count("--gamma")) s.gamma = d.gamma;

  if (s.distributed) {
#ifdef TAPEGRAD_HAS_DISTRIBUTED
    tapegrad::distributed::init(&argc, &argv);
#else
    std::fprintf(stderr, "mnist: --distributed needs tapegrad built with MPI (install libopenmpi-dev and rebuild)\n");
    return 1;
#endif
  }
  int status = 1;
  try {
    std::printf("%s\n", tg::cpu_capabilities().to_string().c_str());  // CPU and kernel instruction set
    if (s.threads > 0) tg::set_num_threads(s.threads);
    if (!s.eval.empty() && !s.resume.empty()) throw std::invalid_argument("--eval and --resume exclude each other");
    status = s.eval.empty() ? run_training(s, app) : run_eval(s);
  } catch (const std::exception& e) {
    // The loaders' messages name the file and say how to get the data (data/mnist, scripts/download_mnist.sh).
#ifdef TAPEGRAD_HAS_DISTRIBUTED
    // One rank failing ends every rank at once, naming it, instead of leaving the others waiting.
    if (s.distributed) tapegrad::distributed::abort_job(std::string("mnist: ") + e.what());
#endif
    std::fprintf(stderr, "mnist: %s\n", e.what());
  }
#ifdef TAPEGRAD_HAS_DISTRIBUTED
  if (s.distributed) tapegrad::distributed::finalize();
#endif
  return status;
}
