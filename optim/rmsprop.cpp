#include "rmsprop.hpp"

#include <cmath>

#include "optim_util.hpp"

namespace tapegrad::optim {

void RMSpropOptions::validate() const {
  detail::check_non_negative(lr(), "learning rate", true);
  detail::check_non_negative(eps(), "epsilon value", true);
  detail::check_non_negative(momentum(), "momentum value");
  detail::check_non_negative(weight_decay(), "weight_decay value");
  detail::check_non_negative(alpha(), "alpha value", true);
}

std::vector<std::pair<std::string, OptimizerOptions::Field>> RMSpropOptions::fields() {
  return {{"lr", &lr()}, {"alpha", &alpha()}, {"eps", &eps()}, {"weight_decay", &weight_decay()},
          {"momentum", &momentum()}, {"centered", &centered()}, {"maximize", &maximize()}};
}


std::vector<std::string> RMSprop::state_names(const OptimizerOptions& options) const {
  const auto& o = static_cast<const RMSpropOptions&>(options);
  std::vector<std::string> names{"square_avg"};
  if (o.momentum() > 0) names.push_back("momentum_buffer");
  if (o.centered()) names.push_back("grad_avg");
  return names;
}

namespace {

// The formula with its two options as template arguments: no branch inside the loop, so it vectorises.
template <class T, bool kCentered, bool kMomentum>
void rmsprop_kernel(const UpdateArgs<T>& a, const RMSpropOptions& o) {
  const T sign = o.maximize() ? T(-1) : T(1), wd = static_cast<T>(o.weight_decay());
  const T alpha = static_cast<T>(o.alpha()), one_minus_alpha = static_cast<T>(1 - o.alpha());
  const T eps = static_cast<T>(o.eps()), momentum = static_cast<T>(o.momentum()), neg_lr = static_cast<T>(-o.lr());
  const bool has_wd = o.weight_decay() != 0;
  T* __restrict p = a.param;
  const T* __restrict gr = a.grad;
  T* __restrict sq = a.slot(0);
  T* __restrict buf = kMomentum ? a.slot(1) : nullptr;                     // momentum_buffer
  T* __restrict gavg = kCentered ? a.slot(kMomentum ? 2 : 1) : nullptr;  // grad_avg
  detail::for_each_element(a.n, [=](std::int64_t i) {
    T g = sign * gr[i];
    if (has_wd) g = g + wd * p[i];
    sq[i] = sq[i] * alpha + one_minus_alpha * g * g;
    T avg;
    if constexpr (kCentered) {
      gavg[i] = gavg[i] * alpha + one_minus_alpha * g;
      avg = std::sqrt(sq[i] + T(-1) * gavg[i] * gavg[i]);
    } else {
      avg = std::sqrt(sq[i]);
    }
    avg = avg + eps;
    if constexpr (kMomentum) {
      buf[i] = buf[i] * momentum + g / avg;
      p[i] = p[i] + neg_lr * buf[i];
    } else {
      p[i] = p[i] + neg_lr * g / avg;
    }
  });
}

}  // namespace

template <class T> void RMSprop::kernel(const UpdateArgs<T>& a, const RMSpropOptions& o) {
  const bool centered = o.centered(), momentum = o.momentum() > 0;
  if (centered && momentum) rmsprop_kernel<T, true, true>(a, o);
  else if (centered) rmsprop_kernel<T, true, false>(a, o);
  else if (momentum) rmsprop_kernel<T, false, true>(a, o);
  else rmsprop_kernel<T, false, false>(a, o);
}
template void RMSprop::kernel<float>(const UpdateArgs<float>&, const RMSpropOptions&);
template void RMSprop::kernel<double>(const UpdateArgs<double>&, const RMSpropOptions&);

}  // namespace tapegrad::optim
