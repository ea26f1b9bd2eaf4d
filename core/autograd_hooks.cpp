// Hooks, the only way out of a running backward (order documented in README "Autograd engine"):
// tensor hooks, post-accumulate hooks on leaves, and end-of-backward callbacks. Each registration
// returns a HookHandle whose remove() unregisters it. Hook lists are not locked: register and remove
// from the thread that runs backward, or while no backward runs.
#include <stdexcept>

#include "autograd_internal.hpp"

namespace tapegrad {
namespace autograd {

namespace detail {
extern std::atomic<std::int64_t> leaf_hooks_registered;
extern thread_local std::vector<Callback>* queued_callbacks;
}  // namespace detail

namespace {

thread_local std::shared_ptr<HookList<Callback>> backward_callbacks;

// Adds fn to list; the handle holds the list weakly, so removing after the tensor died is harmless.
template <class F> HookHandle add_hook(const std::shared_ptr<HookList<F>>& list, F fn, bool counts_as_leaf_hook) {
  const std::uint64_t id = list->next_id++;
  list->hooks.emplace_back(id, std::move(fn));
  if (counts_as_leaf_hook) ++detail::leaf_hooks_registered;
  return HookHandle([weak = std::weak_ptr<HookList<F>>(list), id, counts_as_leaf_hook] {
    auto l = weak.lock();
    if (!l) return;
    if (std::erase_if(l->hooks, [id](const auto& h) { return h.first == id; }) && counts_as_leaf_hook)
      --detail::leaf_hooks_registered;
  });
}

// The leaf's hook lists share the leaf's lifetime through an aliasing pointer (no separate owner).
template <class F> std::shared_ptr<HookList<F>> leaf_list(TensorImpl& impl, HookList<F> LeafHooks::*member) {
  if (!impl.hooks) impl.hooks = std::make_shared<LeafHooks>();
  return std::shared_ptr<HookList<F>>(impl.hooks, &((*impl.hooks).*member));
}

}  // namespace

void HookHandle::remove() {
  if (remover_) std::exchange(remover_, nullptr)();
}

HookHandle register_backward_callback(Callback fn) {
  if (!backward_callbacks) backward_callbacks = std::make_shared<HookList<Callback>>();
  return add_hook(backward_callbacks, std::move(fn), false);
}

void queue_callback(Callback fn) {
  if (!detail::queued_callbacks) throw std::runtime_error("Final callbacks can only be installed during backward pass.");
  detail::queued_callbacks->push_back(std::move(fn));
}

namespace detail {
void run_backward_callbacks() {
  if (!backward_callbacks) return;
  const auto callbacks = backward_callbacks->hooks;  // a callback may remove itself
  for (const auto& [id, fn] : callbacks) fn();
}
}  // namespace detail

}  // namespace autograd

autograd::HookHandle Tensor::register_hook(std::function<Tensor(const Tensor&)> hook) const {
  if (!requires_grad()) throw std::runtime_error("cannot register a hook on a tensor that doesn't require gradient");
  TensorImpl& impl = *impl_;
  if (impl.grad_fn) {
    auto& list = impl.grad_fn->outputs[impl.output_nr].hooks;
    if (!list) list = std::make_shared<autograd::HookList<autograd::TensorHook>>();
    return autograd::add_hook(list, autograd::TensorHook(std::move(hook)), false);
  }
  return autograd::add_hook(autograd::leaf_list(impl, &autograd::LeafHooks::tensor), autograd::TensorHook(std::move(hook)), true);
}

autograd::HookHandle Tensor::register_post_accumulate_grad_hook(std::function<void(const Tensor&)> hook) const {
  if (!requires_grad()) throw std::runtime_error("cannot register a hook on a tensor that doesn't require gradient");
  if (!is_leaf()) throw std::runtime_error("post accumulate grad hooks cannot be registered on non-leaf tensors");
  return autograd::add_hook(autograd::leaf_list(*impl_, &autograd::LeafHooks::post_accumulate),
                            autograd::PostAccumulateHook(std::move(hook)), true);
}

}  // namespace tapegrad
