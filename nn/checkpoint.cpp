// The binding of modules to checkpoint files (the formats themselves are core/io/safetensors.hpp and
// core/io/pt.hpp): which tensors a module saves, which format a file is in, and the checks that a
// file fits a module before any parameter is written.
#include "checkpoint.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <functional>
#include <map>
#include <stdexcept>
#include <utility>
#include <vector>

#include "../core/autograd.hpp"
#include "../core/io/pt.hpp"
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

using ErrorFn = std::function<std::runtime_error(const std::string&)>;

// Every module name is in the file and every file name is in the module.
void check_names(const std::vector<std::string>& file_names, const std::map<std::string, Tensor>& params,
                 const ErrorFn& error) {
  std::vector<std::string> missing, unexpected;
  std::map<std::string, int> in_file;
  for (const auto& name : file_names) in_file[name] = 1;
  for (const auto& [name, t] : params)
    if (!in_file.count(name)) missing.push_back(name);
  for (const auto& name : file_names)
    if (!params.count(name)) unexpected.push_back(name);
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
  throw error(problem);
}

std::map<std::string, Tensor> module_tensors(const nn::Module& module) {
  std::map<std::string, Tensor> params;
  for (auto& [name, t] : checkpoint_tensors(module)) params.emplace(name, t);
  return params;
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
template <class Error>
Tensor in_dtype_of(const Error& error, const std::string& name, const Tensor& values, const Tensor& param) {
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
        throw error("tensor '" + io::shown(name) + "' holds " + text + ", which the module's " +
                    dtype_name(param.dtype()) + " tensor cannot hold");
      }
    }
  }
  return values.to(param.dtype());
}

void load_from(SafetensorsReader& reader, nn::Module& module) {
  std::map<std::string, Tensor> params = module_tensors(module);
  std::vector<std::string> names;
  for (const auto& e : reader.entries()) names.push_back(e.name);
  check_names(names, params, [&](const std::string& problem) { return reader.error(problem); });
  for (const auto& e : reader.entries()) check_entry(reader, e, params.at(e.name));

  // Read and convert everything before touching the module, so an error leaves it as it was.
  NoGradGuard no_grad;  // a load replaces values; it is no differentiable op
  io::NamedTensors loaded = reader.read_tensors();
  const auto error = [&](const std::string& problem) { return reader.error(problem); };
  for (auto& [name, values] : loaded) values = in_dtype_of(error, name, values, params.at(name));
  for (const auto& [name, values] : loaded) params.at(name).copy_(values);  // bumps each parameter's version
}

// A .pt state_dict, read whole, then checked against the module, then copied in.
void load_pt(const io::PtValue& root, nn::Module& module, const std::string& name) {
  io::NamedTensors loaded = io::pt_state_dict(root, name);
  std::map<std::string, Tensor> params = module_tensors(module);
  std::vector<std::string> names;
  for (const auto& [key, t] : loaded) names.push_back(key);
  check_names(names, params, [&](const std::string& problem) { return io::checkpoint_error(name, problem); });
  const auto error = [&](const std::string& problem) { return io::checkpoint_error(name, problem); };
  for (auto& [key, t] : loaded) {
    const Tensor& param = params.at(key);
    if (t.shape() != param.shape())
      throw io::checkpoint_error(name, "tensor '" + io::shown(key) + "' has shape " + shape_str(t.shape()) +
                                           " but the module's parameter has shape " + shape_str(param.shape()));
    t = in_dtype_of(error, key, t, param);  // converted as copy_ converts, before anything is written
  }
  NoGradGuard no_grad;
  for (const auto& [key, values] : loaded) params.at(key).copy_(values);
}

bool pt_extension(const std::string& path) {
  for (const char* ext : {".pt", ".pth"}) {
    const std::size_t n = std::strlen(ext);
    if (path.size() > n && path.compare(path.size() - n, n, ext) == 0) return true;
  }
  return false;
}

}  // namespace

void save(const nn::Module& module, const std::string& path) {
  const io::NamedTensors tensors = checkpoint_tensors(module);
  if (pt_extension(path)) return io::write_pt(path, tensors);
  for (const auto& [name, t] : tensors)
    if (name == io::kSafetensorsMetadataKey)
      throw io::checkpoint_error(path, std::string("a parameter may not be named ") + io::kSafetensorsMetadataKey);
  // "pt": the tensors are laid out as PyTorch's state_dict (Linear weight is (out, in)).
  io::write_safetensors(path, tensors, {{"format", "pt"}});
}

void load(nn::Module& module, const std::string& path) {
  std::uint8_t start[8] = {};
  if (std::FILE* f = std::fopen(path.c_str(), "rb")) {
    const std::size_t got = std::fread(start, 1, sizeof start, f);
    std::fclose(f);
    if (io::looks_like_pt({start, got})) return load_pt(io::read_pt(path), module, path);
  }
  SafetensorsReader reader(path);
  load_from(reader, module);
}

void load_from_memory(nn::Module& module, std::span<const std::uint8_t> bytes, const std::string& name) {
  if (io::looks_like_pt(bytes.first(std::min<std::size_t>(bytes.size(), 8))))
    return load_pt(io::read_pt(bytes, name), module, name);
  SafetensorsReader reader(bytes, name);
  load_from(reader, module);
}

}  // namespace tapegrad
