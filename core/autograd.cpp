#include "autograd.hpp"

#include <algorithm>
#include <cmath>
#include <atomic>
#include <sstream>
#include <stdexcept>
#include <unordered_set>

#include "ops.hpp"

namespace tapegrad {

namespace {
thread_local bool grad_enabled = true;
}  // namespace

bool GradMode::is_enabled() { return grad_enabled; }
void GradMode::set_enabled(bool enabled) { grad_enabled = enabled; }

namespace autograd {
namespace {

thread_local bool anomaly_enabled = false;

// The first non-finite value of a floating-point tensor ("nan", "inf", "-inf"), or nullptr.
const char* first_non_finite(const Tensor& t) {
  if (!t.defined() || !t.is_floating_point()) return nullptr;
  return dispatch_floating(t.dtype(), "anomaly check", [&](auto tag) -> const char* {
    using T = decltype(tag);
    const T* p = t.data<T>();
    for (std::int64_t i = 0, n = t.numel(); i < n; ++i) {
      if (std::isnan(p[i])) return "nan";
      if (std::isinf(p[i])) return p[i] > 0 ? "inf" : "-inf";
    }
    return nullptr;
  });
}

[[noreturn]] void raise_anomaly(const Node& node, const std::string& what, const char* value) {
  throw AnomalyError("anomaly detected: " + what + " of op '" + node.name + "' (tape entry #" +
                     std::to_string(node.sequence) + ") contains " + value);
}

// The calling thread's tape: entries in execution order, held weakly. A tensor owns the entry
// that produced it, and an entry owns the entries that produced its inputs, so an entry lives
// exactly as long as some live tensor can still reach it; dead slots are compacted away.
// Execution order across all threads: an entry is numbered after every entry it could consume,
// even one recorded on another thread (a tensor handed over is published before it is used).
std::atomic<std::uint64_t> next_sequence{0};

struct Tape {
  std::vector<std::weak_ptr<Node>> entries;
  std::size_t compact_threshold = 1024;

