// Progress of one training epoch, for watching a run.
// On a terminal, a live line rewritten in place (at most 10 times a second):
//   epoch 2: 412/938 batches  5230 samples/s  loss 0.312  ETA 0:42
// Every `report_every` batches, in any case (a pipe, a log file), the seed's line with the mean loss
// of those batches:
//   [2,   300] loss: 0.312
// Elsewhere only those: no terminal codes in a log.
#pragma once

#include <chrono>
#include <cstdint>

// Whether stdout is a terminal the live line can be drawn on: not a file or a pipe, and not the
// pseudo-terminal an MPI launcher gives each rank (Open MPI's mpirun does, even when its own output
// goes to a file).
bool stdout_is_terminal();

class EpochProgress {
 public:
  // quiet: count but print nothing (the ranks other than 0 of a distributed run).
  EpochProgress(int epoch, std::int64_t total_batches, bool interactive, std::int64_t report_every = 300,
                bool quiet = false);
  // After each training step: its loss and batch size.
  void batch_done(double loss, std::int64_t samples);
  // Clears the live line (call before printing the epoch's results).
  void finish();

  std::int64_t samples() const { return samples_; }
  double mean_loss() const { return batches_ ? epoch_loss_ / static_cast<double>(batches_) : 0.0; }

 private:
  void draw_live_line();
  using Clock = std::chrono::steady_clock;
  int epoch_;
  std::int64_t total_, report_every_;
  bool interactive_, quiet_;
  Clock::time_point start_ = Clock::now(), last_draw_{};
  std::int64_t batches_ = 0, samples_ = 0, window_batches_ = 0;
  double epoch_loss_ = 0, window_loss_ = 0;
};
