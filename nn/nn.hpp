// tapegrad::nn: modules, losses and their functional forms (nn::functional, alias nn::F).
#pragma once

#include "functional.hpp"
#include "module.hpp"
#include "modules/activation.hpp"
#include "modules/activations.hpp"
#include "modules/container.hpp"
#include "modules/layers.hpp"
#include "modules/linear.hpp"
#include "modules/loss.hpp"
#include "modules/losses.hpp"
#include "modules/module_list.hpp"
#include "options/activation.hpp"
#include "options/layers.hpp"
#include "options/linear.hpp"
#include "options/loss.hpp"
#include "options/losses.hpp"
#include "reduction.hpp"
