// tapegrad::nn: modules, losses and their functional forms (nn::functional, alias nn::F).
#pragma once

#include "functional.hpp"
#include "init/init.hpp"
#include "module.hpp"
#include "modules/activation.hpp"
#include "modules/container.hpp"
#include "modules/linear.hpp"
#include "modules/loss.hpp"
#include "options/linear.hpp"
#include "options/loss.hpp"
#include "reduction.hpp"
#include "utils/clip_grad.hpp"
#include "modules/conv.hpp"
#include "modules/normalization.hpp"
#include "options/conv.hpp"
#include "options/normalization.hpp"
