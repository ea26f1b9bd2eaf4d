// The binding of modules to safetensors files (the format itself is core/io/safetensors.hpp): which
// tensors a module saves, and the checks that a file fits a module before any parameter is written.
#include "checkpoint.hpp"

#include <algorithm>
#include <cstdio>
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

// A dtype tapegrad has (any: the load converts it, as copy_), the parameter's shape, then the offsets
// as the format wants them.
void check_entry(const SafetensorsReader& reader, const SafetensorsEntry& e, const Tensor& param) {
  const std::string where = "tensor '" + io::shown(e.name) + "'";
  reader.dtype(e);  // refuses a dtype tapegrad does not have
  const std::vector<std::uint64_t> expected(param.shape().begin(), param.shape().end());
  if (e.shape != expected)
    throw reader.error(where + " has shape " + io::shape_text(e.shape) + " but the module's parameter has shape " +
                       shape_str(param.shape()));
  reader.check_span(e);
}

// The file's values in the parameter's dtype, converted as copy_ (and load_state_dict) convert: a
// float32 checkpoint loads into a float64 model. A floating value an int64 tensor cannot hold (NaN,
// an infinity, beyond 2^63) is refused: its cast would be undefined.
Tensor in_dtype_of(const SafetensorsReader& reader, const std::string& name, const Tensor& values, const Tensor& param) {
  if (values.dtype() == param.dtype()) return values;
  if (values.is_floating_point() && !param.is_floating_point()) {
    const Tensor exact = values.to(kFloat64);
    const double* v = exact.data<double>();
    for (std::int64_t i = 0, n = exact.numel(); i < n; ++i) {
      try {
        Scalar(v[i]).to<std::int64_t>();
      } catch (const std::invalid_argument&) {
        char text[32];
        std::snprintf(text, sizeof text, "%g", v[i]);
        throw reader.error("tensor '" + io::shown(name) + "' holds " + text + ", which the module's " +
                           dtype_name(param.dtype()) + " tensor cannot hold");
      }
    }
  }
  return values.to(param.dtype());
}

void load_from(SafetensorsReader& reader, nn::Module& module) {
  std::map<std::string, Tensor> params;
  for (auto& [name, t] : checkpoint_tensors(module)) params.emplace(name, t);
  check_names(reader, params);
  for (const auto& e : reader.entries()) check_entry(reader, e, params.at(e.name));

  // Read and convert everything before touching the module, so an error leaves it as it was.
  NoGradGuard no_grad;  // a load replaces values; it is no differentiable op
  io::NamedTensors loaded = reader.read_tensors();
  for (auto& [name, values] : loaded) values = in_dtype_of(reader, name, values, params.at(name));
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
