// Optimizer: the base of every optimizer (libtorch's structure). It owns the parameter groups (each
// with its own options), one state slot per parameter, the dtype dispatch and the loop over groups and
// parameters; an optimizer adds its options, the names of its per-parameter state tensors and its
// update formula (a kernel over raw arrays), and nothing else.
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <tuple>
#include <utility>
#include <variant>
#include <vector>

#include "../core/state_dict.hpp"
#include "../core/tensor.hpp"

namespace tapegrad::optim {

// The options every optimizer's options struct shares: the learning rate (read and written by the
// schedulers), optionally a momentum (SGD's and RMSprop's momentum, Adam's beta1: what OneCycleLR
// cycles), and every field by name, so options serialise without per-optimizer code.
struct OptimizerOptions {
  virtual ~OptimizerOptions() = default;
  virtual std::unique_ptr<OptimizerOptions> clone() const = 0;
  virtual double get_lr() const = 0;
  virtual void set_lr(double lr) = 0;
  virtual bool has_momentum() const { return false; }
  virtual double get_momentum() const { return 0; }
  virtual void set_momentum(double) {}
  // Throws std::invalid_argument with PyTorch's message when a value is out of range.
  virtual void validate() const = 0;
  // Every field by name ("lr", "beta1", "amsgrad", ...), for state_dict.
  using Field = std::variant<double*, bool*>;
  virtual std::vector<std::pair<std::string, Field>> fields() = 0;
};

// Adds clone() to an options struct, and the lr and momentum accessors from its own fields: every
// struct has lr(); the momentum is momentum() where there is one, else beta1 of betas() (Adam's, what
// OneCycleLR cycles), else none.
template <class Derived> struct OptimizerCloneableOptions : OptimizerOptions {
  std::unique_ptr<OptimizerOptions> clone() const override { return std::make_unique<Derived>(self()); }
  double get_lr() const override { return self().lr(); }
  void set_lr(double v) override { self().lr(v); }
  bool has_momentum() const override { return momentum_field() || betas_field(); }
  double get_momentum() const override {
    if constexpr (momentum_field()) return self().momentum();
    else if constexpr (betas_field()) return std::get<0>(self().betas());
    else return 0;
  }
  void set_momentum(double v) override {
    if constexpr (momentum_field()) self().momentum(v);
    else if constexpr (betas_field()) std::get<0>(self().betas()) = v;
  }

 private:
  // Functions, not constants: asked only once Derived is complete.
  static constexpr bool momentum_field() { return requires(const Derived& d) { d.momentum(); }; }
  static constexpr bool betas_field() { return requires(const Derived& d) { std::get<0>(d.betas()); }; }
  const Derived& self() const { return static_cast<const Derived&>(*this); }
  Derived& self() { return static_cast<Derived&>(*this); }
};

// A list of parameters and, optionally, options of its own (otherwise the optimizer's defaults):
//   Adam({OptimizerParamGroup(weights), OptimizerParamGroup(biases, std::make_unique<AdamOptions>(
//        AdamOptions(1e-3).weight_decay(0)))}, AdamOptions(1e-3).weight_decay(1e-2))
class OptimizerParamGroup {
 public:
  OptimizerParamGroup(std::vector<Tensor> params) : params_(std::move(params)) {}  // NOLINT: implicit
  OptimizerParamGroup(std::vector<Tensor> params, std::unique_ptr<OptimizerOptions> options)
      : params_(std::move(params)), options_(std::move(options)) {}
  OptimizerParamGroup(const OptimizerParamGroup& other);
  OptimizerParamGroup& operator=(const OptimizerParamGroup& other);
  OptimizerParamGroup(OptimizerParamGroup&&) = default;
  OptimizerParamGroup& operator=(OptimizerParamGroup&&) = default;

  bool has_options() const { return options_ != nullptr; }
  OptimizerOptions& options();
  const OptimizerOptions& options() const;
  void set_options(std::unique_ptr<OptimizerOptions> options) { options_ = std::move(options); }
  std::vector<Tensor>& params() { return params_; }
  const std::vector<Tensor>& params() const { return params_; }
  // The lr the first scheduler built on the optimizer found (PyTorch's group['initial_lr']).
  std::optional<double>& initial_lr() { return initial_lr_; }
  const std::optional<double>& initial_lr() const { return initial_lr_; }

 private:
  std::vector<Tensor> params_;
  std::unique_ptr<OptimizerOptions> options_;
  std::optional<double> initial_lr_;
};

// What an optimizer remembers about one parameter: its step count and its state tensors, in the
// order of the optimizer's state_names() (Adam: exp_avg, exp_avg_sq, max_exp_avg_sq).
struct OptimizerParamState {
  std::int64_t step = 0;
  std::vector<Tensor> tensors;
};

// Non-tensor state as text (numbers in their shortest exact form), next to the tensors: the form
// datasets/ shares (core/state_dict.hpp), still optim::StateDict.
using tapegrad::StateDict;

// The element-wise view of one parameter's update, handed to an optimizer's kernel.
template <class T> struct UpdateArgs {
  T* param;
  const T* grad;
  // The state tensors, exactly as many as state_names(options) names and in its order (step()
  // raises on any other count; empty where the group keeps no state).
  std::span<T* const> state;
  std::int64_t n;
  std::int64_t step;  // this step's count (1 on the first)
  // State tensor k, checked: a kernel asking for a slot its options do not name is a bug of that
  // optimizer, raised rather than read out of bounds.
  T* slot(std::size_t k) const {
    if (k >= state.size())
      throw std::logic_error("optimizer kernel asked for state slot " + std::to_string(k) + " of " +
                             std::to_string(state.size()));
    return state[k];
  }
};

class Optimizer {
 public:
  virtual ~Optimizer() = default;
  // Non-copyable: a copy would share the parameters but not the state, and step them twice.
  Optimizer(const Optimizer&) = delete;
  Optimizer& operator=(const Optimizer&) = delete;
  Optimizer(Optimizer&&) = default;
  Optimizer& operator=(Optimizer&&) = default;

