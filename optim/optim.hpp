// tapegrad::optim: optimizers.
#pragma once
