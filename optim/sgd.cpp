#include "sgd.hpp"

#include "../core/threads.hpp"

#include <charconv>
#include <cstdint>
#include <stdexcept>
#include <string>

namespace tapegrad::optim {
namespace {

// Shortest text that reads back as `v` ("-0.1", "-1"), as Python prints it in PyTorch's errors.
std::string number_text(double v) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return ec == std::errc() ? std::string(buf, end) : std::to_string(v);
}

// `!(v >= 0)` so that NaN is rejected too, as PyTorch's `not 0.0 <= v` does.
void check_non_negative(double v, const char* what) {
  if (!(v >= 0)) throw std::invalid_argument(std::string("Invalid ") + what + number_text(v));
}

void validate(const SGDOptions& o) {
  check_non_negative(o.lr(), "learning rate: ");
  check_non_negative(o.momentum(), "momentum value: ");
  check_non_negative(o.weight_decay(), "weight_decay value: ");
  if (o.nesterov() && (o.momentum() <= 0 || o.dampening() != 0))
    throw std::invalid_argument("Nesterov momentum requires a momentum and zero dampening");
}

enum class Momentum { kNone, kFirstStep, kLaterStep };

// The update scalars in the parameter's own precision (PyTorch casts them the same way).
template <class T> struct Scalars {
  T lr, sign, weight_decay, momentum, one_minus_dampening;
};

// One pass over a parameter; every choice that does not depend on the element is a template
// argument, so the loop body has no branches and the compiler vectorises it.
// Parameters at least this large are updated by all GEMM threads (OpenMP): the update is bound by
// memory bandwidth, which one core does not saturate. Element-wise, so the result is the same.
constexpr std::int64_t kParallelMinElements = std::int64_t{1} << 16;

template <class T, bool kDecay, Momentum kMomentum, bool kNesterov>
void sgd_kernel(T* __restrict p, const T* __restrict g, T* __restrict buf, std::int64_t n, Scalars<T> s) {
#pragma omp parallel for simd schedule(static) if (n >= kParallelMinElements) num_threads(get_num_threads())
  for (std::int64_t i = 0; i < n; ++i) {
    T d = s.sign * g[i];  // multiplying by ±1 is exact: same as PyTorch's negation
    if constexpr (kDecay) d += s.weight_decay * p[i];
    if constexpr (kMomentum == Momentum::kFirstStep) buf[i] = d;
    if constexpr (kMomentum == Momentum::kLaterStep) buf[i] = s.momentum * buf[i] + s.one_minus_dampening * d;
    if constexpr (kMomentum != Momentum::kNone) d = kNesterov ? d + s.momentum * buf[i] : buf[i];
    p[i] -= s.lr * d;
  }
}

// Turns the runtime choices into the kernel's template arguments.
template <class T, bool kDecay, Momentum kMomentum>
void run_with_nesterov(bool nesterov, T* p, const T* g, T* buf, std::int64_t n, Scalars<T> s) {
  if (nesterov) sgd_kernel<T, kDecay, kMomentum, true>(p, g, buf, n, s);
  else sgd_kernel<T, kDecay, kMomentum, false>(p, g, buf, n, s);
}
template <class T, bool kDecay>
void run_with_momentum(Momentum m, bool nesterov, T* p, const T* g, T* buf, std::int64_t n, Scalars<T> s) {
  switch (m) {
    case Momentum::kNone: return sgd_kernel<T, kDecay, Momentum::kNone, false>(p, g, buf, n, s);
    case Momentum::kFirstStep: return run_with_nesterov<T, kDecay, Momentum::kFirstStep>(nesterov, p, g, buf, n, s);
    case Momentum::kLaterStep: return run_with_nesterov<T, kDecay, Momentum::kLaterStep>(nesterov, p, g, buf, n, s);
  }
}
template <class T>
void run_sgd(bool decay, Momentum m, bool nesterov, T* p, const T* g, T* buf, std::int64_t n, Scalars<T> s) {
  if (decay) run_with_momentum<T, true>(m, nesterov, p, g, buf, n, s);
  else run_with_momentum<T, false>(m, nesterov, p, g, buf, n, s);
}

}  // namespace

SGD::SGD(std::vector<Tensor> params, const SGDOptions& options)
    : Optimizer(std::move(params)), options_(options) {
  validate(options_);
}

void SGD::set_lr(double lr) {
  check_non_negative(lr, "learning rate: ");
  options_.lr(lr);
}

Tensor SGD::momentum_buffer(std::size_t index) const {
  const auto* s = static_cast<const SGDParamState*>(state(index));
  return s ? s->momentum_buffer : Tensor();
}

void SGD::update() {
  const SGDOptions& o = options_;
  const auto& params = parameters();
  for (std::size_t i = 0; i < params.size(); ++i) {
    Tensor p = params[i];
    const Tensor g = p.grad();
    if (!g.defined()) continue;  // no gradient: skipped, and no state
    if (g.shape() != p.shape() || g.dtype() != p.dtype())
      throw std::runtime_error("SGD: parameter " + std::to_string(i) + " (" + dtype_name(p.dtype()) +
                               shape_str(p.shape()) + ") has a gradient of " + dtype_name(g.dtype()) +
                               shape_str(g.shape()));

    Momentum mode = Momentum::kNone;
    Tensor buf;
    if (o.momentum() != 0) {
      auto& slot = mutable_state(i);
      if (!slot) {
        auto state = std::make_unique<SGDParamState>();
        state->momentum_buffer = empty(p.shape(), p.dtype());  // filled by the first step
        slot = std::move(state);
        mode = Momentum::kFirstStep;
      } else {
        mode = Momentum::kLaterStep;
      }
      buf = static_cast<SGDParamState&>(*slot).momentum_buffer;
      // Module::to(dtype) swaps a parameter's storage under the optimizer: say so instead of
      // reading a buffer of the wrong type.
      if (buf.dtype() != p.dtype() || buf.shape() != p.shape())
        throw std::runtime_error("SGD: parameter " + std::to_string(i) + " changed dtype or shape since its momentum "
                               "buffer was created; create the optimizer after Module::to()");
    }

    dispatch_floating(p.dtype(), "SGD", [&](auto tag) {
      using T = decltype(tag);
      const Scalars<T> s{static_cast<T>(o.lr()), static_cast<T>(o.maximize() ? -1 : 1),
                         static_cast<T>(o.weight_decay()), static_cast<T>(o.momentum()),
                         static_cast<T>(1 - o.dampening())};
      T* buf_data = mode == Momentum::kNone ? nullptr : buf.data<T>();
      run_sgd<T>(o.weight_decay() != 0, mode, o.nesterov(), p.data<T>(), g.data<T>(), buf_data, p.numel(), s);
    });
    p.bump_version();  // an in-place write: values saved for backward before it are now stale
  }
}

}  // namespace tapegrad::optim
