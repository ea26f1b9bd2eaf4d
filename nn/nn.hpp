// tapegrad::nn: modules, losses and their functional forms.
#pragma once

#include "module.hpp"
