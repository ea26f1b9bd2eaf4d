// The xtensor bridge, opt-in: #include <tapegrad/xtensor.hpp> for tg::values<T>(t) (a tensor's values
// as an xtensor expression, no copy) and tg::from_xtensor(expr). Link tapegrad::xtensor (CMake),
// which adds xtensor's usage requirements to tapegrad's. Not part of <tapegrad/tapegrad.hpp>: xtensor's
// headers (1.6 MB of preprocessed code) would slow down the compile of every user's program.
#pragma once

#include "core/xtensor.hpp"
