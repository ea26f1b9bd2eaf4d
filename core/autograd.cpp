#include "autograd.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <atomic>
#include <sstream>
#include <stdexcept>

#include "autograd_internal.hpp"
#include "ops.hpp"

namespace tapegrad {

namespace {
thread_local bool grad_enabled = true;
}  // namespace

bool GradMode::is_enabled() { return grad_enabled; }
void GradMode::set_enabled(bool enabled) { grad_enabled = enabled; }

namespace autograd {
namespace {
// Execution order across all threads: an entry is numbered after every entry it could consume,
// even one recorded on another thread (a tensor handed over is published before it is used).
std::atomic<std::uint64_t> next_sequence{0};
std::atomic<std::uint64_t> next_tape_id{1};
}  // namespace

namespace detail {

thread_local Running running;

Tape::Tape() : id(next_tape_id.fetch_add(1, std::memory_order_relaxed)) {}

void Tape::append(const std::shared_ptr<Node>& node) {
  node->sequence = next_sequence.fetch_add(1, std::memory_order_relaxed);
  node->tape_id = id;
  entries.push_back(TapeEntry{node->sequence, node});
  if (entries.size() >= compact_threshold) compact();
}

void Tape::compact() {
  if (sweeps > 0) return;  // a backward walks the entries by index
  std::erase_if(entries, [](const TapeEntry& e) {
    auto n = e.node.lock();
    return !n || n->released;
  });
  // Amortised O(1) per append: the next compaction waits until the tape doubles.
  compact_threshold = std::max<std::size_t>(1024, 2 * entries.size());
}

Tape& this_thread_tape() {
  thread_local Tape tape;
  return tape;
}

// The first non-finite value of a floating-point tensor ("nan", "inf", "-inf"), or nullptr.
const char* first_non_finite(const Tensor& t0) {
  if (!t0.defined() || !t0.is_floating_point()) return nullptr;
  const Tensor t = t0.expect_contiguous();
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
  const std::string where = node.backward_of.empty() ? "" : ", recorded by the create_graph backward of '" + node.backward_of + "'";
  const std::string attributes = describe(node.attributes);
  throw AnomalyError("anomaly detected: " + what + " of op '" + node.name() + "'" +
                     (attributes.empty() ? "" : " [" + attributes + "]") + " (tape entry #" +
                     std::to_string(node.sequence) + where + ") contains " + value);
}

}  // namespace detail

namespace {

thread_local bool anomaly_enabled = false;
using detail::first_non_finite;
using detail::raise_anomaly;

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
  release();  // first: its saved values may share ownership of the producers below
  for (auto& edge : inputs)
    if (edge.producer && edge.producer.use_count() == 1) graveyard.entries.push_back(std::move(edge.producer));
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
// with an entry is detached, so the saved value never keeps its own entry alive (no cycles), and
// its entry is kept beside it for create_graph.
SavedTensor::SavedTensor(const Tensor& t)
    : value_(t.defined() && !t.is_leaf() ? t.detach() : t),
      grad_fn_(t.defined() ? t.impl()->grad_fn : nullptr),
      output_nr_(t.defined() ? t.impl()->output_nr : 0),
      storage_(t.defined() ? t.impl()->storage : nullptr),
      dtype_(t.defined() ? t.dtype() : kFloat32),
      version_(t.defined() ? t.version() : 0) {}

namespace {
// A tensor over `value`'s storage, with its layout, whose gradient flows to output `nr` of `node`.
Tensor attached(const Tensor& value, std::shared_ptr<Node> node, std::uint32_t nr) {
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = value.impl()->storage;
  impl->copy_layout(*value.impl());
  impl->requires_grad = true;
  impl->grad_fn = std::move(node);
  impl->output_nr = nr;
  return Tensor(std::move(impl));
}
}  // namespace

std::string backward_name(const std::string& op) {
  std::string s;
  bool upper = true;
  for (char c : op) {
    if (c == '_') { upper = true; continue; }
    s += upper ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c;
    upper = false;
  }
  return s + "Backward0";
}

namespace {
// " (needed by MulBackward0, the backward of 'mul')": the entry whose backward reads the value.
std::string needed_by() {
  if (!detail::running.node) return "";
  const std::string op = (*detail::running.node)->name();
  return " (needed by " + backward_name(op) + ", the backward of '" + op + "')";
}
}  // namespace

// ", which is output N of <Op>Backward0," when an op made the saved value: its producer, or the entry
// whose backward runs now when the value is that entry's own output (saved before it was recorded).
std::string SavedTensor::produced_by() const {
  if (grad_fn_) return ", which is output " + std::to_string(output_nr_) + " of " + backward_name(grad_fn_->name()) + ",";
  if (!detail::running.node || !value_.defined()) return "";
  const Node& node = **detail::running.node;
  for (std::size_t nr = 0; nr < node.outputs.size(); ++nr)
    if (node.outputs[nr].storage == storage_.get() && node.outputs[nr].shape == value_.shape())
      return ", which is output " + std::to_string(nr) + " of " + backward_name(node.name()) + ",";
  return "";
}

Tensor SavedTensor::get() const {
  if (value_.defined() && (value_.impl()->storage != storage_ || value_.dtype() != dtype_))
    throw std::runtime_error(
        "one of the variables needed for gradient computation was replaced (set_data or Module::to) after it was "
        "saved as a " + std::string(dtype_name(dtype_)) + " tensor: it is now a " + dtype_name(value_.dtype()) +
        " tensor of shape " + shape_str(value_.shape()) + "; run the forward pass again" + needed_by());
  if (value_.defined() && value_.version() != version_)
    throw std::runtime_error(
        "one of the variables needed for gradient computation has been modified by an inplace operation: [" +
        std::string(dtype_name(value_.dtype())) + " " + shape_str(value_.shape()) + "]" +
        // PyTorch's description of the value: ", which is output 0 of ReluBackward0" when an op made it.
        produced_by() + " is at version " +
        std::to_string(value_.version()) + "; expected version " + std::to_string(version_) + " instead" +
        needed_by());
  const detail::Running& r = detail::running;
  if (!r.create_graph || !value_.defined() || !GradMode::is_enabled()) return value_;
  // create_graph: the value as a function of the graph, so the backward formula can be differentiated.
  if (grad_fn_) return attached(value_, grad_fn_, output_nr_);
  const Node& node = **r.node;
  if (value_.requires_grad()) return value_;
  for (std::uint32_t nr = 0; nr < node.outputs.size(); ++nr) {
    const NodeOutput& o = node.outputs[nr];
    if (value_.impl()->storage.get() != o.storage || value_.shape() != o.shape || value_.dtype() != o.dtype) continue;
    // The running entry's own output (saved before record gave it its entry).
    if (auto out = o.tensor.lock()) return Tensor(std::move(out));
    return attached(value_, *r.node, nr);
  }
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

const Shape& Edge::shape() const { return producer ? producer->outputs[output_nr].shape : leaf->shape; }
Dtype Edge::dtype() const { return producer ? producer->outputs[output_nr].dtype : leaf->dtype; }

namespace {

// A new entry for `name` on `inputs` with the outputs' metadata, appended to this thread's tape; the
// returned tensors share the outputs' storage and layout and carry the entry.
// What an entry is: a built-in op with its attributes, or a user-defined op's name.
struct EntryKind {
  Op op{};
  OpAttributes attributes;
  std::string user_op;
  std::string name() const { return user_op.empty() ? std::string(op_name(op)) : user_op; }
};

template <class Tensors>
void record_entry(EntryKind kind, const Tensors& inputs, const Tensor* outputs, std::size_t count, Tensor* results,
                  BackwardFn backward, MultiBackwardFn multi_backward) {
  for (std::size_t nr = 0; nr < count; ++nr)
    if (!outputs[nr].is_floating_point())
      throw std::runtime_error(kind.name() + ": an op with an integer output cannot be differentiable");
  // Not make_shared: the tape's weak_ptr would keep the whole block (Node included) allocated
  // until compaction; separately, a dead entry holds only the control block.
  std::shared_ptr<Node> node(new Node);
  node->op = kind.op;
  node->attributes = std::move(kind.attributes);
  node->user_op = std::move(kind.user_op);
  node->backward = std::move(backward);
  node->multi_backward = std::move(multi_backward);
  node->inputs.reserve(inputs.size());
  for (const auto& in : inputs) {
    Edge edge;
    if (in.defined() && in.requires_grad()) {
      if (in.is_leaf()) {
        edge.leaf = in.impl_ptr();
      } else {
        edge.producer = in.impl()->grad_fn;
        edge.output_nr = in.impl()->output_nr;
      }
    }
    node->inputs.push_back(std::move(edge));
  }
  node->outputs.resize(count);
  for (std::size_t nr = 0; nr < count; ++nr) {
    auto impl = std::make_shared<TensorImpl>();
    impl->storage = outputs[nr].impl()->storage;
    impl->copy_layout(*outputs[nr].impl());
    impl->requires_grad = true;
    impl->grad_fn = node;
    impl->output_nr = static_cast<std::uint32_t>(nr);
    NodeOutput& o = node->outputs[nr];
    o.shape = impl->shape;
    o.dtype = impl->dtype;
    o.storage = impl->storage.get();
    o.tensor = impl;
    results[nr] = Tensor(std::move(impl));
  }
  if (detail::running.create_graph && detail::running.node) node->backward_of = (*detail::running.node)->name();
  detail::this_thread_tape().append(node);
  if (anomaly_enabled)
    for (std::size_t nr = 0; nr < count; ++nr)
      if (const char* bad = first_non_finite(outputs[nr])) raise_anomaly(*node, "the forward output", bad);
}

template <class Tensors>
Tensor record_inputs(EntryKind kind, const Tensors& inputs, const Tensor& output, BackwardFn backward) {
  if (!recording_needed(inputs)) return output;
  Tensor result;
  record_entry(std::move(kind), inputs, &output, 1, &result, std::move(backward), nullptr);
  return result;
}

}  // namespace

// A user-defined op's backward receives row-major gradients (it may read them with data<T>()).
static Tensor record_user_op(std::string name, const std::vector<Tensor>& inputs, const Tensor& output, BackwardFn backward) {
  if (name.empty()) throw std::invalid_argument("autograd::record: a user-defined op needs a name (it names the tape entry)");
  const Tensor out = record_inputs(EntryKind{{}, {}, std::move(name)}, inputs, output, std::move(backward));
  if (out.impl() != output.impl()) out.impl()->grad_fn->row_major_grads = true;
  return out;
}
Tensor record(std::string name, std::initializer_list<Tensor> inputs, const Tensor& output, BackwardFn backward) {
  return record_user_op(std::move(name), std::vector<Tensor>(inputs), output, std::move(backward));
}
Tensor record(std::string name, const std::vector<Tensor>& inputs, const Tensor& output, BackwardFn backward) {
  return record_user_op(std::move(name), inputs, output, std::move(backward));
}
Tensor record(Op op, OpAttributes attributes, std::initializer_list<Tensor> inputs, const Tensor& output,
              BackwardFn backward) {
  return record_inputs(EntryKind{op, std::move(attributes), {}}, inputs, output, std::move(backward));
}
Tensor record(Op op, OpAttributes attributes, const std::vector<Tensor>& inputs, const Tensor& output,
              BackwardFn backward) {
  return record_inputs(EntryKind{op, std::move(attributes), {}}, inputs, output, std::move(backward));
}
Tensor record(Op op, std::initializer_list<Tensor> inputs, const Tensor& output, BackwardFn backward) {
  return record_inputs(EntryKind{op, {}, {}}, inputs, output, std::move(backward));
}
std::vector<Tensor> record_multi(Op op, OpAttributes attributes, std::initializer_list<Tensor> inputs,
                                 const std::vector<Tensor>& outputs, MultiBackwardFn backward) {
  if (!recording_needed(inputs)) return outputs;
  std::vector<Tensor> results(outputs.size());
  record_entry(EntryKind{op, std::move(attributes), {}}, inputs, outputs.data(), outputs.size(), results.data(),
               nullptr, std::move(backward));
  return results;
}

std::size_t tape_size() {
  detail::Tape& tape = detail::this_thread_tape();
  tape.compact();
  return tape.entries.size();
}
std::size_t tape_capacity_in_use() { return detail::this_thread_tape().entries.size(); }

std::string tape_dump() {
  detail::Tape& tape = detail::this_thread_tape();
  tape.compact();
  std::ostringstream s;
  for (const auto& e : tape.entries) {
    auto n = e.node.lock();
    if (!n) continue;
    const std::string attributes = describe(n->attributes);
    s << "#" << n->sequence << " " << n->name() << (attributes.empty() ? "" : "[" + attributes + "]") << "(";
    for (std::size_t i = 0; i < n->inputs.size(); ++i) {
      const auto& e = n->inputs[i];
      s << (i ? ", " : "") << (e.needs_grad() ? shape_str(e.shape()) : std::string("-"));
    }
    s << ") -> ";
    for (std::size_t i = 0; i < n->outputs.size(); ++i)
      s << (i ? ", " : "") << shape_str(n->outputs[i].shape) << " " << dtype_name(n->outputs[i].dtype);
    if (!n->backward_of.empty()) s << " [backward of " << n->backward_of << "]";
    s << "\n";
  }
  return s.str();
}

}  // namespace autograd
}  // namespace tapegrad
