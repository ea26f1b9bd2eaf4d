// Activation modules: stateless wrappers over nn::functional.
#pragma once

#include <cstdint>
#include <string>

#include "../module.hpp"

namespace tapegrad::nn {

class ReLU : public Module {
 public:
  Tensor forward(const Tensor& input) const;
  Tensor operator()(const Tensor& input) const { return forward(input); }
  std::string repr() const override { return "ReLU()"; }
};

class Sigmoid : public Module {
 public:
  Tensor forward(const Tensor& input) const;
  Tensor operator()(const Tensor& input) const { return forward(input); }
  std::string repr() const override { return "Sigmoid()"; }
};

class Tanh : public Module {
 public:
  Tensor forward(const Tensor& input) const;
  Tensor operator()(const Tensor& input) const { return forward(input); }
  std::string repr() const override { return "Tanh()"; }
};

// softmax along `dim` (negative dims count from the end).
class Softmax : public Module {
 public:
  explicit Softmax(std::int64_t dim) : dim_(dim) {}
  Tensor forward(const Tensor& input) const;
  Tensor operator()(const Tensor& input) const { return forward(input); }
  std::int64_t dim() const { return dim_; }
  std::string repr() const override { return "Softmax(dim=" + std::to_string(dim_) + ")"; }

 private:
  std::int64_t dim_;
};

class LogSoftmax : public Module {
 public:
  explicit LogSoftmax(std::int64_t dim) : dim_(dim) {}
  Tensor forward(const Tensor& input) const;
  Tensor operator()(const Tensor& input) const { return forward(input); }
  std::int64_t dim() const { return dim_; }
  std::string repr() const override { return "LogSoftmax(dim=" + std::to_string(dim_) + ")"; }

 private:
  std::int64_t dim_;
};

}  // namespace tapegrad::nn
