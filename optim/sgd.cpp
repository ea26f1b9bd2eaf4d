#include "sgd.hpp"

#include <cstdint>
#include <stdexcept>
#include <string>

#include "optim_util.hpp"

namespace tapegrad::optim {
namespace {

enum class Momentum { kNone, kFirstStep, kLaterStep };

// The update scalars in the parameter's own precision (PyTorch casts them the same way).
template <class T> struct Scalars {
  T lr, sign, weight_decay, momentum, one_minus_dampening;
};

// One pass over a parameter; every choice that does not depend on the element is a template
// argument, so the loop body has no branches and the compiler vectorises it.
template <class T, bool kDecay, Momentum kMomentum, bool kNesterov>
void sgd_kernel(T* __restrict p, const T* __restrict g, T* __restrict buf, std::int64_t n, Scalars<T> s) {
  const tapegrad::detail::FixedThreadCount fixed;
#pragma omp parallel for simd schedule(static) if (n >= detail::kParallelMinElements) num_threads(get_num_threads())
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

}  // namespace

void SGDOptions::validate() const {
  detail::check_non_negative(lr(), "learning rate");
  detail::check_non_negative(momentum(), "momentum value");
  detail::check_non_negative(weight_decay(), "weight_decay value");
  if (nesterov() && (momentum() <= 0 || dampening() != 0))
    throw std::invalid_argument("Nesterov momentum requires a momentum and zero dampening");
}

std::vector<std::pair<std::string, OptimizerOptions::Field>> SGDOptions::fields() {
  return {{"lr", &lr()}, {"momentum", &momentum()}, {"dampening", &dampening()},
          {"weight_decay", &weight_decay()}, {"nesterov", &nesterov()}, {"maximize", &maximize()}};
}


Tensor SGD::momentum_buffer(std::size_t index) const {
  const OptimizerParamState* s = state(index);
  return s ? s->tensors.at(0) : Tensor();
}

template <class T> void SGD::kernel(const UpdateArgs<T>& a, const SGDOptions& o) {
  const Scalars<T> s{static_cast<T>(o.lr()), static_cast<T>(o.maximize() ? -1 : 1), static_cast<T>(o.weight_decay()),
                     static_cast<T>(o.momentum()), static_cast<T>(1 - o.dampening())};
  const Momentum mode = o.momentum() == 0 ? Momentum::kNone : a.step == 1 ? Momentum::kFirstStep : Momentum::kLaterStep;
  T* buf = mode == Momentum::kNone ? nullptr : a.slot(0);  // momentum_buffer: kept only with a momentum
  if (o.weight_decay() != 0) run_with_momentum<T, true>(mode, o.nesterov(), a.param, a.grad, buf, a.n, s);
  else run_with_momentum<T, false>(mode, o.nesterov(), a.param, a.grad, buf, a.n, s);
}
template void SGD::kernel<float>(const UpdateArgs<float>&, const SGDOptions&);
template void SGD::kernel<double>(const UpdateArgs<double>&, const SGDOptions&);

}  // namespace tapegrad::optim
