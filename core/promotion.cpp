// Type promotion, PyTorch's rules (c10/core/ScalarType.h promoteTypes, ATen's ResultTypeState) for
// tapegrad's three dtypes: the one place every element-wise op and comparison asks which dtype to
// compute in (core/ops/common.hpp: detail::promote).
#include <optional>
#include <stdexcept>
#include <string>

#include "tensor.hpp"

namespace tapegrad {

// Written for the three dtypes of the table: a new one needs its own place in PyTorch's lattice
// (bfloat16 with float32 gives float32, float16 with bfloat16 gives float32), which these lines do not know.
static_assert(kDtypeCount == 3, "promote_types: place the new dtype in PyTorch's promotion lattice");
Dtype promote_types(Dtype a, Dtype b) {
  if (a == b) return a;
  if (!is_floating_point(a)) return b;  // int64 with a float: the float
  if (!is_floating_point(b)) return a;
  return kFloat64;  // float32 with float64
}

bool can_cast(Dtype from, Dtype to) { return !(is_floating_point(from) && !is_floating_point(to)); }

namespace {

// The dtypes of the operands of one rank (dimensioned tensors, 0-d tensors, scalars), promoted.
using Rank = std::optional<Dtype>;
void add_to(Rank& rank, Dtype d) { rank = rank ? promote_types(*rank, d) : d; }

// ATen's combine_categories: the higher rank decides unless the lower one is of a higher category
// (floating over integer), which then takes part in the promotion.
Rank combine(Rank higher, Rank lower) {
  if (!higher) return lower;
  if (!lower || is_floating_point(*higher)) return higher;
  return is_floating_point(*lower) ? promote_types(*higher, *lower) : *higher;
}

struct Ranks {
  Rank dimensioned, zero_dim, scalars;
  void add(const Tensor& t) { add_to(t.dim() > 0 ? dimensioned : zero_dim, t.dtype()); }
  // A scalar counts as int64 or as the default dtype, float32 (a Python number in PyTorch).
  void add(const Scalar& s) { add_to(scalars, s.is_integral() ? kInt64 : kFloat32); }
  Dtype result() const { return *combine(dimensioned, combine(zero_dim, scalars)); }
};

template <class Operand> Dtype result_of(const Tensor& a, const Operand& b) {
  Ranks r;
  r.add(a);
  r.add(b);
  return r.result();
}

}  // namespace

Dtype result_type(const Tensor& a, const Tensor& b) { return result_of(a, b); }
Dtype result_type(const Tensor& a, const Scalar& b) { return result_of(a, b); }

void check_can_cast(const char* op, Dtype result, Dtype self) {
  if (can_cast(result, self)) return;
  throw std::invalid_argument(std::string(op) + ": result type " + torch_scalar_type_name(result) +
                              " can't be cast to the desired output type " + torch_scalar_type_name(self));
}

}  // namespace tapegrad
