// The engine: backward() and grad() are one reverse sweep over the calling thread's tape, from the
// newest root's entry down to the oldest entry still holding a pending gradient. Entries recorded on
// another thread (a graph spanning threads) never appear on this tape: when a gradient reaches one,
// it waits in a small max-heap by sequence number and is run when the sweep passes its number, so the
// order is still reverse execution order and the other thread's tape is never read.
#include <algorithm>
#include <queue>
#include <stdexcept>
#include <unordered_map>

#include "autograd_internal.hpp"
#include "ops.hpp"

namespace tapegrad::autograd {

namespace detail {
std::atomic<std::int64_t> leaf_hooks_registered{0};
thread_local std::vector<Callback>* queued_callbacks = nullptr;  // the running backward's queue
void run_backward_callbacks();                                  // autograd_hooks.cpp
}  // namespace detail

namespace {

using detail::first_non_finite;
using detail::raise_anomaly;

// The one check of a gradient against the input it flows to. A leaf is compared as it is now, so a
// leaf replaced (set_data, Module::to) since the forward pass is caught here too.
// A gradient of a shape the input broadcasts to (same dtype) is an unreduced broadcast gradient: the
// usual mistake in a custom op's backward, not a replaced input.
bool looks_unreduced(const Tensor& g, const Edge& e) { return g.dtype() == e.dtype() && is_expandable_to(e.shape(), g.shape()); }

void check_grad_matches(const Tensor& g, const Edge& e, const Node& node) {
  if (g.shape() == e.shape() && g.dtype() == e.dtype()) return;
  const std::string op = node.name();
  const std::string got = shape_str(g.shape()) + " (" + dtype_name(g.dtype()) + ")";
  const std::string want = shape_str(e.shape()) + " (" + dtype_name(e.dtype()) + ")";
  const std::string what = "backward of '" + op + "' returned a gradient of shape " + got + " for an input of shape " + want;
  if (looks_unreduced(g, e))
    throw std::runtime_error(what + ": the gradient looks unreduced (the input was broadcast in the forward pass); sum "
                             "it back to the input's shape with grad.sum_to_size(" + shape_str(e.shape()) +
                             ") (tapegrad::sum_to_size)");
  // For a leaf, either the op's backward is wrong or the leaf changed after the forward pass.
  throw std::runtime_error(what + (e.leaf ? " (a leaf: was it replaced by set_data or Module::to after the forward pass?)" : ""));
}

// A gradient no other handle or view shares can become .grad as it is, without a copy.
bool exclusively_owned(const Tensor& g) {
  return g.impl_ptr().use_count() == 1 && g.impl()->storage.use_count() == 1 && !g.impl()->grad_fn;
}

// A row-major copy of g (recorded under create_graph).
Tensor row_major_copy(const Tensor& g) { return g.is_contiguous() ? g.clone() : g.contiguous(); }

// g has been checked against the leaf. Under create_graph (or when .grad carries a graph from an
// earlier one) accumulation is out of place and recorded, as PyTorch's AccumulateGrad.
void accumulate_into_leaf(TensorImpl& leaf, Tensor g, bool create_graph) {
  if (!leaf.grad) {
    // .grad must be a private row-major buffer: later accumulations write into it in place (a
    // gradient that is a view, e.g. an expanded one, is copied).
    leaf.grad = exclusively_owned(g) && g.is_contiguous() ? g.impl_ptr() : row_major_copy(g).impl_ptr();
    return;
  }
  Tensor acc(leaf.grad);
  if (create_graph || acc.requires_grad()) leaf.grad = add(acc, g).impl_ptr();
  else add_(acc, g);
}

Tensor sum_into(const Tensor& acc, const Tensor& g) { return acc.defined() ? add(acc, g) : g; }

Tensor run_tensor_hooks(const HookList<TensorHook>& list, Tensor g, const Shape& shape, Dtype dtype) {
  const auto hooks = list.hooks;  // a hook may remove hooks while they run
  for (const auto& [id, hook] : hooks) {
    Tensor replaced = hook(g);
    if (!replaced.defined()) continue;
    if (replaced.shape() != shape || replaced.dtype() != dtype)
      throw std::runtime_error("hook returned a gradient of shape " + shape_str(replaced.shape()) + " (" +
                               dtype_name(replaced.dtype()) + ") for a tensor of shape " + shape_str(shape) + " (" +
                               dtype_name(dtype) + ")");
    g = std::move(replaced);
  }
  return g;
}

bool has_leaf_hooks(const TensorImpl& leaf) {
  return leaf.hooks && (!leaf.hooks->tensor.empty() || !leaf.hooks->post_accumulate.empty());
}

// grad(): where the gradients of the requested inputs are collected instead of .grad.
struct Capture {
  std::unordered_map<const void*, std::vector<std::size_t>> slots;  // leaf impl or entry output -> input positions
  std::vector<Tensor> grads;
  void store(const void* key, const Tensor& g) {
    for (std::size_t k : slots.at(key)) grads[k] = sum_into(grads[k], g);
  }
};

// Sets grad mode for the sweep (off, or on under create_graph) and restores it.
struct GradModeScope {
  bool previous = GradMode::is_enabled();
  explicit GradModeScope(bool on) { GradMode::set_enabled(on); }
  ~GradModeScope() { GradMode::set_enabled(previous); }
};

class Sweep {
 public:
  Sweep(bool retain_graph, bool create_graph, Capture* capture)
      : mode_(create_graph), tape_(detail::this_thread_tape()), retain_(retain_graph), create_(create_graph), capture_(capture) {
    ++tape_.sweeps;
    touched_.reserve(32);
    ran_.reserve(32);
    outer_queue_ = detail::queued_callbacks;
    detail::queued_callbacks = &queued_;
  }
  ~Sweep() {
    --tape_.sweeps;
    detail::queued_callbacks = outer_queue_;
    if (!finished_)  // a failed pass must not leave gradients parked on entries a later backward would pick up
      for (auto& n : touched_) clear_pending(*n);
  }
  Sweep(const Sweep&) = delete;
  Sweep& operator=(const Sweep&) = delete;

