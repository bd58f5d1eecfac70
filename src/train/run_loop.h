// The loop every trainer runs (bit models, image hiding): steps over the shuffled
// training set in epochs, a validation row at the end of each epoch (or every val_every
// steps), checkpoints every
// checkpoint_every steps, the progress bar and the wall-clock budget.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "robusthide/progress.h"
#include "robusthide/train.h"
#include "train/checkpoint.h"
#include "train/csv_log.h"
#include "train/options.h"
#include "train/output_folder.h"

namespace robusthide::detail {

// The files of a run in OUT: checkpoint.pt, model.pt, log.csv.
struct RunPaths {
  explicit RunPaths(const std::string& out_dir);
  std::string checkpoint, model, log;
};

// Locks the output folder (into `folder`) and, for a resume, reads the checkpoint and
// checks that the fixed options (`fixed`, "model" compared by `model_diff`), the number
// of training photos and the run's length allow continuing it; returns that checkpoint
// (null for a fresh run, whose log file is then registered for cleanup). Throws
// InvalidArgument for a fresh run into a folder that holds a checkpoint.
std::unique_ptr<Checkpoint> open_run(const RunOptions& o, const RunPaths& paths,
                                     const nlohmann::json& fixed, const ModelConfigDiff& model_diff,
                                     int64_t train_images, int64_t total_steps,
                                     std::unique_ptr<OutputFolder>& folder);

// Restores the networks, optimizers and training sums (`stat_count` values) of a resumed
// run into `contents` and `state`, and torch's generator; throws IoError naming the file.
void restore_run(Checkpoint& checkpoint, const CheckpointContents& contents, int64_t stat_count,
                 TrainState& state);

// Throws Error "training diverged at step N: <what> (lower --lr?); ..." saying which
// checkpoint is kept (`last_checkpoint` <= 0: none) and that no model file is written.
[[noreturn]] void diverged(int64_t step, const std::string& what, int64_t last_checkpoint);

// The provenance of a model a run writes: attack, steps, epochs, data, seed, commit, the
// time, the notes and the device.
Provenance run_provenance(const RunOptions& o, const std::string& attack_spec,
                          const TrainState& state, const std::string& device);

// What a trainer does at each point of the loop.
struct LoopSteps {
  std::function<void()> step;           // one optimizer step on next_batch()'s photos
  std::function<std::string()> status;  // the progress bar's text (running figures)
  std::function<void()> record;         // validate and append a log row
  std::function<void()> checkpoint;     // write OUT/checkpoint.pt
};

class RunLoop {
 public:
  // `state` is the run's (restored when resumed); the loop advances its step, epoch,
  // batch and permutation.
  RunLoop(const RunOptions& o, TrainState& state, int64_t total_steps, int64_t steps_per_epoch);

  // The photo indices of the step about to run: the next batch_size entries of the
  // epoch's random order (drawn from torch's generator at the start of an epoch).
  std::vector<int64_t> next_batch();

  // Runs steps until the run's length or the budget (max_minutes); returns true when the
  // budget stopped it. The caller then writes the final row and checkpoint.
  bool run(const LoopSteps& steps);

  // After run(): a last validation row when `unlogged_steps` were trained since the log's
  // last row (a run stopped mid-epoch, or a resumed one that crashed before its row), a
  // last checkpoint unless the step has one, and the bar's final state.
  void close(const TrainLog& log, double unlogged_steps, int64_t last_checkpoint_step,
             const LoopSteps& steps);
  // Whether the model file at `path` must be written: steps were trained by this call,
  // or there is none (a resumed run that was already complete keeps its model.pt).
  bool model_needs_writing(const std::string& path) const;

  // Clears the progress bar so a line can be printed.
  void clear_progress() { progress_->clear(); }
  // Draws the bar's final state.
  void finish() { progress_->finish(); }
  // Training wall time so far, all resumed parts together.
  double seconds() const;
  // The step this call started at.
  int64_t start_step() const { return start_step_; }

 private:
  const RunOptions& o_;
  TrainState& state_;
  const int64_t total_steps_, steps_per_epoch_;
  const bool show_;
  std::unique_ptr<ProgressBar> progress_;
  const int64_t start_step_;
  const double start_seconds_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

}  // namespace robusthide::detail
