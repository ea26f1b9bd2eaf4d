// The README's training loop ("A tour": the same model, loss, optimizer and shuffled loader) on the
// first 2,048 images of data/mnist for 3 epochs, with training checkpoints that carry the loader's
// position. tests/integration/resume_loop.sh SIGKILLs it after one of its checkpoints, resumes it
// and compares the end with an uninterrupted run's, byte for byte.
//
//   resume_loop DATA OUT [--checkpoint PATH --every N] [--hold-after K] [--resume PATH] [--without-loader]
//
// --every N        a checkpoint after every N-th batch of an epoch (inside the loop) and after each epoch
// --hold-after K   after this process's K-th checkpoint, print "holding" and wait to be killed
// --resume PATH    continue the run of that checkpoint; prints "resumed at epoch E, batch B"
// --without-loader checkpoints saved and loaded without the loader (the calls before the loader
//                  had a state): the test's negative control, which must end differently
// Writes OUT.safetensors (the model) and OUT.loss (the last batch's loss, as exact hex).
#include <tapegrad/tapegrad.hpp>
#include <unistd.h>

#include <cstdio>
#include <numeric>
#include <stdexcept>
#include <string>
#include <vector>

namespace tg = tapegrad;
namespace nn = tapegrad::nn;
namespace ds = tapegrad::datasets;
namespace optim = tapegrad::optim;

namespace {

struct Args {
  std::string data, out, checkpoint, resume;
  int every = 0, hold_after = 0;
  bool without_loader = false;
};

Args parse(int argc, char** argv) {
  if (argc < 3) throw std::invalid_argument("usage: resume_loop DATA OUT [options]");
  Args a;
  a.data = argv[1];
  a.out = argv[2];
  for (int i = 3; i < argc; ++i) {
    const std::string flag = argv[i];
    if (flag == "--without-loader") {
      a.without_loader = true;
      continue;
    }
    if (i + 1 == argc) throw std::invalid_argument(flag + " needs a value");
    const std::string value = argv[++i];
    if (flag == "--checkpoint") a.checkpoint = value;
    else if (flag == "--every") a.every = std::stoi(value);
    else if (flag == "--hold-after") a.hold_after = std::stoi(value);
    else if (flag == "--resume") a.resume = value;
    else throw std::invalid_argument("unknown option " + flag);
  }
  return a;
}

int run(const Args& a) {
  constexpr int kEpochs = 3;
  tg::set_num_threads(1);  // the same GEMM kernels in every run
  tg::manual_seed(0);
  ds::MNIST mnist(a.data, ds::MNIST::Mode::kTrain);
  mnist.set_transform(ds::Normalize(0.1307, 0.3081));
  std::vector<std::int64_t> first(2048);
  std::iota(first.begin(), first.end(), std::int64_t{0});
  const ds::Example slice = mnist.get_batch(first);
  const ds::TensorDataset train(slice.data, slice.target);
  ds::DataLoader loader(train, ds::DataLoaderOptions(64).shuffle(true));
  nn::Sequential model(nn::Linear(784, 512), nn::ReLU(), nn::Linear(512, 10));
  nn::CrossEntropyLoss criterion(nn::CrossEntropyLossOptions().label_smoothing(0.1));
  optim::SGD optimizer(model.parameters(), optim::SGDOptions(0.01).momentum(0.5));

  int first_epoch = 0, first_batch = 0;
  if (!a.resume.empty()) {
    const auto meta = a.without_loader ? optim::load_training_checkpoint(a.resume, model, optimizer, {}, {})
                                       : optim::load_training_checkpoint(a.resume, model, optimizer, {}, {}, loader);
    first_epoch = std::stoi(meta.at("epoch"));
    first_batch = std::stoi(loader.state_dict().values.at("batches"));  // of `first_epoch`, already trained on
    std::printf("resumed at epoch %d, batch %d\n", first_epoch, first_batch);
  }
  int written = 0;
  // `epoch` is the one to continue: the epoch in progress inside the loop, the next one after it.
  auto checkpoint = [&](int epoch, const std::string& where) {
    if (a.checkpoint.empty()) return;
    const optim::CheckpointMetadata meta = {{"epoch", std::to_string(epoch)}};
    if (a.without_loader) optim::save_training_checkpoint(a.checkpoint, model, optimizer, {}, meta);
    else optim::save_training_checkpoint(a.checkpoint, model, optimizer, {}, meta, loader);
    std::printf("checkpoint %d: %s\n", ++written, where.c_str());
    std::fflush(stdout);
    if (written == a.hold_after) {
      std::printf("holding\n");
      std::fflush(stdout);
      for (;;) ::pause();  // until the SIGKILL
    }
  };

  float last_loss = 0;
  for (int epoch = first_epoch; epoch < kEpochs; ++epoch) {
    int batch = epoch == first_epoch ? first_batch : 0;
    for (auto& [images, labels] : loader) {
      ++batch;
      optimizer.zero_grad();
      tg::Tensor loss = criterion(model(images), labels);
      loss.backward();
      optimizer.step();
      last_loss = loss.item<float>();
      if (a.every > 0 && batch % a.every == 0)
        checkpoint(epoch, "epoch " + std::to_string(epoch) + ", batch " + std::to_string(batch));
    }
    checkpoint(epoch + 1, "after epoch " + std::to_string(epoch));
  }
  tg::save(model, a.out + ".safetensors");
  std::FILE* f = std::fopen((a.out + ".loss").c_str(), "w");
  if (!f) throw std::runtime_error("cannot write " + a.out + ".loss");
  std::fprintf(f, "%a\n", static_cast<double>(last_loss));
  std::fclose(f);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(parse(argc, argv));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "resume_loop: %s\n", e.what());
    return 1;
  }
}
