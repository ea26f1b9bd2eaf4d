#include "collectives.hpp"

#include <mpi.h>

#include <cstdio>
#include <limits>
#include <stdexcept>
#include <string>

#include "../core/autograd.hpp"
#include "../core/ops.hpp"

namespace tapegrad::distributed {
namespace {

bool we_initialized = false;

std::string mpi_error_text(int code) {
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  MPI_Error_string(code, text, &length);
  return std::string(text, static_cast<std::size_t>(length));
}

void check(int code, const char* call) {
  if (code != MPI_SUCCESS)
    throw std::runtime_error(std::string("distributed: ") + call + " failed on rank " + std::to_string(rank()) + ": " +
                             mpi_error_text(code));
}

void require_initialized(const char* what) {
  if (!is_initialized())
    throw std::runtime_error(std::string("distributed::") + what +
                             ": MPI is not initialized; call distributed::init() first (and start the program "
                             "with mpirun)");
}

MPI_Datatype mpi_type(const Tensor& t, const char* what) {
  if (!t.defined()) throw std::invalid_argument(std::string("distributed::") + what + ": the tensor is undefined");
  switch (t.dtype()) {
    case Dtype::kFloat32: return MPI_FLOAT;
    case Dtype::kFloat64: return MPI_DOUBLE;
    case Dtype::kInt64: return MPI_INT64_T;
  }
  throw std::invalid_argument(std::string("distributed::") + what + ": unsupported dtype");
}

int mpi_count(const Tensor& t, const char* what) {
  if (t.numel() > std::numeric_limits<int>::max())
    throw std::invalid_argument(std::string("distributed::") + what + ": a tensor of " + std::to_string(t.numel()) +
                                " elements is more than one MPI call takes; split it");
  return static_cast<int>(t.numel());
}

MPI_Op mpi_op(ReduceOp op) { return op == ReduceOp::kMax ? MPI_MAX : MPI_SUM; }

}  // namespace

struct Work::State {
  MPI_Request request = MPI_REQUEST_NULL;
  Tensor tensor;
  bool average = false;
};

void init(int* argc, char*** argv) {
  if (is_initialized()) return;
  int provided = 0;
  check(MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided), "MPI_Init_thread");
  we_initialized = true;
  // Failures come back as codes (turned into exceptions) instead of ending the process silently.
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
}

void finalize() {
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (we_initialized && !finalized) MPI_Finalize();
  we_initialized = false;
}

bool is_initialized() {
  int initialized = 0, finalized = 0;
  MPI_Initialized(&initialized);
  MPI_Finalized(&finalized);
  return initialized && !finalized;
}

int rank() {
  if (!is_initialized()) return 0;
  int r = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &r);
  return r;
}

int world_size() {
  require_initialized("world_size");
  int n = 1;
  MPI_Comm_size(MPI_COMM_WORLD, &n);
  return n;
}

void barrier() {
  require_initialized("barrier");
  check(MPI_Barrier(MPI_COMM_WORLD), "MPI_Barrier");
}

void abort_job(const std::string& message, int exit_code) {
  std::fprintf(stderr, "rank %d: %s\n", rank(), message.c_str());
  std::fflush(stderr);
  if (is_initialized()) MPI_Abort(MPI_COMM_WORLD, exit_code);
  std::_Exit(exit_code);
}

Work::Work() = default;
Work::~Work() {
  if (state_) {
    try {
      wait();
    } catch (...) {
      // A destructor must not throw; the failure was the caller's to see through wait().
    }
  }
}
Work::Work(Work&&) noexcept = default;
Work& Work::operator=(Work&& other) noexcept {
  if (this != &other) {
    if (state_) {
      try { wait(); } catch (...) {}
    }
    state_ = std::move(other.state_);
  }
  return *this;
}

bool Work::completed() const { return !state_; }

void Work::wait() {
  if (!state_) return;
  std::unique_ptr<State> state = std::move(state_);
  check(MPI_Wait(&state->request, MPI_STATUS_IGNORE), "MPI_Wait");
  if (state->average) {
    NoGradGuard no_grad;
    mul_(state->tensor, 1.0 / world_size());
  }
}

Work start_all_reduce(Tensor& tensor, ReduceOp op) {
  require_initialized("all_reduce");
  const MPI_Datatype type = mpi_type(tensor, "all_reduce");
  if (op == ReduceOp::kAvg && !tensor.is_floating_point())
    throw std::invalid_argument("distributed::all_reduce: kAvg needs a floating-point tensor, got int64");
  tensor.begin_inplace("all_reduce");
  Work work;
  work.state_ = std::make_unique<Work::State>();
  work.state_->tensor = tensor;
  work.state_->average = op == ReduceOp::kAvg;
  check(MPI_Iallreduce(MPI_IN_PLACE, tensor.raw_data(), mpi_count(tensor, "all_reduce"), type, mpi_op(op),
                       MPI_COMM_WORLD, &work.state_->request),
        "MPI_Iallreduce");
  return work;
}

Work start_broadcast(Tensor& tensor, int root) {
  require_initialized("broadcast");
  const MPI_Datatype type = mpi_type(tensor, "broadcast");
  if (root < 0 || root >= world_size())
    throw std::out_of_range("distributed::broadcast: root " + std::to_string(root) + " is not a rank of a world of " +
                            std::to_string(world_size()));
  tensor.begin_inplace("broadcast");
  Work work;
  work.state_ = std::make_unique<Work::State>();
  work.state_->tensor = tensor;
  check(MPI_Ibcast(tensor.raw_data(), mpi_count(tensor, "broadcast"), type, root, MPI_COMM_WORLD,
                   &work.state_->request),
        "MPI_Ibcast");
  return work;
}

std::string broadcast_string(const std::string& value, int root) {
  require_initialized("broadcast_string");
  std::int64_t length = static_cast<std::int64_t>(value.size());
  check(MPI_Bcast(&length, 1, MPI_INT64_T, root, MPI_COMM_WORLD), "MPI_Bcast");
  std::string out = rank() == root ? value : std::string(static_cast<std::size_t>(length), '\0');
  check(MPI_Bcast(out.data(), static_cast<int>(length), MPI_CHAR, root, MPI_COMM_WORLD), "MPI_Bcast");
  return out;
}

void all_reduce(Tensor& tensor, ReduceOp op) { start_all_reduce(tensor, op).wait(); }
void broadcast(Tensor& tensor, int root) { start_broadcast(tensor, root).wait(); }

}  // namespace tapegrad::distributed
