// Everything tapegrad offers: #include <tapegrad/tapegrad.hpp>
// (but the xtensor bridge, which is opt-in: #include <tapegrad/xtensor.hpp>)
#pragma once

#include "core/autograd.hpp"
#include "core/cpu.hpp"
#include "core/dtype.hpp"
#include "core/gradcheck.hpp"
#include "core/indexing.hpp"
#include "core/ops.hpp"
#include "core/random.hpp"
#include "core/tensor.hpp"
#include "core/threads.hpp"
#include "datasets/datasets.hpp"
#include "nn/checkpoint.hpp"
#include "nn/nn.hpp"
#include "optim/optim.hpp"
