// Autograd: every differentiable op run in grad mode records one entry (a Node) through `record`,
// built-in and user-defined ops alike, on the recording thread's tape, in execution order. backward()
// is one reverse sweep over that tape from the root's entry down: entries holding a pending gradient
// run their backward and pass gradients to the entries (or leaves) that produced their inputs; the
// others are skipped. No graph search, no sort, no recursion (core/autograd_engine.cpp).
// With create_graph the backward functions run in grad mode, so their own ops are recorded after the
// root (the sweep never meets them) and the gradients are differentiable again.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "op_attributes.hpp"
#include "op_list.hpp"
#include "tensor.hpp"

namespace tapegrad {

// Sets a thread-local mode (GradMode, autograd::AnomalyMode) to kValue for a scope, restoring the
// previous value when the scope ends.
template <class Mode, bool kValue> class ModeGuard {
 public:
  ModeGuard() : previous_(Mode::is_enabled()) { Mode::set_enabled(kValue); }
  ~ModeGuard() { Mode::set_enabled(previous_); }
  ModeGuard(const ModeGuard&) = delete;
  ModeGuard& operator=(const ModeGuard&) = delete;

 private:
  bool previous_;
};

// Grad mode: a thread-local flag. Ops record only when it is on and an input requires grad.
struct GradMode {
  static bool is_enabled();
  static void set_enabled(bool enabled);
};
using NoGradGuard = ModeGuard<GradMode, false>;

namespace autograd {

// Receives the gradient of the op's output and returns one gradient per input, in the order the
// inputs were given to `record` (an undefined Tensor means "no gradient for this input").
// Runs with grad mode off, or on under create_graph: a backward written with tapegrad ops is then
// recorded and can be differentiated again; one written with raw loops on data<T>() cannot, and the
// engine raises naming the op rather than return a silently wrong (zero) second derivative.
// It must capture saved values with `save()`, never the output handle itself, so the graph has no cycles.
using Grads = std::vector<Tensor>;
using BackwardFn = std::function<Grads(const Tensor& grad_output)>;
// The backward of an entry with several outputs (unbind, split): one gradient per output, undefined
// for an output no gradient reached. It runs once, however many outputs were used.
using MultiBackwardFn = std::function<Grads(const std::vector<Tensor>& grad_outputs)>;

// A value kept for backward, with the version it had when saved: reading it after an in-place
// change raises instead of silently computing a wrong gradient. Under create_graph, get() returns the
// value still connected to its graph (its producer's entry, or the entry being run when it is that
// entry's own output), so a backward formula using it is differentiable with respect to it.
class SavedTensor {
 public:
  SavedTensor() = default;
  SavedTensor(const Tensor& t);  // NOLINT: implicit so captures read naturally
  // Throws if the value was modified in place, or replaced (set_data, Module::to), since it was saved.
  Tensor get() const;
  operator Tensor() const { return get(); }  // NOLINT

 private:
  std::string produced_by() const;
  Tensor value_;                      // detached when the value has a tape entry (no cycles)
  std::shared_ptr<Node> grad_fn_;     // that entry, for create_graph (an input's producer: no cycle)
  std::uint32_t output_nr_ = 0;       // which of its outputs
  std::shared_ptr<Storage> storage_;  // the storage saved; a leaf's set_data swaps it
  Dtype dtype_ = kFloat32;
  std::uint64_t version_ = 0;
};
inline SavedTensor save(const Tensor& t) { return SavedTensor(t); }

struct Edge {
  std::shared_ptr<Node> producer;     // set when the input is itself an op result
  std::shared_ptr<TensorImpl> leaf;   // set when the input is a leaf that requires grad
  std::uint32_t output_nr = 0;        // which of the producer's outputs the input is
  bool needs_grad() const { return producer || leaf; }
  // What the gradient passed back must look like (the producer's output, or the leaf as it is now).
  const Shape& shape() const;
  Dtype dtype() const;
};

// ---- hooks (core/autograd_hooks.cpp) ----
// A tensor hook sees the gradient of its tensor and may return a replacement (undefined: keep it).
using TensorHook = std::function<Tensor(const Tensor& grad)>;
// A post-accumulate hook sees the leaf once its .grad holds everything this backward adds to it.
using PostAccumulateHook = std::function<void(const Tensor& leaf)>;
using Callback = std::function<void()>;

// Returned by every register_* call; remove() unregisters (idempotent; harmless once the tensor died).
class HookHandle {
 public:
  HookHandle() = default;
  explicit HookHandle(std::function<void()> remover) : remover_(std::move(remover)) {}
  void remove();

 private:
  std::function<void()> remover_;
};

template <class F> struct HookList {
  std::vector<std::pair<std::uint64_t, F>> hooks;  // in registration order
  std::uint64_t next_id = 0;
  bool empty() const { return hooks.empty(); }
};
struct LeafHooks {
  HookList<TensorHook> tensor;
  HookList<PostAccumulateHook> post_accumulate;
};

// Registered on the calling thread: runs at the end of every backward()/grad() that thread runs,
// after every gradient is delivered and before it returns (in registration order).
HookHandle register_backward_callback(Callback fn);
// During a backward (from a hook): runs fn once, at the end of that backward, after the registered
// callbacks. Outside a backward it raises, as PyTorch's queue_callback.
void queue_callback(Callback fn);

// What the engine keeps of one output of a tape entry.
struct NodeOutput {
  Shape shape;
  Dtype dtype = kFloat32;
  const Storage* storage = nullptr;   // identifies a saved output (compared, never read)
  std::weak_ptr<TensorImpl> tensor;   // for retain_grad; weak, so no cycle
  std::shared_ptr<HookList<TensorHook>> hooks;  // the output tensor's hooks (register_hook)
  Tensor pending_grad;                // gradient accumulated for this output during backward
};

// A tape entry's outputs: the first one inline (almost every op has exactly one, and recording it then
// allocates nothing more), the others in a vector. Never resized once recorded, so addresses are stable.
class NodeOutputs {
 public:
  std::size_t size() const { return 1 + rest_.size(); }
  void resize(std::size_t n) { rest_.resize(n > 0 ? n - 1 : 0); }
  NodeOutput& operator[](std::size_t i) { return i == 0 ? first_ : rest_[i - 1]; }
  const NodeOutput& operator[](std::size_t i) const { return i == 0 ? first_ : rest_[i - 1]; }

