// The one shuffle of the datasets layer (DataLoader, DistributedSampler): Fisher-Yates over a
// modulo-bias-free uniform draw, so an order depends only on the seed, on every platform (unlike
// std::shuffle and std::uniform_int_distribution, whose algorithms are left to the library).
#pragma once

#include <cstdint>
#include <random>
#include <utility>
#include <vector>

namespace tapegrad::datasets::detail {

inline std::uint64_t uniform_below(std::mt19937_64& engine, std::uint64_t n) {
  const std::uint64_t reject_below = (0 - n) % n;  // 2^64 mod n
  for (;;) {
    const std::uint64_t x = engine();
    if (x >= reject_below) return x % n;
  }
}

inline void shuffle_in_place(std::vector<std::int64_t>& order, std::mt19937_64& engine) {
  for (std::size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[uniform_below(engine, i)]);
}

}  // namespace tapegrad::datasets::detail
