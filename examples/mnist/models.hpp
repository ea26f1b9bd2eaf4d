// The networks `mnist --model` can train, with the training defaults each comes with.
//   mlp: the seed post's 784-512-256-128-64-10 ReLU MLP, CrossEntropyLoss, SGD lr 0.01 momentum 0.5.
//   cnn: PyTorch's own MNIST example (pytorch/examples mnist/main.py): Conv2d(1,32,3) ReLU Conv2d(32,64,3)
//        ReLU MaxPool2d(2) Dropout(0.25) Flatten Linear(9216,128) ReLU Dropout(0.5) Linear(128,10),
//        log_softmax + NLLLoss.
#pragma once

#include <tapegrad/tapegrad.hpp>

#include <cstdint>
#include <string>

namespace mnist {

// Training defaults of a model; the command line overrides each one it is given.
struct Defaults {
  std::string optimizer;  // a --optimizer value
  double lr = 0.01;
  double momentum = 0.0;  // sgd and rmsprop only
  std::string scheduler;  // a --scheduler value
  std::int64_t step_size = 3;  // StepLR (--scheduler step): every step_size epochs, lr *= gamma
  double gamma = 0.5;
};

// Throws std::invalid_argument for a name other than "mlp" or "cnn".
tapegrad::nn::Sequential make_model(const std::string& name);
Defaults defaults_for(const std::string& name);
// The model's training loss on its output for these labels.
tapegrad::Tensor loss_for(const std::string& name, const tapegrad::Tensor& output, const tapegrad::Tensor& labels);

}  // namespace mnist