 private:
  NodeOutput first_;
  std::vector<NodeOutput> rest_;
};

// One tape entry: one op run, with its inputs' edges and its outputs (one for almost every op; several
// for unbind/split/chunk, whose one backward joins the pieces' gradients).
struct Node {
  Op op{};                            // the built-in op (when user_op is empty)
  std::string user_op;                // the name a user-defined op recorded itself with
  OpAttributes attributes;            // the op's parameters, typed (op_attributes.hpp)
  std::uint64_t sequence = 0;         // position in execution order (one count shared by all threads)
  std::uint64_t tape_id = 0;          // which thread's tape holds it
  std::vector<Edge> inputs;
  BackwardFn backward;                // set for single-output entries
  MultiBackwardFn multi_backward;     // set for multi-output entries
  NodeOutputs outputs;
  std::string backward_of;            // set when recorded by that op's create_graph backward
  bool pending = false;               // some output holds a gradient in the running backward
  bool row_major_grads = false;       // a user-defined op: its backward gets contiguous gradients
  std::atomic<bool> released{false};  // saved values freed by a backward without retain_graph (read by
                                      // the recording thread's compaction, written by the backward's)
  // "softmax", or the user-defined op's own name.
  std::string name() const { return user_op.empty() ? std::string(op_name(op)) : user_op; }
  bool has_backward() const { return backward || multi_backward; }
  void release() { backward = nullptr; multi_backward = nullptr; }
  ~Node();                            // tears down long chains iteratively, never recursively
};

// Anomaly detection (like torch.autograd.detect_anomaly), per thread: while on, the first recorded
// op whose forward output, or whose backward's gradients, hold NaN or ±inf raises AnomalyError
// naming the op and its tape entry; an op recorded by a create_graph backward is named as such.
// Costs a scan of every value: for debugging, not training.
struct AnomalyMode {
  static bool is_enabled();
  static void set_enabled(bool enabled);
};

using DetectAnomalyGuard = ModeGuard<AnomalyMode, true>;

struct AnomalyError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// PyTorch's name for an op's grad_fn: "index_select" -> "IndexSelectBackward0" (printing, messages).
std::string backward_name(const std::string& op);

// True when an op on these inputs would be recorded (grad mode on and some input requires grad).
bool needs_grad(std::initializer_list<Tensor> inputs);
bool needs_grad(const std::vector<Tensor>& inputs);

// Records `output` as the result of op `name` on `inputs`. When recording is needed, returns a
// tensor sharing output's storage that requires grad and carries the new tape entry; otherwise
// returns output unchanged.
// User-defined ops give their own name; built-in ops name themselves from the op list (op_list.hpp).
Tensor record(std::string name, std::initializer_list<Tensor> inputs, const Tensor& output, BackwardFn backward);
Tensor record(std::string name, const std::vector<Tensor>& inputs, const Tensor& output, BackwardFn backward);
// Built-in ops give their attributes in typed form (op_attributes.hpp); the entry keeps them.
Tensor record(Op op, OpAttributes attributes, std::initializer_list<Tensor> inputs, const Tensor& output,
              BackwardFn backward);
Tensor record(Op op, OpAttributes attributes, const std::vector<Tensor>& inputs, const Tensor& output,
              BackwardFn backward);
Tensor record(Op op, std::initializer_list<Tensor> inputs, const Tensor& output, BackwardFn backward);
// One entry for several outputs (each returned tensor carries it, with its output number).
std::vector<Tensor> record_multi(Op op, OpAttributes attributes, std::initializer_list<Tensor> inputs,
                                 const std::vector<Tensor>& outputs, MultiBackwardFn backward);

// backward() from `root` with upstream gradient `gradient` (implicit ones for a one-element root),
// accumulating into the .grad of the leaves reached. retain_graph defaults to create_graph.
void backward(const Tensor& root, const Tensor& gradient = {}, std::optional<bool> retain_graph = std::nullopt,
              bool create_graph = false);
void backward(const std::vector<Tensor>& roots, const std::vector<Tensor>& gradients = {},
              std::optional<bool> retain_graph = std::nullopt, bool create_graph = false);

// The gradients of `outputs` (weighted by grad_outputs; implicit ones for one-element outputs) with
// respect to `inputs`, leaf or not, without touching any .grad (torch.autograd.grad). An input the
// outputs do not depend on raises unless allow_unused (its gradient is then undefined).
std::vector<Tensor> grad(const std::vector<Tensor>& outputs, const std::vector<Tensor>& inputs,
                         const std::vector<Tensor>& grad_outputs = {}, std::optional<bool> retain_graph = std::nullopt,
                         bool create_graph = false, bool allow_unused = false);

// Inspection of the calling thread's tape.
std::size_t tape_size();               // live (not yet released, still reachable) entries
std::size_t tape_capacity_in_use();    // slots held, including dead ones not yet compacted
// One line per live entry: "#seq name[attributes](in shapes) -> out shape dtype"; entries recorded
// by a create_graph backward end with "[backward of <op>]".
std::string tape_dump();

}  // namespace autograd
}  // namespace tapegrad