  void seed(const Tensor& root, const Tensor& g) {
    if (root.is_leaf()) return deliver_leaf(root.impl_ptr(), g);
    const auto& node = root.impl()->grad_fn;
    if (node->tape_id == tape_.id) start_ = std::max(start_, node->sequence + 1);
    deliver_node(node, root.impl()->output_nr, g);
  }

  void run() {
    const auto& entries = tape_.entries;
    std::size_t i = static_cast<std::size_t>(
        std::lower_bound(entries.begin(), entries.end(), start_,
                         [](const detail::TapeEntry& e, std::uint64_t s) { return e.sequence < s; }) -
        entries.begin());
    if (detail::leaf_hooks_registered.load(std::memory_order_relaxed) > 0) plan_leaf_finalization(i);
    while (outstanding_ > 0) {
      const std::uint64_t local = i > 0 ? tape_.entries[i - 1].sequence : 0;
      if (!foreign_.empty() && (i == 0 || foreign_.top()->sequence > local)) {
        auto node = foreign_.top();
        foreign_.pop();
        if (node->pending) execute(node);
        continue;
      }
      if (i == 0) break;
      --i;
      if (auto node = tape_.entries[i].node.lock(); node && node->pending) execute(node);
      while (!finalize_at_.empty() && finalize_at_.back().first >= local) {
        auto leaf = std::move(finalize_at_.back().second);
        finalize_at_.pop_back();
        finalize_leaf(leaf);
      }
    }
    while (!buffered_order_.empty()) {  // leaves whose last consumer was not on this tape, or roots
      auto leaf = buffered_order_.back();
      finalize_leaf(leaf);
    }
    if (!retain_)
      for (const auto& n : ran_) {
        n->release();  // frees the saved values
        n->released = true;
      }
    finished_ = true;
    detail::run_backward_callbacks();
    for (std::size_t k = 0; k < queued_.size(); ++k) queued_[k]();  // callbacks may queue more
  }

