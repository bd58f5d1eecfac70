// torch's global CPU generator: its state for checkpoints, and a guard that keeps it.
#pragma once

#include <torch/torch.h>

namespace robusthide::detail {

// The state of torch's default CPU generator (a uint8 tensor).
torch::Tensor rng_state();
// Restores a state from rng_state(); throws c10::Error on a malformed one.
void set_rng_state(const torch::Tensor& state);

// Saves the generator's state and puts it back on scope exit (validation and trial
// attacks leave the training sequence as it was).
class RngStateGuard {
 public:
  RngStateGuard() : state_(rng_state()) {}
  ~RngStateGuard() { set_rng_state(state_); }
  RngStateGuard(const RngStateGuard&) = delete;
  RngStateGuard& operator=(const RngStateGuard&) = delete;

 private:
  torch::Tensor state_;
};

}  // namespace robusthide::detail
