#include "progress.hpp"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>

namespace {
constexpr const char* kClearLine = "\r\033[K";
}

bool stdout_is_terminal() {
  // Set in every rank by Open MPI's mpirun, MPICH's and Intel MPI's launchers, and PMIx ones (srun).
  for (const char* launcher_variable : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK"})
    if (std::getenv(launcher_variable)) return false;
  return isatty(fileno(stdout)) != 0;
}

EpochProgress::EpochProgress(int epoch, std::int64_t total_batches, bool interactive, std::int64_t report_every,
                             bool quiet)
    : epoch_(epoch), total_(total_batches), report_every_(report_every), interactive_(interactive && !quiet), quiet_(quiet) {}

void EpochProgress::batch_done(double loss, std::int64_t samples) {
  ++batches_;
  samples_ += samples;
  epoch_loss_ += loss;
  window_loss_ += loss;
  ++window_batches_;
  if (!quiet_ && batches_ % report_every_ == 0) {
    std::printf("%s[%d, %5lld] loss: %.3f\n", interactive_ ? kClearLine : "", epoch_, static_cast<long long>(batches_),
                window_loss_ / static_cast<double>(window_batches_));
    window_loss_ = 0;
    window_batches_ = 0;
    last_draw_ = {};  // redraw the live line under the report at once
  }
  if (interactive_ && Clock::now() - last_draw_ >= std::chrono::milliseconds(100)) draw_live_line();
}

void EpochProgress::draw_live_line() {
  last_draw_ = Clock::now();
  const double seconds = std::chrono::duration<double>(last_draw_ - start_).count();
  const double rate = seconds > 0 ? static_cast<double>(samples_) / seconds : 0.0;
  // The running loss: the mean since the last report (or of the last report's window, just after one).
  const double running = window_batches_ ? window_loss_ / static_cast<double>(window_batches_) : epoch_loss_ / static_cast<double>(batches_);
  const auto eta = static_cast<long long>(seconds / static_cast<double>(batches_) * static_cast<double>(total_ - batches_) + 0.5);
  std::printf("%sepoch %d: %lld/%lld batches  %.0f samples/s  loss %.3f  ETA %lld:%02lld", kClearLine, epoch_,
              static_cast<long long>(batches_), static_cast<long long>(total_), rate, running, eta / 60, eta % 60);
  std::fflush(stdout);
}

void EpochProgress::finish() {
  if (interactive_) std::printf("%s", kClearLine);
}
