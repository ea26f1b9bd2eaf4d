// export_model: trace module by module, check the trace against the forward, write atomically.
#include "export.hpp"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <cxxabi.h>
#include <filesystem>
#include <memory>
#include <set>
#include <stdexcept>
#include <typeinfo>

#include "../core/autograd.hpp"
#include "graph.hpp"
#include "mappings.hpp"

namespace tapegrad::onnx {

namespace {

const char* kVersion = "0.1.0";

// Puts every module of the tree in eval mode and restores each one's own mode on exit.
class EvalModeGuard {
 public:
  explicit EvalModeGuard(nn::Module& root) {
    std::vector<nn::Module*> stack{&root};  // pre-order: a parent's train() must not undo a child's restore
    while (!stack.empty()) {
      nn::Module* m = stack.back();
      stack.pop_back();
      modes_.emplace_back(m, m->is_training());
      auto children = m->named_children();
      for (auto it = children.rbegin(); it != children.rend(); ++it) stack.push_back(it->second.get());
    }
    root.eval();
  }
  ~EvalModeGuard() {
    for (auto& [m, training] : modes_) m->train(training);
  }
  EvalModeGuard(const EvalModeGuard&) = delete;
  EvalModeGuard& operator=(const EvalModeGuard&) = delete;

 private:
  std::vector<std::pair<nn::Module*, bool>> modes_;
};

std::string type_name(const nn::Module& m) {
  const char* mangled = typeid(m).name();
  int status = 0;
  std::unique_ptr<char, void (*)(void*)> demangled(abi::__cxa_demangle(mangled, nullptr, nullptr, &status), std::free);
  return status == 0 && demangled ? demangled.get() : mangled;
}

// The names of the ops the forward records on `x` (with autograd on), minus those some mapping
// covers: the custom ops an error should name.
std::vector<std::string> unmapped_ops(const std::function<Tensor(const Tensor&)>& forward, const Tensor& x) {
  std::set<std::string> mapped;
  for (const Mapping& m : mappings()) mapped.insert(m.ops.begin(), m.ops.end());
  Tensor output;
  try {
    ModeGuard<GradMode, true> grad_on;
    output = forward(x.detach().clone().requires_grad_(true));
  } catch (const std::exception&) {
    return {};  // the message names the module anyway
  }
  std::vector<std::string> found;
  std::set<const autograd::Node*> seen;
  std::vector<const autograd::Node*> stack;
  if (output.defined() && output.impl()->grad_fn) stack.push_back(output.impl()->grad_fn.get());
  while (!stack.empty()) {  // iterative: graphs can be deep
    const autograd::Node* node = stack.back();
    stack.pop_back();
    if (!seen.insert(node).second) continue;
    if (!mapped.count(node->name()) && std::find(found.begin(), found.end(), node->name()) == found.end())
      found.push_back(node->name());
    for (const autograd::Edge& e : node->inputs)
      if (e.producer) stack.push_back(e.producer.get());
  }
  return found;
}

struct Traced {
  std::string name;
  Tensor value;
};

class Tracer {
 public:
  Tracer(Graph& graph, const std::function<Tensor(const Tensor&)>& forward, const Tensor& example)
      : graph_(graph), forward_(forward), example_(example) {}

  // Follows a Sequential child by child; any other module needs a mapping.
  Traced trace(nn::Module& m, const std::string& path, Traced in) {
    if (dynamic_cast<nn::Sequential*>(&m)) {
      for (const auto& [name, child] : m.named_children()) in = trace(*child, path + name + ".", std::move(in));
      return in;
    }
    const Mapping* mapping = find_mapping(m);
    if (!mapping) throw unmapped(m, path);
    Tensor out = mapping->forward(m, in.value);
    return {mapping->emit(graph_, m, path, in.name, in.value), std::move(out)};
  }

 private:
  std::invalid_argument unmapped(const nn::Module& m, const std::string& path) const {
    const std::string where = path.empty() ? "the model itself" : "child '" + path.substr(0, path.size() - 1) + "' of the model";
    std::string message = "onnx::export_model: no ONNX mapping for module " + m.repr() + " (" + type_name(m) + ", " +
                          where + "); modules with a mapping: " + kSupportedModules;
    const auto ops = unmapped_ops(forward_, example_);
    for (std::size_t i = 0; i < ops.size(); ++i)
      message += (i == 0 ? "; the forward records op(s) with no ONNX mapping: '" : "', '") + ops[i];
    if (!ops.empty()) message += "'";
    return std::invalid_argument(message);
  }

