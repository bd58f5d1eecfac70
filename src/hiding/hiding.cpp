// HidingModel and the hiding pipeline (hiding.h): the hider's residual through the one
// embedding pipeline's last step (add_residual, embedding.h), the reveal net after it.
#include "robusthide/hiding.h"

#include "hiding/networks.h"
#include "model/eval_mode.h"
#include "robusthide/embedding.h"
#include "robusthide/error.h"
#include "robusthide/tensor.h"
#include "watermark/resample.h"

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

Image hide_image(const HidingModel& model, const Image& cover, const Image& secret,
                 double strength) {
  detail::check_image(cover, "hide: cover");
  detail::check_image(secret, "hide: secret");
  check_strength(strength, "cannot hide: strength");
  torch::NoGradGuard no_grad;
  EvalModeGuard eval(*model.hider);
  const int64_t size = model.config.image_size;
  const torch::Tensor small_secret = detail::to_model_size(secret, size);
  const torch::Tensor small_cover = detail::to_model_size(cover, size);
  const torch::Tensor residual =
      model.hider->forward(small_secret, small_cover).to(torch::kFloat32).contiguous();
  if (!torch::isfinite(residual).all().item<bool>()) {
    throw Error(
        "cannot hide: the hiding net produced non-finite values (NaN or infinity): the "
        "model is diverged or corrupt");
  }
  const Shaping& shaping = model.config.shaping;
  if (cover.width == size && cover.height == size) {
    return tensor_to_images(add_residual(small_cover, residual, shaping, strength)).at(0);
  }
  return detail::add_resampled(cover, (strength * shape_chroma(residual, shaping)).contiguous(),
                               shaping);
}

Image secret_at_model_size(const HidingModel& model, const Image& secret) {
  detail::check_image(secret, "hide: secret");
  return tensor_to_images(detail::to_model_size(secret, model.config.image_size)).at(0);
}

Image reveal_image(const HidingModel& model, const Image& container) {
  detail::check_image(container, "reveal");
  torch::NoGradGuard no_grad;
  EvalModeGuard eval(*model.revealer);
  return tensor_to_images(
             reveal_batch(model, detail::to_model_size(container, model.config.image_size)))
      .at(0);
}

}  // namespace robusthide
