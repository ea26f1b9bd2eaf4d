#include "container.hpp"

#include <stdexcept>

namespace tapegrad::nn {

Tensor Sequential::forward(const Tensor& input) const {
  Tensor x = input;
  for (const auto& step : steps_) x = step.forward(*step.module, x);
  return x;
}

std::shared_ptr<Module> Sequential::clone() const {
  auto copy = std::make_shared<Sequential>();
  clone_state_into(*copy);  // appends a clone of each child, in order
  const auto children = copy->children();
  for (std::size_t i = 0; i < steps_.size(); ++i) copy->steps_.push_back({children[i].get(), steps_[i].forward});
  return copy;
}

Module& Sequential::operator[](std::size_t index) const {
  const auto children = named_children();
  if (index >= children.size())
    throw std::out_of_range("Sequential: index " + std::to_string(index) + " is out of range for a Sequential of " +
                            std::to_string(children.size()) + " modules");
  return *children[index].second;
}

}  // namespace tapegrad::nn
