#include "data_parallel.hpp"

#include <algorithm>
#include <cstring>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>

#include "../core/autograd.hpp"
#include "../core/ops.hpp"
#include "collectives.hpp"

namespace tapegrad::distributed {
namespace {

// "name dtype shape" per parameter and buffer: what every rank must agree on.
std::vector<std::string> describe(const nn::Module& module) {
  std::vector<std::string> lines;
  for (const auto& [name, p] : module.named_parameters())
    lines.push_back("parameter '" + name + "' " + dtype_name(p.dtype()) + " " + shape_str(p.shape()));
  for (const auto& [name, b] : module.named_buffers())
    lines.push_back("buffer '" + name + "' " + dtype_name(b.dtype()) + " " + shape_str(b.shape()));
  return lines;
}

std::string join(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

std::vector<std::string> split(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  return lines;
}

// The first difference between this rank's description and rank 0's, or "".
std::string first_mismatch(const std::vector<std::string>& mine, const std::vector<std::string>& root) {
  const int me = rank();
  for (std::size_t i = 0; i < std::max(mine.size(), root.size()); ++i) {
    if (i < mine.size() && i < root.size() && mine[i] == root[i]) continue;
    if (i >= mine.size()) return "rank " + std::to_string(me) + " lacks " + root[i] + " that rank 0 has";
    if (i >= root.size()) return "rank " + std::to_string(me) + " has " + mine[i] + " that rank 0 lacks";
    return "rank " + std::to_string(me) + " has " + mine[i] + " where rank 0 has " + root[i];
  }
  return "";
}

// Every rank agrees on the model's structure, or every rank throws naming the first mismatch.
void check_same_structure(const nn::Module& module) {
  const auto mine = describe(module);
  const std::string mismatch = first_mismatch(mine, split(broadcast_string(join(mine), 0)));
  // The first mismatching rank, as a max-reduction of world - r (world_size when nobody mismatches).
  const std::int64_t world = world_size();
  Tensor flag = full({1}, static_cast<double>(world - (mismatch.empty() ? world : rank())), kInt64);
  all_reduce(flag, ReduceOp::kMax);
  const std::int64_t culprit = world - flag.item<std::int64_t>();
  if (culprit == world) return;
  const std::string message = broadcast_string(mismatch, static_cast<int>(culprit));
  throw std::invalid_argument("DistributedDataParallel: the model differs between ranks: " + message);
}

}  // namespace

struct Bucket {
  std::vector<std::size_t> params;  // indices into Reducer::params
  std::vector<std::int64_t> offsets;
  std::int64_t numel = 0;  // of the gradients
  Dtype dtype = kFloat32;
  Tensor flat;            // the gradients, then the step counter
  std::size_t pending = 0;
  bool launched = false;
  Work work;
};

struct DistributedDataParallel::Reducer {
  std::vector<Tensor> params;
  std::vector<std::size_t> bucket_of;
  std::vector<Bucket> buckets;
  bool sync_enabled = true;
  bool callback_queued = false;     // finish() is queued to run at the end of the current backward
  bool synced_by_callback = false;  // ...and ran, so a synchronize() by hand has nothing left to do
  std::vector<autograd::HookHandle> hooks;
  std::size_t next_launch = 0;      // buckets [0, next_launch) are in flight
  std::int64_t step = 0;           // synchronisations so far
  std::optional<std::int64_t> user_step;

  Reducer(std::vector<Tensor> ps, std::int64_t cap_bytes) : params(std::move(ps)), bucket_of(params.size()) {
    // Reverse registration order: the order backward finishes the gradients.
    for (std::size_t k = params.size(); k-- > 0;) {
      const Tensor& p = params[k];
      const auto bytes = [&](std::int64_t numel) { return numel * static_cast<std::int64_t>(element_size(p.dtype())); };
      if (buckets.empty() || buckets.back().dtype != p.dtype() || bytes(buckets.back().numel + p.numel()) > cap_bytes) {
        buckets.emplace_back();
        buckets.back().dtype = p.dtype();
      }
      Bucket& b = buckets.back();
      b.params.push_back(k);
      b.offsets.push_back(b.numel);
      b.numel += p.numel();
      bucket_of[k] = buckets.size() - 1;
    }
    for (auto& b : buckets) {
      b.flat = zeros({b.numel + 1}, b.dtype);  // + the step counter
      b.pending = b.params.size();
    }
  }

  // The counter value carried by step `s`: small integers stay exact in float32 sums.
  double counter() const { return static_cast<double>(user_step.value_or(step) % (1 << 16) + 1); }

  // A parameter's gradient is final for this backward (its post-accumulate hook).
  void grad_ready(std::size_t k) {
    if (!sync_enabled) return;
    if (!callback_queued) {
      callback_queued = true;
      synced_by_callback = false;
      autograd::queue_callback([this] {
        callback_queued = false;
        finish();
        synced_by_callback = true;
      });
    }
    Bucket& b = buckets[bucket_of[k]];
    if (b.launched || b.pending == 0) return;
    if (--b.pending == 0) launch_ready_in_order();
  }

