// Activation modules: stateless wrappers over nn::functional (functional/activation.cpp), most of them
// one template applying one function.
//   nn::ReLU(), nn::Softmax(1), nn::GELU(nn::GELUOptions().approximate("tanh")),
//   nn::LeakyReLU(nn::LeakyReLUOptions().negative_slope(0.2))
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "../functional.hpp"
#include "../module.hpp"
#include "../options/activation.hpp"

namespace tapegrad::nn {

namespace detail {
// A module applying `Fn`, printed as "Name()".
template <Tensor (*Fn)(const Tensor&), const char* Name> class PlainActivation : public Module {
 public:
  Tensor forward(const Tensor& input) const { return Fn(input); }
  Tensor operator()(const Tensor& input) const { return forward(input); }
  std::string repr() const override { return std::string(Name) + "()"; }
  std::shared_ptr<Module> clone() const override { return clone_as<PlainActivation>(); }
};

// A module applying `Fn` with its options struct, printed by the module's own repr.
template <class Options, Tensor (*Fn)(const Tensor&, const Options&)> class OptionsActivation : public Module {
 public:
  explicit OptionsActivation(Options options = {}) : options(std::move(options)) {}
  Tensor forward(const Tensor& input) const { return Fn(input, options); }
  Tensor operator()(const Tensor& input) const { return forward(input); }
  Options options;
};

// A module applying `Fn` along the dimension of its options (negative dims count from the end).
template <class Options, Tensor (*Fn)(const Tensor&, std::int64_t), const char* Name> class DimActivation : public Module {
 public:
  explicit DimActivation(std::int64_t dim) : options(dim) {}
  explicit DimActivation(const Options& options_) : options(options_) {}
  Tensor forward(const Tensor& input) const { return Fn(input, options.dim()); }
  Tensor operator()(const Tensor& input) const { return forward(input); }
  std::string repr() const override { return std::string(Name) + "(dim=" + std::to_string(options.dim()) + ")"; }
  std::shared_ptr<Module> clone() const override { return clone_as<DimActivation>(options); }

  Options options;
};

inline constexpr char kSoftmax[] = "Softmax";
inline constexpr char kLogSoftmax[] = "LogSoftmax";
inline constexpr char kReLU[] = "ReLU";
inline constexpr char kSigmoid[] = "Sigmoid";
inline constexpr char kTanh[] = "Tanh";
inline constexpr char kSELU[] = "SELU";
inline constexpr char kSiLU[] = "SiLU";
inline constexpr char kMish[] = "Mish";
inline constexpr char kReLU6[] = "ReLU6";
inline constexpr char kLogSigmoid[] = "LogSigmoid";
inline constexpr char kSoftsign[] = "Softsign";
std::string format_number(double v);  // PyTorch's repr of a float option ("0.01", "1.0")
}  // namespace detail

using Softmax = detail::DimActivation<SoftmaxOptions, functional::softmax, detail::kSoftmax>;
using LogSoftmax = detail::DimActivation<LogSoftmaxOptions, functional::log_softmax, detail::kLogSoftmax>;
using ReLU = detail::PlainActivation<functional::relu, detail::kReLU>;
using Sigmoid = detail::PlainActivation<functional::sigmoid, detail::kSigmoid>;
using Tanh = detail::PlainActivation<functional::tanh, detail::kTanh>;
using SELU = detail::PlainActivation<functional::selu, detail::kSELU>;
using SiLU = detail::PlainActivation<functional::silu, detail::kSiLU>;
using Mish = detail::PlainActivation<functional::mish, detail::kMish>;
using ReLU6 = detail::PlainActivation<functional::relu6, detail::kReLU6>;
using LogSigmoid = detail::PlainActivation<functional::logsigmoid, detail::kLogSigmoid>;
using Softsign = detail::PlainActivation<functional::softsign, detail::kSoftsign>;

class LeakyReLU : public detail::OptionsActivation<LeakyReLUOptions, functional::leaky_relu> {
 public:
  using OptionsActivation::OptionsActivation;
  std::string repr() const override { return "LeakyReLU(negative_slope=" + detail::format_number(options.negative_slope()) + ")"; }
  std::shared_ptr<Module> clone() const override { return clone_as<LeakyReLU>(options); }
};

class ELU : public detail::OptionsActivation<ELUOptions, functional::elu> {
 public:
  using OptionsActivation::OptionsActivation;
  std::string repr() const override { return "ELU(alpha=" + detail::format_number(options.alpha()) + ")"; }
  std::shared_ptr<Module> clone() const override { return clone_as<ELU>(options); }
};

class GELU : public detail::OptionsActivation<GELUOptions, functional::gelu> {
 public:
  using OptionsActivation::OptionsActivation;
  std::string repr() const override { return "GELU(approximate='" + options.approximate() + "')"; }
  std::shared_ptr<Module> clone() const override { return clone_as<GELU>(options); }
};

class Softplus : public detail::OptionsActivation<SoftplusOptions, functional::softplus> {
 public:
  using OptionsActivation::OptionsActivation;
  std::string repr() const override {
    return "Softplus(beta=" + detail::format_number(options.beta()) + ", threshold=" + detail::format_number(options.threshold()) + ")";
  }
  std::shared_ptr<Module> clone() const override { return clone_as<Softplus>(options); }
};

class Hardtanh : public detail::OptionsActivation<HardtanhOptions, functional::hardtanh> {
 public:
  using OptionsActivation::OptionsActivation;
  std::string repr() const override {
    return "Hardtanh(min_val=" + detail::format_number(options.min_val()) + ", max_val=" + detail::format_number(options.max_val()) + ")";
  }
  std::shared_ptr<Module> clone() const override { return clone_as<Hardtanh>(options); }
};

}  // namespace tapegrad::nn
