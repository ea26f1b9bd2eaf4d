// tapegrad::optim: optimizers and learning-rate schedulers.
#pragma once

#include "adadelta.hpp"
#include "adagrad.hpp"
#include "adam.hpp"
#include "optimizer.hpp"
#include "rmsprop.hpp"
#include "schedulers/schedulers.hpp"
#include "sgd.hpp"
#include "torch_state.hpp"
#include "training_checkpoint.hpp"
