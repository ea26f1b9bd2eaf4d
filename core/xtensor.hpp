// Direct access to a Tensor's values as xtensor expressions, and Tensors from xtensor containers.
// Header-only templates, opt-in: include <tapegrad/xtensor.hpp> where you compute with xtensor.
#pragma once

#include <vector>

#include <xtensor/xadapt.hpp>
#include <xtensor/xarray.hpp>

#include "tensor.hpp"

namespace tapegrad {

// A read/write xtensor view of t's storage (no copy). T must match t's dtype. Writing through it
// changes the tensor in place: call t.bump_version() if autograd may have saved it.
template <class T> auto values(Tensor& t) {
  std::vector<std::size_t> shape(t.shape().begin(), t.shape().end());
  return xt::adapt(t.data<T>(), static_cast<std::size_t>(t.numel()), xt::no_ownership(), shape);
}
template <class T> auto values(const Tensor& t) {
  std::vector<std::size_t> shape(t.shape().begin(), t.shape().end());
  return xt::adapt(t.data<T>(), static_cast<std::size_t>(t.numel()), xt::no_ownership(), shape);
}

// A tensor holding a copy of an xtensor expression's values (dtype from its value type).
template <class E> Tensor from_xtensor(const xt::xexpression<E>& expression, TensorOptions options) {
  using T = typename E::value_type;
  const xt::xarray<T> values = expression;  // evaluates lazy expressions
  Shape shape(values.shape().begin(), values.shape().end());
  return from_blob_copy(values.data(), dtype_of<T>, shape, options);
}
template <class E> Tensor from_xtensor(const xt::xexpression<E>& expression) {
  return from_xtensor(expression, TensorOptions(dtype_of<typename E::value_type>));
}

}  // namespace tapegrad
