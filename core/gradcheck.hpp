// Gradient checking: compares the analytic Jacobian from backward() with central differences,
// element by element, as PyTorch's torch.autograd.gradcheck does.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "arg.hpp"
#include "tensor.hpp"

namespace tapegrad {

struct GradcheckOptions {
  TAPEGRAD_ARG(double, eps) = 1e-6;
  TAPEGRAD_ARG(double, atol) = 1e-5;
  TAPEGRAD_ARG(double, rtol) = 1e-3;
  TAPEGRAD_ARG(bool, raise_exception) = true;  // throw GradcheckError on failure (PyTorch's default)
};

// The outcome, with the worst element: the one furthest beyond its tolerance.
struct GradcheckResult {
  bool passed = true;
  std::size_t input = 0;        // which input (position in `inputs`)
  std::int64_t index = 0;       // flat element index within that input
  std::int64_t output_index = 0;  // flat element index of the output
  double numeric = 0, analytic = 0;
  std::string message;          // human-readable summary
  explicit operator bool() const { return passed; }
};

struct GradcheckError : std::runtime_error {
  GradcheckResult result;
  explicit GradcheckError(GradcheckResult r) : std::runtime_error(r.message), result(std::move(r)) {}
};

using GradcheckFn = std::function<Tensor(const std::vector<Tensor>&)>;

// Checks d fn(inputs) / d inputs[i] for every input that requires grad. Inputs should be float64
// (float32 works with looser eps/tolerances). fn must be deterministic. The inputs' values are
// restored afterwards and their .grad is left untouched.
GradcheckResult gradcheck(const GradcheckFn& fn, const std::vector<Tensor>& inputs, GradcheckOptions options = {});

// Checks second derivatives, as torch.autograd.gradgradcheck: gradchecks the vector-Jacobian product
// (inputs, v) -> autograd::grad(fn(inputs), inputs, v, create_graph = true), once per input that
// requires grad, with respect to the inputs and v. v is grad_outputs (one tensor of fn's output
// shape) or, when empty, random normal values. Reports the worst element over all of them.
GradcheckResult gradgradcheck(const GradcheckFn& fn, const std::vector<Tensor>& inputs,
                              const std::vector<Tensor>& grad_outputs = {}, GradcheckOptions options = {});

}  // namespace tapegrad
