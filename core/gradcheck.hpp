// Gradient checking: compares the analytic Jacobian from backward() with central differences,
// element by element, as PyTorch's torch.autograd.gradcheck does.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "tensor.hpp"

namespace tapegrad {

struct GradcheckOptions {
  double eps_ = 1e-6;
  double atol_ = 1e-5;
  double rtol_ = 1e-3;
  bool raise_exception_ = true;  // throw GradcheckError on failure (PyTorch's default)
  GradcheckOptions& eps(double v) { eps_ = v; return *this; }
  GradcheckOptions& atol(double v) { atol_ = v; return *this; }
  GradcheckOptions& rtol(double v) { rtol_ = v; return *this; }
  GradcheckOptions& raise_exception(bool v) { raise_exception_ = v; return *this; }
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

}  // namespace tapegrad