  Graph& graph_;
  const std::function<Tensor(const Tensor&)>& forward_;
  Tensor example_;
};

// Dimension 0 is the dynamic batch when the input has at least 2 dims and the output keeps it.
std::vector<proto::Dim> dims_of(const Shape& shape, bool dynamic_batch) {
  std::vector<proto::Dim> dims;
  for (std::size_t i = 0; i < shape.size(); ++i)
    dims.push_back(i == 0 && dynamic_batch ? proto::Dim{0, "batch"} : proto::Dim{shape[i], ""});
  return dims;
}

// Writes `bytes` to a temporary file next to `path`, then renames it over `path`.
void write_atomically(const std::string& path, const std::string& bytes) {
  namespace fs = std::filesystem;
  const fs::path target(path);
  const fs::path folder = target.has_parent_path() ? target.parent_path() : fs::path(".");
  std::error_code ec;
  if (!fs::is_directory(folder, ec))
    throw std::runtime_error("onnx::export_model: cannot write '" + path + "': folder '" + folder.string() +
                             "' does not exist");
  static std::atomic<unsigned> counter{0};
  const std::string temp = path + ".tmp." + std::to_string(::getpid()) + "." + std::to_string(counter++);
  std::FILE* f = std::fopen(temp.c_str(), "wb");
  if (!f) throw std::runtime_error("onnx::export_model: cannot write '" + path + "': " + std::strerror(errno));
  const bool written = std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size() && std::fflush(f) == 0 &&
                       ::fsync(::fileno(f)) == 0;
  const int saved_errno = errno;
  const bool closed = std::fclose(f) == 0;
  if (!written || !closed || std::rename(temp.c_str(), path.c_str()) != 0) {
    const std::string cause = std::strerror(written && closed ? errno : saved_errno);
    std::remove(temp.c_str());
    throw std::runtime_error("onnx::export_model: cannot write '" + path + "': " + cause);
  }
}

}  // namespace

namespace detail {

void export_model(nn::Module& module, const std::function<Tensor(const Tensor&)>& forward, const Tensor& example_input,
                  const std::string& path, int opset) {
  if (opset < kMinOpset || opset > kMaxOpset)
    throw std::invalid_argument("onnx::export_model: opset " + std::to_string(opset) + " is not supported (" +
                                std::to_string(kMinOpset) + " to " + std::to_string(kMaxOpset) + " are)");
  if (!example_input.defined()) throw std::invalid_argument("onnx::export_model: the example input is undefined");

  EvalModeGuard eval_mode(module);
  NoGradGuard no_grad;
  const Tensor example = example_input.detach();
  Graph graph(example.dtype(), opset);
  Tracer tracer(graph, forward, example);
  const Traced result = tracer.trace(module, "", {"input", example});

  // The pieces traced one by one must be the model's forward (a container whose forward does more
  // than chain its children would otherwise export silently wrong).
  const Tensor expected = forward(example);
  if (!expected.defined() || expected.shape() != result.value.shape() || expected.dtype() != result.value.dtype() ||
      std::memcmp(expected.raw_data(), result.value.raw_data(),
                  static_cast<std::size_t>(expected.numel()) * element_size(expected.dtype())) != 0)
    throw std::runtime_error("onnx::export_model: tracing " + module.repr() +
                             " child by child does not reproduce its forward; it cannot be exported");

  std::string output = result.name;
  if (output == "input") output = graph.node("Identity", "output", {output});  // an empty model
  const bool dynamic_batch = example.dim() >= 2 && result.value.dim() >= 1 && result.value.size(0) == example.size(0);
  const proto::Message g = proto::graph(
      "tapegrad", graph.nodes(), graph.initializers(),
      {proto::value_info("input", graph.elem_type(), dims_of(example.shape(), dynamic_batch))},
      {proto::value_info(output, graph.elem_type(), dims_of(result.value.shape(), dynamic_batch))});
  write_atomically(path, proto::model(g, opset, kVersion).bytes());
}

}  // namespace detail
}  // namespace tapegrad::onnx
