// Activation modules: stateless wrappers over nn::functional.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "../module.hpp"

namespace tapegrad::nn {

class ReLU : public Module {
 public:
  Tensor forward(const Tensor& input) const;
  Tensor operator()(const Tensor& input) const { return forward(input); }
  std::string repr() const override { return "ReLU()"; }
  std::shared_ptr<Module> clone() const override { return clone_as<ReLU>(); }
};

class Sigmoid : public Module {
 public:
  Tensor forward(const Tensor& input) const;
  Tensor operator()(const Tensor& input) const { return forward(input); }
  std::string repr() const override { return "Sigmoid()"; }
  std::shared_ptr<Module> clone() const override { return clone_as<Sigmoid>(); }
};

class Tanh : public Module {
 public:
  Tensor forward(const Tensor& input) const;
  Tensor operator()(const Tensor& input) const { return forward(input); }
  std::string repr() const override { return "Tanh()"; }
  std::shared_ptr<Module> clone() const override { return clone_as<Tanh>(); }
};

// softmax along `dim` (negative dims count from the end).
class Softmax : public Module {
 public:
  explicit Softmax(std::int64_t dim) : dim_(dim) {}
  Tensor forward(const Tensor& input) const;
  Tensor operator()(const Tensor& input) const { return forward(input); }
  std::int64_t dim() const { return dim_; }
  std::string repr() const override { return "Softmax(dim=" + std::to_string(dim_) + ")"; }
  std::shared_ptr<Module> clone() const override { return clone_as<Softmax>(dim_); }

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
  std::shared_ptr<Module> clone() const override { return clone_as<LogSoftmax>(dim_); }

 private:
  std::int64_t dim_;
};

}  // namespace tapegrad::nn
