#include "state_reader.hpp"

#include <charconv>
#include <stdexcept>
#include <utility>

namespace tapegrad::datasets::detail {

StateReader::StateReader(const StateDict& dict, std::string owner) : dict_(dict), owner_(std::move(owner)) {}

void StateReader::fail(const std::string& message) const {
  throw std::runtime_error(owner_ + " state_dict: " + message);
}

const std::string& StateReader::text(const std::string& key) {
  const auto it = dict_.values.find(key);
  if (it == dict_.values.end()) fail("missing key \"" + key + "\"");
  read_.insert(key);
  return it->second;
}

std::int64_t StateReader::integer(const std::string& key) {
  const std::string& t = text(key);
  std::int64_t v = 0;
  const auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
  if (ec != std::errc() || end != t.data() + t.size()) fail("\"" + key + "\" is not an integer: " + t);
  return v;
}

void StateReader::expect(const std::string& key, const std::string& actual) {
  const std::string& saved = text(key);
  if (saved != actual)
    fail("saved with " + key + " " + saved + ", but this " + owner_ + " has " + key + " " + actual);
}

StateDict StateReader::sub_dict(const std::string& prefix) {
  StateDict sub;
  const std::string p = prefix + ".";
  for (const auto& [key, value] : dict_.values)
    if (key.compare(0, p.size(), p) == 0) {
      sub.values[key.substr(p.size())] = value;
      read_.insert(key);
    }
  return sub;
}

void StateReader::check_nothing_left() const {
  for (const auto& [key, value] : dict_.values)
    if (!read_.count(key)) fail("unexpected key \"" + key + "\"");
  if (!dict_.tensors.empty()) fail("unexpected tensor \"" + dict_.tensors.front().first + "\"");
}

}  // namespace tapegrad::datasets::detail
