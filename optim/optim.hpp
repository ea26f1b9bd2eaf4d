// tapegrad::optim: optimizers.
#pragma once

#include "optimizer.hpp"
#include "sgd.hpp"
