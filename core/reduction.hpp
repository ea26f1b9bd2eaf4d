// How a loss turns per-element losses into its result, as libtorch's torch::kNone/kMean/kSum.
#pragma once

namespace tapegrad {

enum class Reduction { kNone, kMean, kSum };
inline constexpr Reduction kNone = Reduction::kNone;  // keep one loss per element (or per target)
inline constexpr Reduction kMean = Reduction::kMean;  // sum divided by the loss's normaliser
inline constexpr Reduction kSum = Reduction::kSum;

const char* reduction_name(Reduction reduction);  // "none", "mean", "sum"

namespace nn {
using tapegrad::Reduction;
using tapegrad::kMean;
using tapegrad::kNone;
using tapegrad::kSum;
}  // namespace nn

}  // namespace tapegrad
