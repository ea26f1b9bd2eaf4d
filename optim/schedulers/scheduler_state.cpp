#include "scheduler_state.hpp"

#include <charconv>
#include <stdexcept>

namespace tapegrad::optim {

void put_doubles(StateDict& d, const std::string& key, const std::vector<double>& values) {
  std::string text;
  for (std::size_t i = 0; i < values.size(); ++i) text += (i ? " " : "") + number_text(values[i]);
  d.values[key] = text;
}

const std::string& get_text(const StateDict& d, const std::string& key) {
  auto it = d.values.find(key);
  if (it == d.values.end()) throw std::runtime_error("scheduler state_dict: missing key \"" + key + "\"");
  return it->second;
}

namespace {
double parse(const std::string& text, const std::string& key) {
  double v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size())
    throw std::runtime_error("scheduler state_dict: \"" + key + "\" is not a number: " + text);
  return v;
}
}  // namespace

std::vector<double> get_doubles(const StateDict& d, const std::string& key) {
  const std::string& text = get_text(d, key);
  std::vector<double> out;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t end = std::min(text.find(' ', pos), text.size());
    out.push_back(parse(text.substr(pos, end - pos), key));
    pos = end + 1;
  }
  return out;
}

double get_double(const StateDict& d, const std::string& key) { return parse(get_text(d, key), key); }

std::int64_t get_int(const StateDict& d, const std::string& key) {
  const std::string& text = get_text(d, key);
  std::int64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size())
    throw std::runtime_error("scheduler state_dict: \"" + key + "\" is not an integer: " + text);
  return v;
}

StateDict sub_dict(const StateDict& d, const std::string& prefix) {
  StateDict out;
  const std::string p = prefix + ".";
  for (const auto& [k, v] : d.values)
    if (k.compare(0, p.size(), p) == 0) out.values[k.substr(p.size())] = v;
  return out;
}

void put_sub_dict(StateDict& d, const std::string& prefix, const StateDict& sub) {
  for (const auto& [k, v] : sub.values) d.values[prefix + "." + k] = v;
}

}  // namespace tapegrad::optim
