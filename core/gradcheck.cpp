#include "gradcheck.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "autograd.hpp"
#include "ops.hpp"
#include "random.hpp"

namespace tapegrad {

namespace {

// A copy of t with t's strides (a non-contiguous input stays non-contiguous, so the op is checked on
// the layout it was given); row-major when t's elements overlap (an expanded tensor).
Tensor same_layout_copy(const Tensor& t) {
  const Strides s = t.strides();
  bool overlapping = false;
  for (std::size_t d = 0; d < s.size(); ++d) overlapping = overlapping || (s[d] == 0 && t.shape()[d] > 1);
  Tensor copy = overlapping ? empty(t.shape(), t.dtype()) : empty_strided(t.shape(), s, t.dtype());
  NoGradGuard no_grad;
  copy.copy_(t);
  return copy;
}

// Fresh leaves with the inputs' values and layouts, so backward writes into grads we own.
std::vector<Tensor> fresh_leaves(const std::vector<Tensor>& inputs) {
  std::vector<Tensor> leaves;
  for (const auto& in : inputs) {
    Tensor leaf = in.defined() ? same_layout_copy(in) : in;
    if (in.requires_grad()) leaf.requires_grad_(true);
    leaves.push_back(leaf);
  }
  return leaves;
}

// "[1, 0]": the position of flat element `flat` in a row-major `shape`.
std::string index_str(std::int64_t flat, const Shape& shape) {
  Shape index(shape.size());
  for (std::size_t d = shape.size(); d-- > 0;) {
    index[d] = shape[d] ? flat % shape[d] : 0;
    flat = shape[d] ? flat / shape[d] : 0;
  }
  return shape_str(index);
}

// Where row-major element i of t lives, through t's strides.
std::int64_t offset_of(const Tensor& t, std::int64_t i) {
  std::int64_t offset = 0;
  const Strides s = t.strides();
  for (std::size_t d = s.size(); d-- > 0;) {
    offset += (i % t.shape()[d]) * s[d];
    i /= t.shape()[d];
  }
  return offset;
}
double get(const Tensor& t, std::int64_t i) {
  const std::int64_t at = offset_of(t, i);
  return dispatch_floating(t.dtype(), "gradcheck", [&](auto tag) { return static_cast<double>(t.data_ptr<decltype(tag)>()[at]); });
}
void set(Tensor& t, std::int64_t i, double v) {
  const std::int64_t at = offset_of(t, i);
  dispatch_floating(t.dtype(), "gradcheck", [&](auto tag) { t.data_ptr<decltype(tag)>()[at] = static_cast<decltype(tag)>(v); });
}

// A row-major float64 copy of fn's output: a view op's output shares the input's storage, which the
// next perturbation would change under it.
Tensor evaluate(const GradcheckFn& fn, const std::vector<Tensor>& inputs) {
  NoGradGuard no_grad;
  const Tensor out = fn(inputs);
  Tensor copy = empty(out.shape(), kFloat64);
  copy.copy_(out);
  return copy;
}

}  // namespace

GradcheckResult gradcheck(const GradcheckFn& fn, const std::vector<Tensor>& inputs, GradcheckOptions options) {
  GradcheckResult worst;
  double worst_excess = 0;  // |analytic - numeric| - tolerance of the worst element so far
  bool any = false;

  if (std::none_of(inputs.begin(), inputs.end(), [](const Tensor& t) { return t.defined() && t.requires_grad(); }))
    throw std::invalid_argument(
        "gradcheck expects at least one input tensor to require gradient, but none of them have requires_grad_(true)");
  // Analytic Jacobian, one row per output element (one-hot upstream gradient each).
  const std::vector<Tensor> probe = fresh_leaves(inputs);
  const Tensor out0 = fn(probe);
  const std::int64_t n_out = out0.numel();
  for (const auto& in : inputs) {
    if (!in.requires_grad()) continue;  // others (int64 indices) pass through
    check_floating(in.dtype(), "gradcheck");
    // Central differences at eps 1e-6 are mostly rounding noise in float32 (and in any float narrower
    // than float64): refuse rather than fail correct ops at random (PyTorch warns).
    if (in.dtype() != kFloat64 && options.eps() < 1e-4)
      throw std::invalid_argument(
          std::string("gradcheck: a ") + dtype_name(in.dtype()) + " input cannot be checked at eps " + std::to_string(options.eps()) +
          "; use float64 inputs (x.to(kFloat64)), or eps ~1e-2 with rtol 1e-2 and atol 1e-3");
  }
  std::vector<std::vector<std::vector<double>>> analytic(inputs.size());  // [input][out][elem]
  for (std::size_t i = 0; i < inputs.size(); ++i)
    if (inputs[i].requires_grad())
      analytic[i].assign(static_cast<std::size_t>(n_out), std::vector<double>(static_cast<std::size_t>(inputs[i].numel()), 0.0));
  for (std::int64_t o = 0; o < n_out; ++o) {
    std::vector<Tensor> leaves = fresh_leaves(inputs);
    const Tensor out = fn(leaves);
    if (!out.requires_grad()) break;  // nothing depends on the inputs: the analytic Jacobian is zero
    Tensor onehot = zeros(out.shape(), out.dtype());
    set(onehot, o, 1.0);
    out.backward(onehot);
    for (std::size_t i = 0; i < inputs.size(); ++i) {
      const Tensor g = leaves[i].requires_grad() ? leaves[i].grad() : Tensor();
      if (!g.defined()) continue;
      for (std::int64_t e = 0; e < g.numel(); ++e) analytic[i][static_cast<std::size_t>(o)][static_cast<std::size_t>(e)] = get(g, e);
    }
  }

  // Numeric Jacobian, perturbing one element at a time.
  std::vector<Tensor> work = fresh_leaves(inputs);
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    if (!inputs[i].requires_grad()) continue;
    Tensor& x = work[i];
    for (std::int64_t e = 0; e < x.numel(); ++e) {
      const double original = get(x, e);
      set(x, e, original + options.eps());
      const Tensor plus = evaluate(fn, work);
      set(x, e, original - options.eps());
      const Tensor minus = evaluate(fn, work);
      set(x, e, original);
      for (std::int64_t o = 0; o < n_out; ++o) {
        const double numeric = (plus.data<double>()[o] - minus.data<double>()[o]) / (2 * options.eps());
        const double a = analytic[i][static_cast<std::size_t>(o)][static_cast<std::size_t>(e)];
        const double excess = std::abs(a - numeric) - (options.atol() + options.rtol() * std::abs(numeric));
        const bool bad = excess > 0 || std::isnan(a) != std::isnan(numeric);
        if (bad && (!any || excess > worst_excess || std::isnan(excess))) {
          any = true;
          worst_excess = excess;
          worst = GradcheckResult{false, i, e, o, numeric, a, ""};
        }
      }
    }
  }
  if (!any) return GradcheckResult{true, 0, 0, 0, 0, 0, "gradcheck passed"};
  std::ostringstream msg;
  msg.precision(10);
  msg << "Jacobian mismatch for output " << worst.output_index << " with respect to input " << worst.input
      << ", element " << worst.index << " " << index_str(worst.index, inputs[worst.input].shape()) << ": numerical " << worst.numeric << " vs analytical " << worst.analytic
      << " (eps " << options.eps() << ", atol " << options.atol() << ", rtol " << options.rtol() << ")";
  worst.message = msg.str();
  if (options.raise_exception()) throw GradcheckError(worst);
  return worst;
}