 private:
  void deliver_node(const std::shared_ptr<Node>& node, std::uint32_t nr, const Tensor& g) {
    if (!node->pending) {
      if (node->released || !node->has_backward()) second_backward(*node);
      node->pending = true;
      ++outstanding_;
      touched_.push_back(node);
      if (node->tape_id != tape_.id) foreign_.push(node);
    }
    // Out of place: the first gradient may be shared with another input's (e.g. both sides of a+b).
    Tensor& pending = node->outputs[nr].pending_grad;
    pending = sum_into(pending, g);
  }

  static void clear_pending(Node& node) {
    node.pending = false;
    for (std::size_t nr = 0; nr < node.outputs.size(); ++nr) node.outputs[nr].pending_grad = Tensor();
  }

  // An output's gradient as the entry's backward sees it: its hooks run, retain_grad and grad()
  // served. Undefined when no gradient reached the output.
  Tensor take_output_grad(const std::shared_ptr<Node>& node, std::uint32_t nr) {
    NodeOutput& o = node->outputs[nr];
    Tensor g = std::move(o.pending_grad);
    o.pending_grad = Tensor();
    if (!g.defined()) return g;
    if (o.hooks && !o.hooks->empty()) g = run_tensor_hooks(*o.hooks, g, o.shape, o.dtype);
    if (capture_) {
      if (capture_->slots.count(&o)) capture_->store(&o, g);
    } else if (auto out = o.tensor.lock(); out && out->retains_grad) {
      if (out->grad && !create_ && !Tensor(out->grad).requires_grad()) { Tensor acc(out->grad); add_(acc, g); }
      else out->grad = (out->grad ? add(Tensor(out->grad), g) : row_major_copy(g)).impl_ptr();
    }
    // Under create_graph a constant gradient is passed as a fresh leaf that requires grad, so a
    // backward that records its ops always returns gradients that require grad: one that does not
    // was computed off the tape (raw loops) and cannot be differentiated again.
    if (create_ && !g.requires_grad()) g = g.detach().requires_grad_(true);
    return node->row_major_grads ? g.contiguous() : g;
  }

  // g by value and moved on: a gradient nothing else holds becomes .grad without a copy.
  void deliver_leaf(const std::shared_ptr<TensorImpl>& leaf, Tensor g) {
    if (capture_ && !capture_->slots.count(leaf.get())) return;  // grad() touches nothing else
    if (has_leaf_hooks(*leaf)) {
      auto [it, fresh] = buffered_.try_emplace(leaf.get(), Tensor());
      if (fresh) buffered_order_.push_back(leaf);
      it->second = sum_into(it->second, g);
      return;
    }
    if (capture_) capture_->store(leaf.get(), g);
    else accumulate_into_leaf(*leaf, std::move(g), create_);
  }

  // The leaf's gradient for this backward is complete: hooks, then .grad, then post-accumulate hooks.
  void finalize_leaf(const std::shared_ptr<TensorImpl>& leaf) {
    auto it = buffered_.find(leaf.get());
    if (it == buffered_.end()) return;
    Tensor g = std::move(it->second);
    buffered_.erase(it);
    std::erase(buffered_order_, leaf);
    const auto hooks = leaf->hooks;  // kept alive while its hooks run
    g = run_tensor_hooks(hooks->tensor, g, leaf->shape, leaf->dtype);
    if (capture_) return capture_->store(leaf.get(), g);
    accumulate_into_leaf(*leaf, std::move(g), create_);
    const Tensor handle(leaf);
    const auto post = hooks->post_accumulate.hooks;
    for (const auto& [id, hook] : post) hook(handle);
  }

