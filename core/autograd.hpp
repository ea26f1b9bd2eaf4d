// Autograd: every differentiable op run in grad mode records one entry (a Node) through `record`,
// built-in and user-defined ops alike. Each entry links to the entries that produced its inputs;
// backward() collects the entries reachable from the root along those links and runs them in reverse
// execution order (by sequence number). The thread-local tape lists the entries in execution order
// for inspection (tape_size, tape_dump) and so dead entries can be reclaimed.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

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
// Runs with grad mode off. It must capture saved values with `save()` (or .detach()), never the
// output handle itself, so the graph has no cycles.
using Grads = std::vector<Tensor>;
using BackwardFn = std::function<Grads(const Tensor& grad_output)>;

// A value kept for backward, with the version it had when saved: reading it after an in-place
// change raises instead of silently computing a wrong gradient.
class SavedTensor {
 public:
  SavedTensor() = default;
  SavedTensor(const Tensor& t);  // NOLINT: implicit so captures read naturally
  // Throws if the value was modified in place, or replaced (set_data, Module::to), since it was saved.
  const Tensor& get() const;
  operator const Tensor&() const { return get(); }  // NOLINT

 private:
  Tensor value_;
  std::shared_ptr<Storage> storage_;  // the storage saved; a leaf's set_data swaps it
  Dtype dtype_ = kFloat32;
  std::uint64_t version_ = 0;
};
inline SavedTensor save(const Tensor& t) { return SavedTensor(t); }

struct Edge {
  std::shared_ptr<Node> producer;     // set when the input is itself an op result
  std::shared_ptr<TensorImpl> leaf;   // set when the input is a leaf that requires grad
  bool needs_grad() const { return producer || leaf; }
  // What the gradient passed back must look like (the producer's output, or the leaf as it is now).
  const Shape& shape() const;
  Dtype dtype() const;
};

// One tape entry.
struct Node {
  std::string name;
  std::uint64_t sequence = 0;         // position in execution order (one count shared by all threads)
  std::vector<Edge> inputs;
  BackwardFn backward;
  Shape output_shape;
  Dtype output_dtype = kFloat32;
  std::weak_ptr<TensorImpl> output;   // for retain_grad; weak, so no cycle
  Tensor pending_grad;                // gradient accumulated for the output during backward
  std::atomic<bool> released{false};  // saved values freed by a backward without retain_graph (read by
                                      // the recording thread's compaction, written by the backward's)
  ~Node();                            // tears down long chains iteratively, never recursively
};

// Anomaly detection (like torch.autograd.detect_anomaly), per thread: while on, the first recorded
// op whose forward output, or whose backward's gradients, hold NaN or ±inf raises AnomalyError
// naming the op and its tape entry. Costs a scan of every value: for debugging, not training.
struct AnomalyMode {
  static bool is_enabled();
  static void set_enabled(bool enabled);
};

using DetectAnomalyGuard = ModeGuard<AnomalyMode, true>;

struct AnomalyError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// True when an op on these inputs would be recorded (grad mode on and some input requires grad).
bool needs_grad(std::initializer_list<Tensor> inputs);
bool needs_grad(const std::vector<Tensor>& inputs);

// Records `output` as the result of op `name` on `inputs`. When recording is needed, returns a
// tensor sharing output's storage that requires grad and carries the new tape entry; otherwise
// returns output unchanged.
// User-defined ops give their own name; built-in ops name themselves from the op list (op_list.hpp).
Tensor record(std::string name, std::initializer_list<Tensor> inputs, const Tensor& output, BackwardFn backward);
Tensor record(std::string name, const std::vector<Tensor>& inputs, const Tensor& output, BackwardFn backward);
Tensor record(Op op, std::initializer_list<Tensor> inputs, const Tensor& output, BackwardFn backward);
Tensor record(Op op, const std::vector<Tensor>& inputs, const Tensor& output, BackwardFn backward);

// backward() from `root` with upstream gradient `gradient` (implicit ones for a one-element root).
void backward(const Tensor& root, const Tensor& gradient = {}, bool retain_graph = false);

// Inspection of the calling thread's tape.
std::size_t tape_size();               // live (not yet released, still reachable) entries
std::size_t tape_capacity_in_use();    // slots held, including dead ones not yet compacted
std::string tape_dump();               // one line per live entry: "#seq name(in shapes) -> out shape"

}  // namespace autograd
}  // namespace tapegrad
