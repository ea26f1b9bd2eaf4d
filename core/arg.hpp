// The one way to write an options struct (libtorch's TORCH_ARG idea): TAPEGRAD_ARG(T, name) declares
// a private field `name_`, a fluent setter `name(value)` returning the struct, and a getter `name()`.
// A default value follows the macro:
//
//   struct LinearOptions {
//     LinearOptions(std::int64_t in, std::int64_t out) : in_features_(in), out_features_(out) {}
//     TAPEGRAD_ARG(std::int64_t, in_features);
//     TAPEGRAD_ARG(std::int64_t, out_features);
//     TAPEGRAD_ARG(bool, bias) = true;
//   };
//
// Code reads options through the getters only, so every options struct looks the same from outside.
#pragma once

#include <utility>

#define TAPEGRAD_ARG(T, name)                                                          \
 public:                                                                               \
  auto& name(const T& new_value) { this->name##_ = new_value; return *this; }         \
  auto& name(T&& new_value) { this->name##_ = std::move(new_value); return *this; }   \
  const T& name() const noexcept { return this->name##_; }                             \
  T& name() noexcept { return this->name##_; }                                         \
                                                                                       \
 private:                                                                              \
  T name##_