  // A leaf's gradient is final once the sweep has passed the oldest entry that consumes it.
  void plan_leaf_finalization(std::size_t end) {
    std::unordered_map<TensorImpl*, std::pair<std::uint64_t, std::shared_ptr<TensorImpl>>> oldest;
    for (std::size_t i = 0; i < end; ++i)
      if (auto node = tape_.entries[i].node.lock())
        for (const auto& e : node->inputs)
          if (e.leaf && has_leaf_hooks(*e.leaf)) {
            auto [it, fresh] = oldest.try_emplace(e.leaf.get(), node->sequence, e.leaf);
            if (!fresh) it->second.first = std::min(it->second.first, node->sequence);
          }
    for (auto& [impl, due] : oldest) finalize_at_.push_back(std::move(due));
    std::sort(finalize_at_.begin(), finalize_at_.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  }

  void execute(const std::shared_ptr<Node>& node) {
    node->pending = false;
    --outstanding_;
    Tensor first_grad;  // single-output entries (almost all): no vector
    std::vector<Tensor> output_grads;
    if (node->multi_backward) {
      for (std::uint32_t nr = 0; nr < node->outputs.size(); ++nr) output_grads.push_back(take_output_grad(node, nr));
    } else {
      first_grad = take_output_grad(node, 0);
    }
    if (!node->has_backward()) second_backward(*node);
    std::vector<Tensor> grads;
    {
      const detail::Running outer = detail::running;
      detail::running = detail::Running{&node, create_};
      struct Restore {
        detail::Running r;
        ~Restore() { detail::running = r; }
      } restore{outer};
      grads = node->backward ? node->backward(first_grad) : node->multi_backward(output_grads);
    }
    ran_.push_back(node);
    if (grads.size() != node->inputs.size())
      throw std::runtime_error("backward of '" + node->name() + "' returned " + std::to_string(grads.size()) +
                               " gradients for " + std::to_string(node->inputs.size()) + " inputs");
    if (AnomalyMode::is_enabled())
      for (std::size_t i = 0; i < grads.size(); ++i)
        if (const char* bad = first_non_finite(grads[i]))
          raise_anomaly(*node, "the backward's gradient for input " + std::to_string(i), bad);
    for (std::size_t i = 0; i < grads.size(); ++i) {
      Edge& e = node->inputs[i];
      if (!grads[i].defined() || !e.needs_grad()) continue;
      check_grad_matches(grads[i], e, *node);
      if (create_ && !grads[i].requires_grad())
        throw std::runtime_error(
            "create_graph = true: the backward of '" + node->name() +
            "' is not differentiable (its gradient was computed off the tape, e.g. with raw loops over data<T>()), "
            "so a second derivative through it would silently be zero; write its backward with tapegrad ops");
      if (e.producer) deliver_node(e.producer, e.output_nr, grads[i]);
      else deliver_leaf(e.leaf, std::move(grads[i]));
    }
  }

  [[noreturn]] static void second_backward(const Node& node) {
    throw std::runtime_error(
        "Trying to backward through the graph a second time (or directly access saved tensors after they have "
        "already been freed). Saved intermediate values of the graph are freed when you call .backward(). "
        "Specify retain_graph = true if you need to backward through the graph a second time (op '" +
        node.name() + "').");
  }

  struct LaterFirst {
    bool operator()(const std::shared_ptr<Node>& a, const std::shared_ptr<Node>& b) const { return a->sequence < b->sequence; }
  };

  GradModeScope mode_;  // grad mode off for the sweep, or on under create_graph
  detail::Tape& tape_;
  bool retain_, create_;
  Capture* capture_;
  bool finished_ = false;
  std::uint64_t start_ = 0;  // sweep the local entries with a smaller sequence
  std::size_t outstanding_ = 0;  // entries holding a pending gradient
  std::vector<std::shared_ptr<Node>> touched_, ran_;
  std::priority_queue<std::shared_ptr<Node>, std::vector<std::shared_ptr<Node>>, LaterFirst> foreign_;
  std::unordered_map<TensorImpl*, Tensor> buffered_;  // leaves with hooks: this backward's sum so far
  std::vector<std::shared_ptr<TensorImpl>> buffered_order_;
  std::vector<std::pair<std::uint64_t, std::shared_ptr<TensorImpl>>> finalize_at_;  // ascending; popped from the back
  std::vector<Callback> queued_;
  std::vector<Callback>* outer_queue_ = nullptr;
};

// The upstream gradient of each root: given, or implicit ones for a one-element root.
Tensor root_gradient(const Tensor& root, const Tensor& gradient, std::size_t index) {
  if (!root.defined()) throw std::invalid_argument("backward: output " + std::to_string(index) + " is an undefined tensor");
  if (!root.requires_grad())
    throw std::runtime_error("element " + std::to_string(index) + " of tensors does not require grad and does not have a grad_fn");
  Tensor seed = gradient;
  if (!seed.defined()) {
    if (root.numel() != 1) throw std::runtime_error("grad can be implicitly created only for scalar outputs");
    seed = ones_like(root);
  }
  if (seed.shape() != root.shape() || seed.dtype() != root.dtype())
    throw std::invalid_argument("backward: the gradient has shape " + shape_str(seed.shape()) + " (" +
                                dtype_name(seed.dtype()) + ") but the tensor has shape " + shape_str(root.shape()) +
                                " (" + dtype_name(root.dtype()) + ")");
  return seed;
}

void check_gradients_count(const std::vector<Tensor>& roots, const std::vector<Tensor>& gradients) {
  if (!gradients.empty() && gradients.size() != roots.size())
    throw std::invalid_argument("grad_tensors should have the same length as tensors: got " +
                                std::to_string(gradients.size()) + " gradients for " + std::to_string(roots.size()) +
                                " tensors");
}

}  // namespace

void backward(const std::vector<Tensor>& roots, const std::vector<Tensor>& gradients, std::optional<bool> retain_graph,
              bool create_graph) {
  check_gradients_count(roots, gradients);
  std::vector<Tensor> seeds;
  for (std::size_t i = 0; i < roots.size(); ++i)
    seeds.push_back(root_gradient(roots[i], gradients.empty() ? Tensor() : gradients[i], i));
  Sweep sweep(retain_graph.value_or(create_graph), create_graph, nullptr);
  for (std::size_t i = 0; i < roots.size(); ++i) sweep.seed(roots[i], seeds[i]);
  sweep.run();
}

void backward(const Tensor& root, const Tensor& gradient, std::optional<bool> retain_graph, bool create_graph) {
  backward(std::vector<Tensor>{root}, std::vector<Tensor>{gradient}, retain_graph, create_graph);
}

std::vector<Tensor> grad(const std::vector<Tensor>& outputs, const std::vector<Tensor>& inputs,
                         const std::vector<Tensor>& grad_outputs, std::optional<bool> retain_graph, bool create_graph,
                         bool allow_unused) {
  check_gradients_count(outputs, grad_outputs);
  Capture capture;
  capture.grads.resize(inputs.size());
  for (std::size_t k = 0; k < inputs.size(); ++k) {
    const Tensor& in = inputs[k];
    if (!in.defined()) throw std::invalid_argument("grad: input " + std::to_string(k) + " is an undefined tensor");
    if (!in.requires_grad()) throw std::runtime_error("One of the differentiated Tensors does not require grad");
    const void* key = in.is_leaf() ? static_cast<const void*>(in.impl())
                                   : static_cast<const void*>(&in.impl()->grad_fn->outputs[in.impl()->output_nr]);
    capture.slots[key].push_back(k);
  }
  std::vector<Tensor> seeds;
  for (std::size_t i = 0; i < outputs.size(); ++i)
    seeds.push_back(root_gradient(outputs[i], grad_outputs.empty() ? Tensor() : grad_outputs[i], i));
  {
    Sweep sweep(retain_graph.value_or(create_graph), create_graph, &capture);
    for (std::size_t i = 0; i < outputs.size(); ++i) sweep.seed(outputs[i], seeds[i]);
    sweep.run();
  }
  for (std::size_t k = 0; k < inputs.size(); ++k) {
    if (capture.grads[k].defined() || allow_unused) continue;
    throw std::runtime_error(
        "One of the differentiated Tensors appears to not have been used in the graph. Set allow_unused = true if "
        "this is the desired behavior.");
  }
  return capture.grads;
}

}  // namespace tapegrad::autograd
