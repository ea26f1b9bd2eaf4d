// Every learning-rate scheduler.
#pragma once

#include "combinators.hpp"
#include "lambda_lr.hpp"
#include "lr_scheduler.hpp"
#include "one_cycle_lr.hpp"
#include "reduce_lr_on_plateau.hpp"
