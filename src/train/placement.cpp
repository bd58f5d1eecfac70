#include "train/placement.h"

#include <ATen/autocast_mode.h>
#include <torch/version.h>

#include "robusthide/device.h"

namespace robusthide::detail {
namespace {

// Moves Adam's per-parameter state (created on the CPU by a checkpoint restore) next to
// the parameters.
void optimizer_state_to(torch::optim::Optimizer& optimizer, const torch::Device& device) {
  for (auto& entry : optimizer.state()) {
    auto* s = dynamic_cast<torch::optim::AdamParamState*>(entry.second.get());
    if (s == nullptr) continue;
    if (s->exp_avg().defined()) s->exp_avg(s->exp_avg().to(device));
    if (s->exp_avg_sq().defined()) s->exp_avg_sq(s->exp_avg_sq().to(device));
    if (s->max_exp_avg_sq().defined()) s->max_exp_avg_sq(s->max_exp_avg_sq().to(device));
  }
}

// Puts the 4-D weights of a network in channels-last order (the same values).
void to_channels_last(torch::nn::Module& module) {
  torch::NoGradGuard no_grad;
  for (auto& p : module.parameters()) {
    if (p.dim() == 4) p.set_data(p.contiguous(torch::MemoryFormat::ChannelsLast));
  }
}

}  // namespace

Placement::Placement(const RunOptions& o) : device_(parse_device(o.device)) {
  cuda_ = device_.is_cuda();
  channels_last_ = cuda_ && o.channels_last;
  amp_ = cuda_ && o.amp;
}

void Placement::note_ignored(const RunOptions& o, std::ostream* report) const {
  if (report == nullptr || cuda_ || !(o.channels_last || o.amp)) return;
  *report << "note: " << (o.channels_last ? "channels-last " : "")
          << (o.channels_last && o.amp ? "and " : "") << (o.amp ? "amp " : "")
          << "only apply on CUDA; ignored on the CPU" << std::endl;
}

void Placement::place(const std::vector<torch::nn::Module*>& networks,
                      const std::vector<torch::optim::Optimizer*>& optimizers, uint64_t seed,
                      int64_t step) const {
  if (!cuda_) return;
  for (torch::nn::Module* net : networks) {
    net->to(device_);  // replaces the parameters' data in place
    if (channels_last_) to_channels_last(*net);
  }
  for (torch::optim::Optimizer* optimizer : optimizers) {
    if (optimizer != nullptr) optimizer_state_to(*optimizer, device_);
  }
  // Random attacks on GPU tensors draw from the CUDA generator, which checkpoints do
  // not hold: a resumed run reseeds it from (seed, step) instead of replaying step 0's.
  if (step > 0) {
    torch::cuda::manual_seed_all(seed ^ (0x9E3779B97F4A7C15ULL * static_cast<uint64_t>(step)));
  }
}

torch::Tensor Placement::batch(const torch::Tensor& cpu_batch) const {
  if (!cuda_) return cpu_batch;
  torch::Tensor x = cpu_batch.pin_memory().to(device_, /*non_blocking=*/true);
  return channels_last_ ? x.contiguous(torch::MemoryFormat::ChannelsLast) : x;
}

// The C++ autocast API changed in LibTorch 2.4 (per-device functions); both spellings
// are long-stable.
AutocastGuard::AutocastGuard(bool on) : on_(on) {
  if (!on_) return;
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
  previous_ = at::autocast::is_autocast_enabled(at::kCUDA);
  at::autocast::set_autocast_dtype(at::kCUDA, at::kBFloat16);
  at::autocast::set_autocast_enabled(at::kCUDA, true);
#else
  previous_ = at::autocast::is_enabled();
  at::autocast::set_autocast_gpu_dtype(at::kBFloat16);
  at::autocast::set_enabled(true);
#endif
}

AutocastGuard::~AutocastGuard() {
  if (!on_) return;
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
  at::autocast::set_autocast_enabled(at::kCUDA, previous_);
#else
  at::autocast::set_enabled(previous_);
#endif
  if (!previous_) at::autocast::clear_cache();
}

}  // namespace robusthide::detail