  void append(const std::shared_ptr<Node>& node) {
    node->sequence = next_sequence.fetch_add(1, std::memory_order_relaxed);
    entries.push_back(node);
    if (entries.size() >= compact_threshold) compact();
  }
  void compact() {
    std::erase_if(entries, [](const std::weak_ptr<Node>& w) {
      auto n = w.lock();
      return !n || n->released;
    });
    // Amortised O(1) per append: the next compaction waits until the tape doubles.
    compact_threshold = std::max<std::size_t>(1024, 2 * entries.size());
  }
};
thread_local Tape tape;

// Destroying the last tensor of a long chain would otherwise destroy entry after entry
// recursively and overflow the stack; instead entries about to die are parked here and
// destroyed one at a time by a loop.
struct Graveyard {
  std::vector<std::shared_ptr<Node>> entries;
  bool draining = false;
  ~Graveyard();
};
thread_local Graveyard graveyard;
// Trivially destructible, so still readable while the thread's other thread-locals are torn down:
// a graph held by a thread-local that outlives the graveyard is then destroyed the plain way.
thread_local bool graveyard_gone = false;
Graveyard::~Graveyard() { graveyard_gone = true; }

}  // namespace

bool AnomalyMode::is_enabled() { return anomaly_enabled; }
void AnomalyMode::set_enabled(bool enabled) { anomaly_enabled = enabled; }

Node::~Node() {
  if (graveyard_gone) return;
  for (auto& edge : inputs)
    if (edge.producer && edge.producer.use_count() == 1) graveyard.entries.push_back(std::move(edge.producer));
  backward = nullptr;
  if (graveyard.draining) return;
  graveyard.draining = true;
  while (!graveyard.entries.empty()) {
    auto last = std::move(graveyard.entries.back());
    graveyard.entries.pop_back();
    last.reset();  // may park more entries; the loop picks them up
  }
  graveyard.draining = false;
}

// A tensor with no tape entry (a leaf, or an op output not yet recorded) is kept as it is; one
// with an entry is detached, so the saved value never keeps its own entry alive (no cycles).
SavedTensor::SavedTensor(const Tensor& t)
    : value_(t.defined() && !t.is_leaf() ? t.detach() : t),
      storage_(t.defined() ? t.impl()->storage : nullptr),
      dtype_(t.defined() ? t.dtype() : kFloat32),
      version_(t.defined() ? t.version() : 0) {}

const Tensor& SavedTensor::get() const {
  if (value_.defined() && (value_.impl()->storage != storage_ || value_.dtype() != dtype_))
    throw std::runtime_error(
        "one of the variables needed for gradient computation was replaced (set_data or Module::to) after it was "
        "saved: it is now a " + std::string(dtype_name(value_.dtype())) + " tensor of shape " +
        shape_str(value_.shape()) + "; run the forward pass again");
  if (value_.defined() && value_.version() != version_)
    throw std::runtime_error(
        "one of the variables needed for gradient computation has been modified by an inplace operation: "
        "a tensor of shape " + shape_str(value_.shape()) + " is at version " + std::to_string(value_.version()) +
        "; expected version " + std::to_string(version_) + " instead");
  return value_;
}

namespace {
template <class Tensors> bool recording_needed(const Tensors& inputs) {
  if (!GradMode::is_enabled()) return false;
  for (const auto& t : inputs)
    if (t.defined() && t.requires_grad()) return true;
  return false;
}
}  // namespace

bool needs_grad(const std::vector<Tensor>& inputs) { return recording_needed(inputs); }
bool needs_grad(std::initializer_list<Tensor> inputs) { return recording_needed(inputs); }

const Shape& Edge::shape() const { return producer ? producer->output_shape : leaf->shape; }
Dtype Edge::dtype() const { return producer ? producer->output_dtype : leaf->dtype; }

namespace {

template <class Tensors>
Tensor record_inputs(std::string name, const Tensors& inputs, const Tensor& output, BackwardFn backward) {
  if (!recording_needed(inputs)) return output;
  if (!output.is_floating_point())
    throw std::runtime_error(name + ": an op with an integer output cannot be differentiable");
  // Not make_shared: the tape's weak_ptr would keep the whole block (Node included) allocated
  // until compaction; separately, a dead entry holds only the control block.
  std::shared_ptr<Node> node(new Node);
  node->name = std::move(name);
  node->backward = std::move(backward);
  node->output_shape = output.shape();
  node->output_dtype = output.dtype();
  node->inputs.reserve(inputs.size());
  for (const auto& in : inputs) {
    Edge edge;
    if (in.defined() && in.requires_grad()) {
      if (in.is_leaf()) edge.leaf = in.impl_ptr();
      else edge.producer = in.impl()->grad_fn;
    }
    node->inputs.push_back(std::move(edge));
  }
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = output.impl()->storage;
  impl->shape = output.shape();
  impl->dtype = output.dtype();
  impl->requires_grad = true;
  impl->grad_fn = node;
  node->output = impl;
  tape.append(node);
  if (anomaly_enabled)
    if (const char* bad = first_non_finite(output)) raise_anomaly(*node, "the forward output", bad);
  return Tensor(std::move(impl));
}

}  // namespace

Tensor record(std::string name, std::initializer_list<Tensor> inputs, const Tensor& output, BackwardFn backward) {
  return record_inputs(std::move(name), inputs, output, std::move(backward));
}
Tensor record(std::string name, const std::vector<Tensor>& inputs, const Tensor& output, BackwardFn backward) {
  return record_inputs(std::move(name), inputs, output, std::move(backward));
}
Tensor record(Op op, std::initializer_list<Tensor> inputs, const Tensor& output, BackwardFn backward) {
  return record_inputs(op_name(op), inputs, output, std::move(backward));
}
Tensor record(Op op, const std::vector<Tensor>& inputs, const Tensor& output, BackwardFn backward) {
  return record_inputs(op_name(op), inputs, output, std::move(backward));
}

namespace {

// The one check of a gradient against the input it flows to. A leaf is compared as it is now, so a
// leaf replaced (set_data, Module::to) since the forward pass is caught here too.
void check_grad_matches(const Tensor& g, const Edge& e, const std::string& op) {
  if (g.shape() == e.shape() && g.dtype() == e.dtype()) return;
  const std::string got = shape_str(g.shape()) + " (" + dtype_name(g.dtype()) + ")";
  const std::string want = shape_str(e.shape()) + " (" + dtype_name(e.dtype()) + ")";
  // For a leaf, either the op's backward is wrong or the leaf changed after the forward pass.
  throw std::runtime_error("backward of '" + op + "' returned a gradient of shape " + got + " for an input of shape " +
                         want + (e.leaf ? " (a leaf: was it replaced by set_data or Module::to after the forward pass?)" : ""));
}

// A gradient no other handle or view shares can become .grad as it is, without a copy.
bool exclusively_owned(const Tensor& g) {
  return g.impl_ptr().use_count() == 1 && g.impl()->storage.use_count() == 1 && !g.impl()->grad_fn;
}

// g has been checked against the leaf (check_grad_matches, or the root's gradient argument).
void accumulate_into_leaf(TensorImpl& leaf, Tensor g) {
  if (!leaf.grad) {
    // .grad must be a private buffer: later accumulations write into it in place.
    leaf.grad = exclusively_owned(g) ? g.impl_ptr() : g.clone().impl_ptr();
  } else {
    Tensor acc(leaf.grad);
    add_(acc, g);
  }
}

void accumulate_pending(Node& node, const Tensor& g) {
  // Out of place: the first gradient may be shared with another input's (e.g. both sides of a+b).
  node.pending_grad = node.pending_grad.defined() ? add(node.pending_grad, g) : g;
}

// Runs the backward functions of `order` (reverse execution order), passing gradients down.
void replay(const std::vector<Node*>& order, bool retain_graph);

}  // namespace

void backward(const Tensor& root, const Tensor& gradient, bool retain_graph) {
  if (!root.requires_grad())
    throw std::runtime_error("element 0 of tensors does not require grad and does not have a grad_fn");
  Tensor seed = gradient;
  if (!seed.defined()) {
    if (root.numel() != 1) throw std::runtime_error("grad can be implicitly created only for scalar outputs");
    seed = ones_like(root);
  }
  if (seed.shape() != root.shape() || seed.dtype() != root.dtype())
    throw std::invalid_argument("backward: the gradient has shape " + shape_str(seed.shape()) + " (" +
                                dtype_name(seed.dtype()) + ") but the tensor has shape " + shape_str(root.shape()) +
                                " (" + dtype_name(root.dtype()) + ")");
  NoGradGuard no_grad;
  if (root.is_leaf()) {
    accumulate_into_leaf(*root.impl(), seed);
    return;
  }

  // The entries reachable from root, replayed in reverse execution order.
  std::vector<Node*> order;
  std::unordered_set<Node*> seen;
  std::vector<Node*> stack{root.impl()->grad_fn.get()};
  seen.insert(stack.back());
  while (!stack.empty()) {
    Node* n = stack.back();
    stack.pop_back();
    order.push_back(n);
    for (auto& e : n->inputs)
      if (e.producer && seen.insert(e.producer.get()).second) stack.push_back(e.producer.get());
  }
  std::sort(order.begin(), order.end(), [](Node* a, Node* b) { return a->sequence > b->sequence; });

  Node& root_node = *root.impl()->grad_fn;
  root_node.pending_grad = seed;
  try {
    replay(order, retain_graph);
  } catch (...) {
    // A failed pass must not leave gradients parked on entries a later backward would pick up.
    for (Node* node : order) node->pending_grad = Tensor();
    throw;
  }
}

namespace {

void replay(const std::vector<Node*>& order, bool retain_graph) {
  for (Node* node : order) {
    if (!node->pending_grad.defined()) continue;
    if (node->released)
      throw std::runtime_error(
          "Trying to backward through the graph a second time (or directly access saved tensors after they have "
          "already been freed). Saved intermediate values of the graph are freed when you call .backward(). "
          "Specify retain_graph = true if you need to backward through the graph a second time (op '" +
          node->name + "').");
    Tensor g = std::move(node->pending_grad);
    node->pending_grad = Tensor();
    if (auto out = node->output.lock(); out && out->retains_grad) {
      if (out->grad) { Tensor acc(out->grad); add_(acc, g); }
      else out->grad = g.clone().impl_ptr();
    }
    std::vector<Tensor> grads = node->backward(g);
    if (grads.size() != node->inputs.size())
      throw std::runtime_error("backward of '" + node->name + "' returned " + std::to_string(grads.size()) +
                             " gradients for " + std::to_string(node->inputs.size()) + " inputs");
    if (anomaly_enabled)
      for (std::size_t i = 0; i < grads.size(); ++i)
        if (const char* bad = first_non_finite(grads[i]))
          raise_anomaly(*node, "the backward's gradient for input " + std::to_string(i), bad);
    for (std::size_t i = 0; i < grads.size(); ++i) {
      Edge& e = node->inputs[i];
      if (!grads[i].defined() || !e.needs_grad()) continue;
      check_grad_matches(grads[i], e, node->name);
      if (e.producer) accumulate_pending(*e.producer, grads[i]);
      else accumulate_into_leaf(*e.leaf, std::move(grads[i]));
    }
    if (!retain_graph) {
      node->backward = nullptr;  // frees the saved values
      node->released = true;
    }
  }
}

}  // namespace

std::size_t tape_size() {
  tape.compact();
  return tape.entries.size();
}
std::size_t tape_capacity_in_use() { return tape.entries.size(); }

std::string tape_dump() {
  tape.compact();
  std::ostringstream s;
  for (const auto& w : tape.entries) {
    auto n = w.lock();
    if (!n) continue;
    s << "#" << n->sequence << " " << n->name << "(";
    for (std::size_t i = 0; i < n->inputs.size(); ++i) {
      const auto& e = n->inputs[i];
      s << (i ? ", " : "") << (e.needs_grad() ? shape_str(e.shape()) : std::string("-"));
    }
    s << ") -> " << shape_str(n->output_shape) << " " << dtype_name(n->output_dtype) << "\n";
  }
  return s.str();
}

}  // namespace autograd
}  // namespace tapegrad
