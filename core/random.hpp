// Random numbers. Each thread draws from its own generator, so two threads never perturb each
// other's streams; manual_seed(s) reseeds the calling thread and is the seed later threads start from.
#pragma once

#include <cstdint>
#include <random>
#include <string>

#include "tensor.hpp"

namespace tapegrad {

void manual_seed(std::uint64_t seed);
std::mt19937_64& generator();  // the calling thread's generator

double uniform_double(double low, double high);  // one draw in [low, high)

Tensor rand(const Shape& shape, TensorOptions options = {});                // U[0, 1)
Tensor randn(const Shape& shape, TensorOptions options = {});               // N(0, 1)
Tensor randint(std::int64_t low, std::int64_t high, const Shape& shape, TensorOptions options = kInt64);  // [low, high)
Tensor uniform(const Shape& shape, double low, double high, TensorOptions options = {});
// A random permutation of 0..n-1 (int64).
Tensor randperm(std::int64_t n);

}  // namespace tapegrad

namespace tapegrad {
// The calling thread's generator state as text (std::mt19937_64's stream format), and back: a
// training checkpoint stores it so a resumed run draws the same numbers. set_rng_state throws
// std::invalid_argument on text that is not such a state (the generator is then unchanged).
std::string get_rng_state();
void set_rng_state(const std::string& state);
// Any such engine's state in the same text form, and back (a DataLoader's shuffle engine is saved so):
// engine_from_text throws std::invalid_argument starting with `what` on text that is not a state.
std::string engine_text(const std::mt19937_64& engine);
std::mt19937_64 engine_from_text(const std::string& text, const std::string& what);
}  // namespace tapegrad
