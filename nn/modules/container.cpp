#include "container.hpp"

#include <stdexcept>

namespace tapegrad::nn {

Tensor Sequential::forward(const Tensor& input) const {
  Tensor x = input;
  for (const auto& step : steps_) x = step(x);
  return x;
}

Module& Sequential::operator[](std::size_t index) const {
  const auto children = named_children();
  if (index >= children.size())
    throw std::out_of_range("Sequential: index " + std::to_string(index) + " is out of range for a Sequential of " +
                            std::to_string(children.size()) + " modules");
  return *children[index].second;
}

}  // namespace tapegrad::nn
