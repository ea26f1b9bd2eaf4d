#include "models.hpp"

#include <stdexcept>

namespace nn = tapegrad::nn;

namespace mnist {

nn::Sequential make_model(const std::string& name) {
  if (name == "mlp")
    return nn::Sequential(nn::Linear(784, 512), nn::ReLU(), nn::Linear(512, 256), nn::ReLU(), nn::Linear(256, 128),
                          nn::ReLU(), nn::Linear(128, 64), nn::ReLU(), nn::Linear(64, 10));
  if (name == "cnn")  // the loader's images are flat (N, 784): Unflatten gives the conv layers (N, 1, 28, 28)
    return nn::Sequential(nn::Unflatten(1, {1, 28, 28}), nn::Conv2d(1, 32, 3), nn::ReLU(), nn::Conv2d(32, 64, 3), nn::ReLU(),
                          nn::MaxPool2d(2), nn::Dropout(0.25), nn::Flatten(), nn::Linear(9216, 128), nn::ReLU(),
                          nn::Dropout(0.5), nn::Linear(128, 10), nn::LogSoftmax(1));
  throw std::invalid_argument("unknown model '" + name + "' (expected mlp or cnn)");
}

Defaults defaults_for(const std::string& name) {
  // pytorch/examples mnist: Adadelta lr 1.0, StepLR(step_size 1, gamma 0.7) per epoch.
  if (name == "cnn") return {"adadelta", 1.0, 0.0, "step", 1, 0.7};
  make_model(name);  // rejects unknown names
  return {"sgd", 0.01, 0.5, "none", 3, 0.5};
}

tapegrad::Tensor loss_for(const std::string& name, const tapegrad::Tensor& output, const tapegrad::Tensor& labels) {
  if (name == "cnn") return nn::functional::nll_loss(output, labels);  // the model ends in log_softmax
  return nn::functional::cross_entropy(output, labels);
}

}  // namespace mnist