  // Collectives must be issued in the same order on every rank, but the order in which gradients
  // become final may differ between processes: buckets are launched strictly in bucket order, each
  // as soon as it and all the buckets before it are ready.
  void launch_ready_in_order() {
    while (next_launch < buckets.size() && buckets[next_launch].pending == 0) launch(buckets[next_launch++]);
  }

  void launch(Bucket& b) {
    NoGradGuard no_grad;
    dispatch_floating(b.dtype, "DistributedDataParallel", [&](auto tag) {
      using T = decltype(tag);
      T* flat = b.flat.template data<T>();
      for (std::size_t i = 0; i < b.params.size(); ++i) {
        const Tensor g = params[b.params[i]].grad();
        const std::int64_t n = params[b.params[i]].numel();
        if (g.defined()) std::memcpy(flat + b.offsets[i], g.template data<T>(), n * sizeof(T));
        else std::fill(flat + b.offsets[i], flat + b.offsets[i] + n, T{0});
      }
      flat[b.flat.numel() - 1] = static_cast<T>(counter());
    });
    b.launched = true;
    b.work = start_all_reduce(b.flat, ReduceOp::kSum);
  }

  void finish() {
    while (next_launch < buckets.size()) launch(buckets[next_launch++]);  // in order, ready or not
    next_launch = 0;
    const double world = world_size();
    std::string mismatch;
    for (auto& b : buckets) {
      b.work.wait();
      NoGradGuard no_grad;
      dispatch_floating(b.dtype, "DistributedDataParallel", [&](auto tag) {
        using T = decltype(tag);
        const T* flat = b.flat.template data<T>();
        const double got = static_cast<double>(flat[b.flat.numel() - 1]);
        if (got != world * counter() && mismatch.empty())
          mismatch = "the ranks are not at the same step (step counters sum to " + std::to_string(got) +
                     ", expected " + std::to_string(world * counter()) + " on rank " + std::to_string(rank()) +
                     "): a rank skipped or repeated a backward";
        for (std::size_t i = 0; i < b.params.size(); ++i) {
          Tensor p = params[b.params[i]];
          Tensor g = p.grad();
          if (!g.defined()) {
            g = empty(p.shape(), p.dtype());
            p.set_grad(g);
            g = p.grad();
          }
          T* dst = g.template data<T>();
          const T scale = static_cast<T>(1.0 / world);
          for (std::int64_t j = 0, n = p.numel(); j < n; ++j) dst[j] = flat[b.offsets[i] + j] * scale;
          g.bump_version();
        }
      });
      b.launched = false;
      b.pending = b.params.size();
    }
    ++step;
    user_step.reset();
    if (!mismatch.empty()) throw std::runtime_error("DistributedDataParallel: " + mismatch);
  }
};

DistributedDataParallel::DistributedDataParallel(nn::Module& module, DistributedDataParallelOptions options)
    : module_(module), options_(options) {
  if (!is_initialized())
    throw std::runtime_error("DistributedDataParallel: call distributed::init() first (and start with mpirun)");
  if (options_.bucket_cap_bytes() < 1)
    throw std::invalid_argument("DistributedDataParallel: bucket_cap_bytes must be positive, got " +
                                std::to_string(options_.bucket_cap_bytes()));
  check_same_structure(module_);
  {
    NoGradGuard no_grad;
    for (auto& p : module_.parameters()) broadcast(p, 0);
    if (options_.broadcast_buffers())
      for (auto& [name, b] : module_.named_buffers()) broadcast(b, 0);
  }
  reducer_ = std::make_unique<Reducer>(module_.parameters(), options_.bucket_cap_bytes());
  Reducer* reducer = reducer_.get();
  for (std::size_t k = 0; k < reducer->params.size(); ++k)
    reducer->hooks.push_back(
        reducer->params[k].register_post_accumulate_grad_hook([reducer, k](const Tensor&) { reducer->grad_ready(k); }));
}

DistributedDataParallel::~DistributedDataParallel() {
  for (auto& hook : reducer_->hooks) hook.remove();
}

std::int64_t DistributedDataParallel::bucket_count() const { return static_cast<std::int64_t>(reducer_->buckets.size()); }
std::int64_t DistributedDataParallel::steps_synchronized() const { return reducer_->step; }

void DistributedDataParallel::set_step(std::int64_t step) {
  if (step < 0) throw std::invalid_argument("DistributedDataParallel::set_step: step must be >= 0, got " + std::to_string(step));
  reducer_->user_step = step;
}

void DistributedDataParallel::synchronize() {
  if (!reducer_->sync_enabled) return;
  if (reducer_->synced_by_callback) {  // the end of the backward already did it
    reducer_->synced_by_callback = false;
    return;
  }
  reducer_->finish();
}

DistributedDataParallel::NoSync::NoSync(DistributedDataParallel& ddp) : ddp_(ddp), previous_(ddp.reducer_->sync_enabled) {
  ddp_.reducer_->sync_enabled = false;
}
DistributedDataParallel::NoSync::~NoSync() { ddp_.reducer_->sync_enabled = previous_; }

}  // namespace tapegrad::distributed
