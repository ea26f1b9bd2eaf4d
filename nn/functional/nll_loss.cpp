// nll_loss: l = -w[t]·x[t] per target (0 where ignored), on log-probabilities. One tape entry.
#include "../../core/autograd.hpp"
#include "../functional.hpp"
#include "class_targets.hpp"
#include "loss_utils.hpp"

namespace tapegrad::nn::functional {

namespace {

// Calls f(i, c) for every target i that is not ignored, with c its flat offset in the (batch,
// classes, inner) input.
template <class F> void for_each_target(const detail::ClassLayout& layout, const std::int64_t* target,
                                        std::int64_t ignore_index, F f) {
  for (std::int64_t b = 0; b < layout.batch; ++b)
    for (std::int64_t k = 0; k < layout.inner; ++k) {
      const std::int64_t i = b * layout.inner + k;
      if (target[i] != ignore_index) f(i, (b * layout.classes + target[i]) * layout.inner + k);
    }
}

}  // namespace

Tensor nll_loss(const Tensor& input0, const Tensor& target0, const NLLLossFuncOptions& options) {
  // The loops read raw memory: row-major operands (a view is copied, recorded).
  const Tensor input = input0.defined() ? input0.contiguous() : input0;
  const Tensor target = target0.defined() ? target0.expect_contiguous() : target0;
  const detail::ClassLayout layout = detail::class_index_layout("nll_loss", input, target);
  const Tensor weight = options.weight().defined() ? options.weight().detach().contiguous() : Tensor();
  detail::check_class_weight("nll_loss", "", weight, input, layout.classes);
  const std::int64_t ignore = options.ignore_index();
  detail::check_target_bounds(target, layout.classes, ignore);
  const double denominator = detail::valid_target_weight(target, weight, ignore);

  Tensor losses = zeros({layout.targets()}, input.dtype());
  dispatch_floating(input.dtype(), "nll_loss", [&](auto tag) {
    using T = decltype(tag);
    const T* x = input.data<T>();
    const T* w = weight.defined() ? weight.data<T>() : nullptr;
    const std::int64_t* t = target.data<std::int64_t>();
    T* l = losses.data<T>();
    for_each_target(layout, t, ignore, [&](std::int64_t i, std::int64_t at) { l[i] = -(w ? w[t[i]] : T{1}) * x[at]; });
  });
  const Tensor out = detail::reduce_losses(losses, options.reduction(), denominator, layout.per_target_shape);

  return autograd::record(
      autograd::Op::nll_loss, {input}, out,
      [layout, shape = input.shape(), dtype = input.dtype(), st = autograd::save(target.detach()), weight, ignore,
       reduction = options.reduction(), denominator](const Tensor& g) {
        const Tensor s = detail::upstream_per_element(g, reduction, denominator, layout.targets());
        const bool create_graph = autograd::needs_grad({g});
        Tensor dx = zeros(shape, dtype);  // under create_graph: the constant -w[t] at each target's position
        dispatch_floating(dtype, "nll_loss_backward", [&](auto tag) {
          using T = decltype(tag);
          const T* w = weight.defined() ? weight.data<T>() : nullptr;
          const T* ps = s.data<T>();
          const std::int64_t* t = st.get().data<std::int64_t>();
          T* d = dx.data<T>();
          for_each_target(layout, t, ignore, [&](std::int64_t i, std::int64_t at) {
            d[at] = -(w ? w[t[i]] : T{1}) * (create_graph ? T{1} : ps[i]);
          });
        });
        if (create_graph)  // s spread over the classes, times that mask: differentiable in g
          return std::vector<Tensor>{
              mul(s.reshape({layout.batch, 1, layout.inner}), dx.reshape({layout.batch, layout.classes, layout.inner}))
                  .reshape(shape)};
        return std::vector<Tensor>{dx};
      });
}

}  // namespace tapegrad::nn::functional
