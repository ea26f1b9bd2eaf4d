// The tapegrad side of the consumer tests (tests/consumers/): builds one of a few MNIST
// models, trains it briefly (or loads a checkpoint), and writes into an output folder what the
// Python checks compare against:
//   model.onnx          the ONNX export        model.safetensors   the weights (tapegrad checkpoint)
//   model.pt            the same weights in PyTorch's format (tg::save to a .pt name)
//   inputs.f32          the normalised test images, 10000 x 784 float32 (the same bytes both sides see)
//   logits.f32          tapegrad's outputs on them, 10000 x 10 float32
//   logits.f64          the same model converted to float64 (Module::to), its outputs on the images in
//                       float64: what two implementations agree on to ~1e-12, whatever their summation order
//   predictions.i64     tapegrad's argmax of each row
//   labels.i64          the test labels
// and prints "correct: N" (argmax hits over the test set).
//   onnx_reference --model mlp|mlp-activations|mlp-softmax|cnn --data DIR --out DIR [--load CKPT] [--steps N]
// (CKPT: a tapegrad safetensors checkpoint or a PyTorch .pt state_dict, told apart by content)
#include <tapegrad/onnx/export.hpp>
#include <tapegrad/tapegrad.hpp>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <string>

namespace tg = tapegrad;
namespace nn = tapegrad::nn;
namespace ds = tapegrad::datasets;

namespace {

// Each model's last module gives logits (mlp), log-probabilities or probabilities; `loss` turns that
// output into the training loss.
nn::Sequential make_model(const std::string& name) {
  if (name == "mlp")  // the mnist example's model
    return nn::Sequential(nn::Linear(784, 512), nn::ReLU(), nn::Linear(512, 256), nn::ReLU(), nn::Linear(256, 128),
                          nn::ReLU(), nn::Linear(128, 64), nn::ReLU(), nn::Linear(64, 10));
  if (name == "mlp-activations")
    return nn::Sequential(nn::Linear(784, 64), nn::Tanh(), nn::Linear(64, 32), nn::Sigmoid(), nn::Linear(32, 10),
                          nn::LogSoftmax(1));
  if (name == "cnn")  // every convolutional layer with a mapping, small enough to train in seconds
    return nn::Sequential(nn::Unflatten(nn::UnflattenOptions(1, {1, 28, 28})),
                          nn::Conv2d(nn::Conv2dOptions(1, 8, 3).padding(1)), nn::BatchNorm2d(8), nn::ReLU(),
                          nn::MaxPool2d(2), nn::Conv2d(8, 16, 3), nn::ReLU(), nn::AvgPool2d(2), nn::Dropout(0.25),
                          nn::Flatten(), nn::Linear(16 * 6 * 6, 10));
  if (name == "mlp-softmax") return nn::Sequential(nn::Linear(784, 64), nn::ReLU(), nn::Linear(64, 10), nn::Softmax(-1));
  throw std::invalid_argument("unknown model " + name);
}

tg::Tensor loss(const std::string& name, const tg::Tensor& output, const tg::Tensor& labels) {
  if (name == "mlp" || name == "cnn") return nn::CrossEntropyLoss()(output, labels);
  if (name == "mlp-activations") return nn::NLLLoss()(output, labels);
  return nn::NLLLoss()(tg::log(output), labels);
}

void write(const std::string& path, const tg::Tensor& t) {
  std::ofstream f(path, std::ios::binary);
  f.write(static_cast<const char*>(t.raw_data()), static_cast<std::streamsize>(t.numel() * tg::element_size(t.dtype())));
  if (!f) throw std::runtime_error("cannot write " + path);
}

std::shared_ptr<ds::MNIST> split(const std::string& root, ds::MNIST::Mode mode) {
  auto s = std::make_shared<ds::MNIST>(root, mode);
  s->set_transform(ds::Normalize(0.1307, 0.3081));
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  std::map<std::string, std::string> args{{"--model", "mlp"}, {"--steps", "300"}};
  for (int i = 1; i + 1 < argc; i += 2) args[argv[i]] = argv[i + 1];
  if (!args.count("--data") || !args.count("--out")) {
    std::fprintf(stderr, "usage: onnx_reference --model NAME --data DIR --out DIR [--load CKPT] [--steps N]\n");
    return 2;
  }
  try {
    const std::string name = args["--model"], out = args["--out"];
    tg::manual_seed(1);
    nn::Sequential model = make_model(name);
    if (args.count("--load")) {
      tg::load(model, args["--load"]);
    } else {  // a short SGD run: enough for ~90 % accuracy, so predictions are not ties
      tg::optim::SGD optimizer(model.parameters(), tg::optim::SGDOptions(0.05).momentum(0.9));
      std::int64_t step = 0, steps = std::stoll(args["--steps"]);
      for (auto& [images, labels] : ds::DataLoader(split(args["--data"], ds::MNIST::Mode::kTrain),
                                                  ds::DataLoaderOptions(64).shuffle(true))) {
        if (step++ == steps) break;
        optimizer.zero_grad();
        loss(name, model(images), labels).backward();
        optimizer.step();
      }
    }
    tg::NoGradGuard no_grad;
    model.eval();
    auto test = split(args["--data"], ds::MNIST::Mode::kTest);
    ds::DataLoader loader(test, ds::DataLoaderOptions(test->size()));
    auto [images, labels] = *loader.begin();
    const tg::Tensor logits = model(images);
    const tg::Tensor predicted = tg::argmax(logits, 1);
    std::int64_t correct = 0;
    for (std::int64_t i = 0; i < labels.numel(); ++i) correct += predicted.data<std::int64_t>()[i] == labels.data<std::int64_t>()[i];

    write(out + "/inputs.f32", images);
    write(out + "/logits.f32", logits);
    write(out + "/predictions.i64", predicted);
    write(out + "/labels.i64", labels);
    tg::save(model, out + "/model.safetensors");
    tg::save(model, out + "/model.pt");
    // Traced on one image: the export's batch dimension is dynamic, the consumers run 10000 at once.
    tg::onnx::export_model(model, tg::zeros({1, 784}), out + "/model.onnx");
    model.to(tg::kFloat64);  // last: everything above is of the float32 model
    write(out + "/logits.f64", model(images.to(tg::kFloat64)));
    std::printf("correct: %lld\n", static_cast<long long>(correct));
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "onnx_reference: %s\n", e.what());
    return 1;
  }
}
