// tapegrad::distributed: collectives over MPI for data-parallel training (an optional component:
// target tapegrad::distributed, built when MPI is found; the core library never needs MPI).
//
// Every rank runs the same program (mpirun -np N ...). Collectives are called by all ranks in the same
// order with tensors of the same shape and dtype (float32, float64, int64); they work in place on
// contiguous tensors and bump their version.
#pragma once

#include <memory>
#include <string>

#include "../core/tensor.hpp"

namespace tapegrad::distributed {

enum class ReduceOp { kSum, kAvg, kMax };

// Starts MPI (once per process; later calls do nothing) and sets errors to be returned as exceptions
// instead of aborting. finalize() ends it; an Environment does both (RAII).
void init(int* argc = nullptr, char*** argv = nullptr);
void finalize();
bool is_initialized();
class Environment {
 public:
  Environment(int* argc = nullptr, char*** argv = nullptr) { init(argc, argv); }
  ~Environment() { finalize(); }
  Environment(const Environment&) = delete;
  Environment& operator=(const Environment&) = delete;
};

int rank();
int world_size();
void barrier();

// Ends every rank of the job at once (MPI_Abort) after printing "rank R: <message>" to stderr:
// what a rank does when it cannot go on, so the others never wait for it forever.
[[noreturn]] void abort_job(const std::string& message, int exit_code = 1);

// A non-blocking collective in flight. wait() returns when the tensor holds the result (and applies
// kAvg's division); it is called by the destructor if nobody did. Move-only.
class Work {
 public:
  Work();
  ~Work();
  Work(Work&&) noexcept;
  Work& operator=(Work&&) noexcept;
  void wait();
  bool completed() const;  // true once wait() returned (or for a default-constructed Work)

  struct State;

 private:
  friend Work start_all_reduce(Tensor&, ReduceOp);
  friend Work start_broadcast(Tensor&, int);
  std::unique_ptr<State> state_;
};

// Blocking: every rank's `tensor` becomes the reduction over all ranks (kAvg divides the sum by
// world_size; not for int64) / root's values.
void all_reduce(Tensor& tensor, ReduceOp op = ReduceOp::kSum);
void broadcast(Tensor& tensor, int root = 0);
// Non-blocking variants: `tensor` must stay alive and untouched until wait().
Work start_all_reduce(Tensor& tensor, ReduceOp op = ReduceOp::kSum);
Work start_broadcast(Tensor& tensor, int root = 0);

// Root's string on every rank (for agreeing on descriptions and error messages).
std::string broadcast_string(const std::string& value, int root = 0);

}  // namespace tapegrad::distributed