  // Resets every parameter's .grad: to undefined by default (libtorch's set_to_none = true), or to
  // zeros in place, keeping the buffers (PyTorch 1.13's default).
  void zero_grad(bool set_to_none = true);
  // One update of every parameter that has a gradient, under NoGradGuard.
  void step();

  // Appends a group; rejects parameters already in the optimizer. Options default to defaults().
  void add_param_group(const OptimizerParamGroup& group);
  std::vector<OptimizerParamGroup>& param_groups() { return groups_; }
  const std::vector<OptimizerParamGroup>& param_groups() const { return groups_; }
  const OptimizerOptions& defaults() const { return *defaults_; }

  // The first group's learning rate; set_lr sets every group's (validated).
  double lr() const;
  void set_lr(double lr);

  // Every parameter, group after group; state(i) indexes this list.
  std::vector<Tensor> parameters() const;
  // State of parameter `index`, or null while it has none (it never had a gradient, or the
  // optimizer keeps none, as SGD without momentum).
  const OptimizerParamState* state(std::size_t index) const;
  // "SGD", "Adam", ...: checkpoints check it on load.
  virtual std::string name() const = 0;
  virtual std::vector<std::string> state_names(const OptimizerOptions& options) const = 0;

  // Options of every group, step counts and state tensors ("state.3.exp_avg").
  StateDict state_dict() const;
  // Validates everything (same optimizer, group sizes, shapes and dtypes, no missing or extra keys)
  // before changing anything; std::runtime_error otherwise.
  void load_state_dict(const StateDict& dict);

 protected:
  Optimizer(std::vector<OptimizerParamGroup> groups, std::unique_ptr<OptimizerOptions> defaults);
  // The state a parameter starts with (zeros; Adagrad: its initial accumulator value), in state_names() order.
  virtual std::vector<Tensor> initial_state(const Tensor& param, const OptimizerOptions& options) const;
  // Whether this group keeps per-parameter state at all (SGD: only with momentum).
  virtual bool keeps_state(const OptimizerOptions&) const { return true; }
  // The update of one parameter (grad and state checked, step already counted).
  virtual void update(const UpdateArgs<float>& a, const OptimizerOptions& options) = 0;
  virtual void update(const UpdateArgs<double>& a, const OptimizerOptions& options) = 0;

 private:
  std::vector<OptimizerParamGroup> groups_;
  std::unique_ptr<OptimizerOptions> defaults_;
  std::vector<std::unique_ptr<OptimizerParamState>> state_;  // one slot per parameter, as parameters()

  // std::runtime_error unless a parameter's `have` state tensors are the ones `needed` names.
  void check_state_count(std::size_t index, std::size_t have, const std::vector<std::string>& needed) const;
};

// Implements both update() overloads by calling Derived::kernel<T>(args, options), so an optimizer's
// formula is written once, as a template over the element type.
template <class Derived, class Options> class OptimizerWith : public Optimizer {
 public:
  // Every optimizer's constructors (each says `using OptimizerWith::OptimizerWith;`): a list of
  // parameters or of groups, and the default options, which may be left out where Options has a
  // default constructor (not SGD's: its lr is required, as in libtorch).
  OptimizerWith(std::vector<OptimizerParamGroup> groups, const Options& defaults)
      : Optimizer(std::move(groups), defaults.clone()) {}
  OptimizerWith(std::initializer_list<OptimizerParamGroup> groups, const Options& defaults)
      : OptimizerWith(std::vector<OptimizerParamGroup>(groups), defaults) {}
  OptimizerWith(std::vector<Tensor> params, const Options& defaults)
      : OptimizerWith(std::vector<OptimizerParamGroup>{OptimizerParamGroup(std::move(params))}, defaults) {}
  explicit OptimizerWith(std::vector<OptimizerParamGroup> groups)
    requires std::default_initializable<Options>
      : OptimizerWith(std::move(groups), Options()) {}
  explicit OptimizerWith(std::initializer_list<OptimizerParamGroup> groups)
    requires std::default_initializable<Options>
      : OptimizerWith(std::vector<OptimizerParamGroup>(groups), Options()) {}
  explicit OptimizerWith(std::vector<Tensor> params)
    requires std::default_initializable<Options>
      : OptimizerWith(std::move(params), Options()) {}

  // The options of group 0 as this optimizer's type (the usual single-group case).
  const Options& options() const { return static_cast<const Options&>(param_groups().at(0).options()); }

 protected:
  using Optimizer::Optimizer;
  void update(const UpdateArgs<float>& a, const OptimizerOptions& o) override {
    Derived::kernel(a, static_cast<const Options&>(o));
  }
  void update(const UpdateArgs<double>& a, const OptimizerOptions& o) override {
    Derived::kernel(a, static_cast<const Options&>(o));
  }
};

// Shortest text that reads back as `v`: "-0.1", "-1" (int-like, as Python prints an int argument).
std::string number_text(double v);
// The same with Python's float repr: "1.0".
std::string float_text(double v);

}  // namespace tapegrad::optim
