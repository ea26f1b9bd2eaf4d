// StateDict: the state of a stateful object other than a Module (an optimizer, a scheduler, a
// DataLoader or its sampler) as named tensors plus text values (numbers in their shortest exact form),
// the form a training checkpoint stores. It lives in core/ because optim/ and datasets/ both use it.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "tensor.hpp"

namespace tapegrad {

struct StateDict {
  std::vector<std::pair<std::string, Tensor>> tensors;
  std::map<std::string, std::string> values;
};

}  // namespace tapegrad
