// All-reduce bandwidth and DistributedDataParallel's cost on this machine. Run under MPI:
//   mpirun -np 2 build/bench/bench_allreduce            (as root: --allow-run-as-root --oversubscribe)
// Part 1: blocking all_reduce of float32 tensors from 4 KB to 16 MB: median time, algorithm bandwidth
// (bytes / time) and bus bandwidth (x 2(n-1)/n, the ring's per-link traffic, comparable across n).
// Part 2: the seed MLP's training step (batch 64 per rank): forward + backward alone, then with
// DistributedDataParallel at several bucket sizes; the difference is what communication costs after
// overlapping with backward. Only rank 0 prints.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <vector>

#include <tapegrad/distributed/collectives.hpp>
#include <tapegrad/distributed/data_parallel.hpp>
#include <tapegrad/tapegrad.hpp>

namespace tg = tapegrad;
namespace nn = tapegrad::nn;
namespace dist = tapegrad::distributed;

namespace {

using Clock = std::chrono::steady_clock;

template <class F> double median_seconds(int reps, F f) {
  std::vector<double> times;
  for (int i = 0; i < reps + 3; ++i) {
    dist::barrier();
    const auto t0 = Clock::now();
    f();
    const double t = std::chrono::duration<double>(Clock::now() - t0).count();
    if (i >= 3) times.push_back(t);  // 3 warm-up runs
  }
  std::sort(times.begin(), times.end());
  // Every rank reports the slowest rank's median: a collective ends when its last rank does.
  tg::Tensor worst = tg::full({1}, times[times.size() / 2], tg::kFloat64);
  dist::all_reduce(worst, dist::ReduceOp::kMax);
  return worst.item();
}

nn::Sequential seed_mlp() {
  return nn::Sequential(nn::Linear(784, 512), nn::ReLU(), nn::Linear(512, 256), nn::ReLU(), nn::Linear(256, 128),
                        nn::ReLU(), nn::Linear(128, 64), nn::ReLU(), nn::Linear(64, 10));
}

}  // namespace

int main(int argc, char** argv) {
  dist::Environment mpi(&argc, &argv);
  const bool root = dist::rank() == 0;
  const int n = dist::world_size();
  if (root) std::printf("ranks %d\nbytes,median_us,algbw_GBps,busbw_GBps\n", n);
  for (std::int64_t bytes = 4096; bytes <= (16 << 20); bytes *= 4) {
    tg::Tensor t = tg::ones({bytes / 4});
    const double s = median_seconds(30, [&] { dist::all_reduce(t); });
    if (root)
      std::printf("%lld,%.1f,%.3f,%.3f\n", static_cast<long long>(bytes), s * 1e6, bytes / s / 1e9,
                  bytes / s / 1e9 * 2.0 * (n - 1) / n);
  }

  tg::set_num_threads(1);
  tg::manual_seed(1);
  nn::Sequential model = seed_mlp();
  nn::CrossEntropyLoss criterion;
  const tg::Tensor x = tg::randn({64, 784}), y = tg::randint(0, 10, {64});
  auto step = [&] {
    model.zero_grad();
    criterion(model.forward(x), y).backward();
  };
  const double alone = median_seconds(50, step);
  if (root) std::printf("\nseed MLP step (batch 64 per rank, 1 thread)\nbucket_KB,buckets,step_ms,communication_ms\n");
  if (root) std::printf("none,0,%.3f,0\n", alone * 1e3);
  for (std::int64_t cap_kb : {64, 256, 512, 1024, 4096, 25600}) {
    dist::DistributedDataParallel ddp(model, dist::DistributedDataParallelOptions().bucket_cap_bytes(cap_kb * 1024));
    const double with = median_seconds(50, step);  // backward averages the gradients as it ends
    if (root)
      std::printf("%lld,%lld,%.3f,%.3f\n", static_cast<long long>(cap_kb), static_cast<long long>(ddp.bucket_count()),
                  with * 1e3, (with - alone) * 1e3);
  }
  return 0;
}