GradcheckResult gradgradcheck(const GradcheckFn& fn, const std::vector<Tensor>& inputs,
                              const std::vector<Tensor>& grad_outputs, GradcheckOptions options) {
  if (grad_outputs.size() > 1)
    throw std::invalid_argument("gradgradcheck: fn has one output, so grad_outputs holds at most one tensor");
  std::vector<std::size_t> differentiable;
  for (std::size_t i = 0; i < inputs.size(); ++i)
    if (inputs[i].requires_grad()) differentiable.push_back(i);
  const std::size_t n = inputs.size();
  Tensor v = grad_outputs.empty() ? Tensor() : grad_outputs[0];
  if (!v.defined()) {
    const Tensor out = fn(fresh_leaves(inputs));
    v = randn(out.shape(), out.dtype());
  }
  std::vector<Tensor> with_v = inputs;
  with_v.push_back(same_layout_copy(v.detach()).requires_grad_(true));

  GradcheckResult worst{true, 0, 0, 0, 0, 0, "gradgradcheck passed"};
  double worst_excess = 0;
  for (std::size_t k = 0; k < differentiable.size(); ++k) {
    // The gradient with respect to input differentiable[k], as a function of the inputs and v.
    const GradcheckFn vjp = [&fn, &differentiable, n, k](const std::vector<Tensor>& x) {
      ModeGuard<GradMode, true> grad_mode;  // gradcheck's numeric pass runs fn without grad
      std::vector<Tensor> in(x.begin(), x.begin() + static_cast<std::ptrdiff_t>(n)), wrt;
      for (std::size_t i : differentiable) wrt.push_back(in[i]);
      const Tensor out = fn(in);
      if (!out.requires_grad()) return zeros_like(in[differentiable[k]]);
      Tensor g = autograd::grad({out}, wrt, {x[n]}, true, true, true)[k];
      return g.defined() ? g : zeros_like(in[differentiable[k]]);
    };
    GradcheckResult r = gradcheck(vjp, with_v, GradcheckOptions(options).raise_exception(false));
    if (r.passed) continue;
    const double excess = std::abs(r.analytic - r.numeric) - (options.atol() + options.rtol() * std::abs(r.numeric));
    if (!worst.passed && !(excess > worst_excess)) continue;
    worst_excess = excess;
    std::ostringstream msg;
    msg.precision(10);
    msg << "gradgradcheck: second derivative mismatch: d(grad of input " << differentiable[k] << ", element "
        << r.output_index << ") / d(" << (r.input == n ? std::string("grad_output") : "input " + std::to_string(r.input))
        << ", element " << r.index << "): numerical " << r.numeric << " vs analytical " << r.analytic << " (eps "
        << options.eps() << ", atol " << options.atol() << ", rtol " << options.rtol() << ")";
    worst = r;
    worst.message = msg.str();
  }
  if (!worst.passed && options.raise_exception()) throw GradcheckError(worst);
  return worst;
}

}  // namespace tapegrad
