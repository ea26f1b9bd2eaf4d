// Reading the state_dict of a DataLoader or a sampler: every error is a std::runtime_error that names
// the owner and the key ("DataLoader state_dict: saved with batch_size 64, but this DataLoader has
// batch_size 32"), and keys nobody read are refused, as the optimizers' loads do.
#pragma once

#include <cstdint>
#include <set>
#include <string>

#include "../core/state_dict.hpp"

namespace tapegrad::datasets::detail {

class StateReader {
 public:
  StateReader(const StateDict& dict, std::string owner);
  const std::string& text(const std::string& key);
  std::int64_t integer(const std::string& key);
  // Configuration the state must have been saved with: the saved text must equal `actual`.
  void expect(const std::string& key, const std::string& actual);
  // The entries under "prefix." with the prefix removed (a sampler's state inside its loader's).
  StateDict sub_dict(const std::string& prefix);
  // Refuses a key that no call above read, and the tensors (none of these states has any).
  void check_nothing_left() const;
  [[noreturn]] void fail(const std::string& message) const;

 private:
  const StateDict& dict_;
  std::string owner_;
  std::set<std::string> read_;
};

inline std::string bool_text(bool b) { return b ? "true" : "false"; }

}  // namespace tapegrad::datasets::detail
