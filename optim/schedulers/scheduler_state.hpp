// Reading and writing the schedulers' text state (StateDict::values), numbers in shortest exact form.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "../optimizer.hpp"

namespace tapegrad::optim {

void put_doubles(StateDict& d, const std::string& key, const std::vector<double>& values);
std::vector<double> get_doubles(const StateDict& d, const std::string& key);
const std::string& get_text(const StateDict& d, const std::string& key);
double get_double(const StateDict& d, const std::string& key);
std::int64_t get_int(const StateDict& d, const std::string& key);
// The entries of `d` under "prefix." with the prefix removed (a nested scheduler's state).
StateDict sub_dict(const StateDict& d, const std::string& prefix);
void put_sub_dict(StateDict& d, const std::string& prefix, const StateDict& sub);

}  // namespace tapegrad::optim
