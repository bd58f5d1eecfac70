#include "train/run_loop.h"

#include <filesystem>

#include "robusthide/error.h"
#include "robusthide/runtime.h"
#include "train/rng.h"
#include "train/run_info.h"

namespace robusthide::detail {
namespace {

bool show_progress(ProgressMode mode) {
  return mode == ProgressMode::kAlways || (mode == ProgressMode::kAuto && stderr_is_terminal());
}

}  // namespace

RunPaths::RunPaths(const std::string& out_dir) {
  const std::filesystem::path out(out_dir);
  checkpoint = (out / "checkpoint.pt").string();
  model = (out / "model.pt").string();
  log = (out / "log.csv").string();
}

std::unique_ptr<Checkpoint> open_run(const RunOptions& o, const RunPaths& paths,
                                     const nlohmann::json& fixed, const ModelConfigDiff& model_diff,
                                     int64_t train_images, int64_t total_steps,
                                     std::unique_ptr<OutputFolder>& folder) {
  folder = std::make_unique<OutputFolder>(o.out_dir);
  const std::string& path = paths.checkpoint;
  std::error_code ec;
  if (!o.resume) {
    if (std::filesystem::exists(path, ec)) {
      throw InvalidArgument("'" + o.out_dir +
                            "' already holds a checkpoint: resume it (--resume) or choose "
                            "another output folder");
    }
    folder->add_file(paths.log);
    return nullptr;
  }
  auto resumed = std::make_unique<Checkpoint>(path);
  const nlohmann::json stored = resumed->options().value("fixed", nlohmann::json::object());
  check_resume(stored, fixed, path, model_diff);
  if (resumed->state().train_images != train_images) {
    throw InvalidArgument("cannot resume from '" + path + "': the training data changed (" +
                          std::to_string(train_images) + " photos now, " +
                          std::to_string(resumed->state().train_images) + " in the checkpoint)");
  }
  if (resumed->state().step > total_steps) {
    throw InvalidArgument("cannot resume from '" + path + "': the run is at step " +
                          std::to_string(resumed->state().step) + ", beyond its new length of " +
                          std::to_string(total_steps) + " steps (nothing is changed)");
  }
  folder->keep();
  return resumed;
}

void restore_run(Checkpoint& checkpoint, const CheckpointContents& contents, int64_t stat_count,
                 TrainState& state) {
  checkpoint.restore(contents, stat_count);
  state = checkpoint.state();
  try {
    set_rng_state(state.rng_state);
  } catch (const c10::Error& e) {
    throw IoError("cannot load checkpoint '" + checkpoint.path() + "': bad generator state");
  }
}

void diverged(int64_t step, const std::string& what, int64_t last_checkpoint) {
  throw Error("training diverged at step " + std::to_string(step) + ": " + what +
              " (lower --lr?); " +
              (last_checkpoint > 0
                   ? "the checkpoint of step " + std::to_string(last_checkpoint) + " is kept"
                   : std::string("no checkpoint was written")) +
              " and no model.pt is written");
}

Provenance run_provenance(const RunOptions& o, const std::string& attack_spec,
                          const TrainState& state, const std::string& device) {
  Provenance p;
  p.attack = attack_spec;
  p.steps = state.step;
  p.epochs = state.epoch;
  for (const auto& folder : o.train_folders) p.data += (p.data.empty() ? "" : ";") + folder;
  p.seed = o.seed;
  p.commit = o.commit.empty() ? source_commit() : o.commit;
  p.created = utc_now_iso8601();
  p.notes = o.notes;
  p.device = device;
  return p;
}

RunLoop::RunLoop(const RunOptions& o, TrainState& state, int64_t total_steps,
                 int64_t steps_per_epoch)
    : o_(o),
      state_(state),
      total_steps_(total_steps),
      steps_per_epoch_(steps_per_epoch),
      show_(show_progress(o.progress)),
      start_step_(state.step),
      start_seconds_(state.seconds) {
  ProgressOptions bar;
  bar.enabled = show_;
  bar.total = total_steps;
  bar.first = state.step;
  bar.items_per_unit = o.batch_size;
  bar.time_limit_s = o.max_minutes * 60.0;
  progress_ = std::make_unique<ProgressBar>(bar);
}

double RunLoop::seconds() const {
  return start_seconds_ +
         std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

std::vector<int64_t> RunLoop::next_batch() {
  if (!state_.permutation.defined()) {
    state_.permutation = torch::randperm(state_.train_images, torch::kInt64);
  }
  const int64_t* order = state_.permutation.data_ptr<int64_t>() + state_.batch * o_.batch_size;
  return std::vector<int64_t>(order, order + o_.batch_size);
}

bool RunLoop::run(const LoopSteps& steps) {
  start_ = std::chrono::steady_clock::now();
  const double budget_seconds = o_.max_minutes * 60.0;
  while (state_.step < total_steps_) {
    steps.step();
    ++state_.step;
    ++state_.batch;
    const bool epoch_end = state_.batch == steps_per_epoch_;
    if (epoch_end) {
      ++state_.epoch;
      state_.batch = 0;
      state_.permutation = torch::Tensor();
    }
    if (show_) progress_->update(state_.step, steps.status());
    if (o_.val_every > 0 ? state_.step % o_.val_every == 0 : epoch_end) steps.record();
    if (o_.checkpoint_every > 0 && state_.step % o_.checkpoint_every == 0) steps.checkpoint();
    if (budget_seconds > 0 && state_.step < total_steps_ &&
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count() >=
            budget_seconds) {
      return true;
    }
  }
  return false;
}

}  // namespace robusthide::detail

namespace robusthide::detail {

void RunLoop::close(const TrainLog& log, double unlogged_steps, int64_t last_checkpoint_step,
                    const LoopSteps& steps) {
  if (log.last_step() != state_.step && unlogged_steps > 0) steps.record();
  if (last_checkpoint_step != state_.step) steps.checkpoint();
  progress_->finish();
}

bool RunLoop::model_needs_writing(const std::string& path) const {
  std::error_code ec;
  return state_.step != start_step_ || !std::filesystem::exists(path, ec);
}

}  // namespace robusthide::detail
