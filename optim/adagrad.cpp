#include "adagrad.hpp"

#include <cmath>

#include "optim_util.hpp"

namespace tapegrad::optim {

void AdagradOptions::validate() const {
  detail::check_non_negative(lr(), "learning rate", true);
  detail::check_non_negative(lr_decay(), "lr_decay value");
  detail::check_non_negative(weight_decay(), "weight_decay value");
  detail::check_non_negative(initial_accumulator_value(), "initial_accumulator_value value");
  detail::check_non_negative(eps(), "epsilon value", true);
}

std::vector<std::pair<std::string, OptimizerOptions::Field>> AdagradOptions::fields() {
  return {{"lr", &lr()}, {"lr_decay", &lr_decay()}, {"weight_decay", &weight_decay()},
          {"initial_accumulator_value", &initial_accumulator_value()}, {"eps", &eps()}, {"maximize", &maximize()}};
}


std::vector<Tensor> Adagrad::initial_state(const Tensor& param, const OptimizerOptions& options) const {
  return {full(param.shape(), static_cast<const AdagradOptions&>(options).initial_accumulator_value(), param.dtype())};
}

template <class T> void Adagrad::kernel(const UpdateArgs<T>& a, const AdagradOptions& o) {
  const double clr = o.lr() / (1 + static_cast<double>(a.step - 1) * o.lr_decay());
  const T sign = o.maximize() ? T(-1) : T(1), wd = static_cast<T>(o.weight_decay());
  const T eps = static_cast<T>(o.eps()), neg_clr = static_cast<T>(-clr);
  const bool has_wd = o.weight_decay() != 0;
  T* __restrict p = a.param;
  const T* __restrict gr = a.grad;
  T* __restrict sum = a.slot(0);
  detail::for_each_element(a.n, [=](std::int64_t i) {
    T g = sign * gr[i];
    if (has_wd) g = g + wd * p[i];
    sum[i] = sum[i] + T(1) * g * g;
    const T std_dev = std::sqrt(sum[i]) + eps;
    p[i] = p[i] + neg_clr * g / std_dev;
  });
}
template void Adagrad::kernel<float>(const UpdateArgs<float>&, const AdagradOptions&);
template void Adagrad::kernel<double>(const UpdateArgs<double>&, const AdagradOptions&);

}  // namespace tapegrad::optim
