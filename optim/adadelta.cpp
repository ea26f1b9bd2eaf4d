#include "adadelta.hpp"

#include <cmath>

#include "optim_util.hpp"

namespace tapegrad::optim {

void AdadeltaOptions::validate() const {
  detail::check_non_negative(lr(), "learning rate", true);
  if (!(rho() >= 0 && rho() <= 1)) throw std::invalid_argument("Invalid rho value: " + float_text(rho()));
  detail::check_non_negative(eps(), "epsilon value", true);
  detail::check_non_negative(weight_decay(), "weight_decay value");
}

std::vector<std::pair<std::string, OptimizerOptions::Field>> AdadeltaOptions::fields() {
  return {{"lr", &lr()}, {"rho", &rho()}, {"eps", &eps()}, {"weight_decay", &weight_decay()}, {"maximize", &maximize()}};
}


template <class T> void Adadelta::kernel(const UpdateArgs<T>& a, const AdadeltaOptions& o) {
  const T sign = o.maximize() ? T(-1) : T(1), wd = static_cast<T>(o.weight_decay());
  const T rho = static_cast<T>(o.rho()), one_minus_rho = static_cast<T>(1 - o.rho());
  const T eps = static_cast<T>(o.eps()), neg_lr = static_cast<T>(-o.lr());
  const bool has_wd = o.weight_decay() != 0;
  T* __restrict p = a.param;
  const T* __restrict gr = a.grad;
  T* __restrict sq = a.slot(0);
  T* __restrict acc = a.slot(1);
  detail::for_each_element(a.n, [=](std::int64_t i) {
    T g = sign * gr[i];
    if (has_wd) g = g + wd * p[i];
    sq[i] = sq[i] * rho + one_minus_rho * g * g;
    const T std_dev = std::sqrt(sq[i] + eps);
    const T delta = std::sqrt(acc[i] + eps) / std_dev * g;
    acc[i] = acc[i] * rho + one_minus_rho * delta * delta;
    p[i] = p[i] + neg_lr * delta;
  });
}
template void Adadelta::kernel<float>(const UpdateArgs<float>&, const AdadeltaOptions&);
template void Adadelta::kernel<double>(const UpdateArgs<double>&, const AdadeltaOptions&);

}  // namespace tapegrad::optim
