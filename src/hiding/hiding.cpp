// HidingModel and the hiding pipeline (hiding.h): the hider's residual through the one
// embedding pipeline's last step (add_residual, embedding.h), the reveal net after it.
#include "robusthide/hiding.h"

#include "hiding/networks.h"
#include "robusthide/embedding.h"

namespace robusthide {

HidingModel::HidingModel(const HidingConfig& c)
    : config(c), hider(make_hider(c)), revealer(make_revealer(c)) {}

void HidingModel::to(const torch::Device& device) {
  hider->to(device);
  revealer->to(device);
}

torch::Tensor hide_batch(const HidingModel& model, const torch::Tensor& cover,
                         const torch::Tensor& secret, double strength) {
  const torch::Tensor residual = model.hider->forward(secret, cover).to(torch::kFloat32);
  return add_residual(cover, residual, model.config.shaping, strength);
}

torch::Tensor reveal_batch(const HidingModel& model, const torch::Tensor& containers) {
  return model.revealer->forward(containers).to(torch::kFloat32);
}

}  // namespace robusthide
