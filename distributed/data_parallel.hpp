// DistributedDataParallel: data-parallel training of one model replica per rank. At construction it
// broadcasts rank 0's parameters and buffers (after checking every rank has the same names, shapes
// and dtypes); after each backward the parameters' gradients are averaged over the ranks, so every
// replica takes the same optimizer step.
//
// Gradients are averaged in buckets (parameters in reverse registration order, the order backward
// produces them, up to bucket_cap_bytes each): a bucket's all-reduce starts as soon as its last
// gradient is final (a post-accumulate hook), while backward still runs on earlier layers, and all are
// waited for at the end of the backward (an end-of-backward callback), before the optimizer reads them.
// Each bucket carries a step counter, so a rank that skipped or repeated a step is detected instead of
// silently mixing gradients of different steps.
//
// A parameter that got no gradient in a step on some rank contributes zeros there; after the step it
// holds the average over the ranks (zeros when unused everywhere), never an undefined gradient.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "../core/arg.hpp"
#include "../nn/module.hpp"

namespace tapegrad::distributed {

struct DistributedDataParallelOptions {
  // Measured on the seed MLP (bench/README.md): small enough that its 2.3 MB of gradients span
  // several buckets, so communication overlaps the rest of backward.
  TAPEGRAD_ARG(std::int64_t, bucket_cap_bytes) = 512 * 1024;
  TAPEGRAD_ARG(bool, broadcast_buffers) = true;  // rank 0's buffers (BatchNorm statistics) at construction
};

class DistributedDataParallel {
 public:
  // `module` must outlive this object; every rank constructs it in the same order.
  explicit DistributedDataParallel(nn::Module& module, DistributedDataParallelOptions options = {});
  ~DistributedDataParallel();
  DistributedDataParallel(const DistributedDataParallel&) = delete;
  DistributedDataParallel& operator=(const DistributedDataParallel&) = delete;

  // The step the next backward belongs to (e.g. epoch * batches + batch; call it before backward),
  // checked against the other ranks' with the buckets: a rank that skipped a batch is caught at its
  // next backward. Without it, the count of synchronisations so far is used.
  void set_step(std::int64_t step);

  nn::Module& module() { return module_; }
  const DistributedDataParallelOptions& options() const { return options_; }
  std::int64_t bucket_count() const;
  std::int64_t steps_synchronized() const;

  // Averages the gradients of the backward that just ran. Runs by itself at the end of every backward
  // that reached the parameters (an end-of-backward callback); callable by hand, when it does nothing if
  // that already happened.
  void synchronize();

  // While a NoSync guard lives, backward accumulates gradients locally without communicating
  // (gradient accumulation); the first backward after it averages the accumulated gradients.
  class NoSync {
   public:
    explicit NoSync(DistributedDataParallel& ddp);
    ~NoSync();
    NoSync(const NoSync&) = delete;
    NoSync& operator=(const NoSync&) = delete;

   private:
    DistributedDataParallel& ddp_;
    bool previous_;
  };
  NoSync no_sync() { return NoSync(*this); }

  struct Reducer;

 private:
  nn::Module& module_;
  DistributedDataParallelOptions options_;
  std::unique_ptr<Reducer> reducer_;
};

}  // namespace tapegrad::distributed
