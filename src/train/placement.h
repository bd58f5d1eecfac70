// Where a training run computes: the device, and on CUDA channels-last weights and
// bfloat16 autocast (TrainOptions::device, channels_last, amp).
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <ostream>
#include <vector>

#include "robusthide/model.h"
#include "robusthide/train.h"

namespace robusthide::detail {

class Placement {
 public:
  // Parses o.device (throws InvalidArgument for an unknown or unavailable device);
  // channels-last and amp only take effect on CUDA.
  explicit Placement(const RunOptions& o);

  const torch::Device& device() const { return device_; }
  bool cuda() const { return cuda_; }
  bool amp() const { return amp_; }

  // Writes a note on `report` (when not null) for the options that do not apply on this
  // device: channels-last and amp on the CPU.
  void note_ignored(const RunOptions& o, std::ostream* report) const;

  // Moves the networks and Adam states of a restored or new run to the device (nothing on
  // the CPU); the optimizers keep pointing at the same parameter tensors. A run resumed at
  // `step` > 0 reseeds the CUDA generator from (seed, step), since checkpoints hold only
  // the CPU generator.
  // Null optimizers are skipped.
  void place(const std::vector<torch::nn::Module*>& networks,
             const std::vector<torch::optim::Optimizer*>& optimizers, uint64_t seed,
             int64_t step) const;

  // A CPU batch on the device (pinned memory and an asynchronous copy on CUDA).
  torch::Tensor batch(const torch::Tensor& cpu_batch) const;

 private:
  torch::Device device_{torch::kCPU};
  bool cuda_ = false, channels_last_ = false, amp_ = false;
};

// bfloat16 autocast on CUDA for the scope (nothing when `on` is false).
class AutocastGuard {
 public:
  explicit AutocastGuard(bool on);
  ~AutocastGuard();
  AutocastGuard(const AutocastGuard&) = delete;
  AutocastGuard& operator=(const AutocastGuard&) = delete;

 private:
  bool on_;
  bool previous_ = false;
};

}  // namespace robusthide::detail
