// The binding of modules to safetensors files (the format itself is core/io/safetensors.hpp): which
// tensors a module saves, and the checks that a file fits a module before any parameter is written.
#include "checkpoint.hpp"

#include <algorithm>
#include <map>
#include <stdexcept>
#include <utility>
#include <vector>

#include "../core/autograd.hpp"
#include "../core/io/safetensors.hpp"

namespace tapegrad {
namespace {

using io::SafetensorsEntry;
using io::SafetensorsReader;

// The tensors a checkpoint holds: the module's state_dict (parameters and buffers, under PyTorch's
// names), the defined ones (an undefined slot, like a disabled bias, is left out, as PyTorch's
// state_dict leaves out None).
io::NamedTensors checkpoint_tensors(const nn::Module& module) {
  io::NamedTensors out;
  for (auto& [name, t] : module.state_dict())
    if (t.defined()) out.emplace_back(name, t);
  return out;
}

// Every module name is in the file and every file name is in the module.
void check_names(const SafetensorsReader& reader, const std::map<std::string, Tensor>& params) {
  std::vector<std::string> missing, unexpected;
  std::map<std::string, int> in_file;
  for (const auto& e : reader.entries()) in_file[e.name] = 1;
  for (const auto& [name, t] : params)
    if (!in_file.count(name)) missing.push_back(name);
  for (const auto& e : reader.entries())
    if (!params.count(e.name)) unexpected.push_back(e.name);
  if (missing.empty() && unexpected.empty()) return;
  // A file may hold millions of names: the message lists the first few.
  auto join = [](const std::vector<std::string>& names) {
    constexpr std::size_t kListed = 8;
    std::string s;
    for (std::size_t i = 0; i < std::min(names.size(), kListed); ++i) s += (i ? ", '" : "'") + io::shown(names[i]) + "'";
    if (names.size() > kListed) s += " and " + std::to_string(names.size() - kListed) + " more";
    return s;
  };
  std::string problem = "names do not match the module:";
  if (!missing.empty()) problem += " missing " + join(missing) + ";";
  if (!unexpected.empty()) problem += " unexpected " + join(unexpected) + ";";
  problem.pop_back();
  throw reader.error(problem);
}

// dtype and shape as the parameter's, then the offsets as the format wants them.
void check_entry(const SafetensorsReader& reader, const SafetensorsEntry& e, const Tensor& param) {
  const std::string where = "tensor '" + io::shown(e.name) + "'";
  if (reader.dtype(e) != param.dtype())
    throw reader.error(where + " has dtype " + e.dtype + " but the module's parameter is " + dtype_name(param.dtype()) +
                       " (" + io::safetensors_dtype(param.dtype()) + ")");
  const std::vector<std::uint64_t> expected(param.shape().begin(), param.shape().end());
  if (e.shape != expected)
    throw reader.error(where + " has shape " + io::shape_text(e.shape) + " but the module's parameter has shape " +
                       shape_str(param.shape()));
  reader.check_span(e);
}

void load_from(SafetensorsReader& reader, nn::Module& module) {
  std::map<std::string, Tensor> params;
  for (auto& [name, t] : checkpoint_tensors(module)) params.emplace(name, t);
  check_names(reader, params);
  for (const auto& e : reader.entries()) check_entry(reader, e, params.at(e.name));

  // Read everything before touching the module, so a read error leaves it as it was.
  const io::NamedTensors loaded = reader.read_tensors();
  NoGradGuard no_grad;  // a load replaces values; it is no differentiable op
  for (const auto& [name, values] : loaded) params.at(name).copy_(values);  // bumps each parameter's version
}

}  // namespace

void save(const nn::Module& module, const std::string& path) {
  const io::NamedTensors tensors = checkpoint_tensors(module);
  for (const auto& [name, t] : tensors)
    if (name == io::kSafetensorsMetadataKey)
      throw io::checkpoint_error(path, std::string("a parameter may not be named ") + io::kSafetensorsMetadataKey);
  // "pt": the tensors are laid out as PyTorch's state_dict (Linear weight is (out, in)).
  io::write_safetensors(path, tensors, {{"format", "pt"}});
}

void load(nn::Module& module, const std::string& path) {
  SafetensorsReader reader(path);
  load_from(reader, module);
}

void load_from_memory(nn::Module& module, std::span<const std::uint8_t> bytes, const std::string& name) {
  SafetensorsReader reader(bytes, name);
  load_from(reader, module);
}

}  // namespace tapegrad
