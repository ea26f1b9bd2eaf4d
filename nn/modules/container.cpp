#include "container.hpp"

#include <algorithm>
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


void ModuleList::push_back(std::shared_ptr<Module> module) {
  if (!module) throw std::invalid_argument("ModuleList::push_back: null module");
  add_child(std::to_string(modules_.size()), module);
  modules_.push_back(std::move(module));
}

const std::shared_ptr<Module>& ModuleList::ptr(std::int64_t index) const {
  const auto n = static_cast<std::int64_t>(modules_.size());
  if (index < -n || index >= n)
    throw std::out_of_range("ModuleList: index " + std::to_string(index) + " is out of range for a ModuleList of " +
                            std::to_string(n) + " modules");
  return modules_[static_cast<std::size_t>(index < 0 ? index + n : index)];
}

std::shared_ptr<Module> ModuleList::clone() const {
  auto copy = std::make_shared<ModuleList>();
  clone_state_into(*copy);  // appends a clone of each child, in order
  copy->modules_ = copy->children();
  return copy;
}

void ModuleDict::insert(const std::string& key, std::shared_ptr<Module> module) {
  if (!module) throw std::invalid_argument("ModuleDict::insert: \"" + key + "\" is null");
  if (key.empty() || key.find('.') != std::string::npos)
    throw std::invalid_argument("ModuleDict::insert: key \"" + key + "\" must be non-empty and contain no '.'");
  add_child(key, module);  // rejects a taken key
  keys_.push_back(key);
  modules_.push_back(std::move(module));
}

bool ModuleDict::contains(const std::string& key) const { return std::find(keys_.begin(), keys_.end(), key) != keys_.end(); }

const std::shared_ptr<Module>& ModuleDict::ptr(const std::string& key) const {
  const auto it = std::find(keys_.begin(), keys_.end(), key);
  if (it == keys_.end()) throw std::out_of_range("ModuleDict: no module under the key \"" + key + "\"");
  return modules_[static_cast<std::size_t>(it - keys_.begin())];
}

std::shared_ptr<Module> ModuleDict::clone() const {
  auto copy = std::make_shared<ModuleDict>();
  clone_state_into(*copy);
  copy->keys_ = keys_;
  copy->modules_ = copy->children();
  return copy;
}

}  // namespace tapegrad::nn
