#include "adam.hpp"

#include <algorithm>
#include <cmath>

#include "optim_util.hpp"

namespace tapegrad::optim {

namespace {
template <class O> void validate_adam(const O& o) {
  detail::check_non_negative(o.lr(), "learning rate", true);
  detail::check_non_negative(o.eps(), "epsilon value", true);
  const auto [beta1, beta2] = o.betas();
  if (!(beta1 >= 0 && beta1 < 1)) throw std::invalid_argument("Invalid beta parameter at index 0: " + float_text(beta1));
  if (!(beta2 >= 0 && beta2 < 1)) throw std::invalid_argument("Invalid beta parameter at index 1: " + float_text(beta2));
  detail::check_non_negative(o.weight_decay(), "weight_decay value");
}
}  // namespace
void validate_adam_options(const AdamOptions& o) { validate_adam(o); }
void validate_adam_options(const AdamWOptions& o) { validate_adam(o); }

namespace {

std::vector<std::string> adam_state_names(bool amsgrad) {
  if (amsgrad) return {"exp_avg", "exp_avg_sq", "max_exp_avg_sq"};
  return {"exp_avg", "exp_avg_sq"};
}

// Both optimizers' formula; kDecoupled selects AdamW's weight decay, kAmsgrad the running maximum.
template <class T, bool kDecoupled, bool kAmsgrad, class O>
void adam_kernel(const UpdateArgs<T>& a, const O& o) {
  const auto [beta1, beta2] = o.betas();
  const double step = static_cast<double>(a.step);
  const T step_size = static_cast<T>(o.lr() / (1 - std::pow(beta1, step)));
  const T bc2_sqrt = static_cast<T>(std::sqrt(1 - std::pow(beta2, step)));
  const T b1 = static_cast<T>(beta1), one_minus_b1 = static_cast<T>(1 - beta1);
  const T b2 = static_cast<T>(beta2), one_minus_b2 = static_cast<T>(1 - beta2);
  const T sign = o.maximize() ? T(-1) : T(1), eps = static_cast<T>(o.eps());
  const T wd = static_cast<T>(o.weight_decay()), decay = static_cast<T>(1 - o.lr() * o.weight_decay());
  const bool has_wd = o.weight_decay() != 0;
  T* __restrict p = a.param;
  const T* __restrict gr = a.grad;
  T* __restrict m = a.slot(0);
  T* __restrict v = a.slot(1);
  T* __restrict vmax = kAmsgrad ? a.slot(2) : nullptr;
  detail::for_each_element(a.n, [=](std::int64_t i) {
    T g = sign * gr[i];
    if constexpr (kDecoupled) p[i] = p[i] * decay;
    else if (has_wd) g = g + wd * p[i];
    m[i] = m[i] * b1 + one_minus_b1 * g;
    v[i] = v[i] * b2 + one_minus_b2 * g * g;
    T second = v[i];
    if constexpr (kAmsgrad) {
      vmax[i] = std::max(vmax[i], v[i]);
      second = vmax[i];
    }
    const T denom = std::sqrt(second) / bc2_sqrt + eps;
    p[i] = p[i] + (-step_size) * m[i] / denom;
  });
}

template <class T, bool kDecoupled, class O> void run_adam(const UpdateArgs<T>& a, const O& o) {
  if (o.amsgrad()) adam_kernel<T, kDecoupled, true>(a, o);
  else adam_kernel<T, kDecoupled, false>(a, o);
}

}  // namespace

std::vector<std::string> Adam::state_names(const OptimizerOptions& o) const {
  return adam_state_names(static_cast<const AdamOptions&>(o).amsgrad());
}
template <class T> void Adam::kernel(const UpdateArgs<T>& a, const AdamOptions& o) { run_adam<T, false>(a, o); }
template void Adam::kernel<float>(const UpdateArgs<float>&, const AdamOptions&);
template void Adam::kernel<double>(const UpdateArgs<double>&, const AdamOptions&);

std::vector<std::string> AdamW::state_names(const OptimizerOptions& o) const {
  return adam_state_names(static_cast<const AdamWOptions&>(o).amsgrad());
}
template <class T> void AdamW::kernel(const UpdateArgs<T>& a, const AdamWOptions& o) { run_adam<T, true>(a, o); }
template void AdamW::kernel<float>(const UpdateArgs<float>&, const AdamWOptions&);
template void AdamW::kernel<double>(const UpdateArgs<double>&, const AdamWOptions&);

}  // namespace tapegrad::optim
