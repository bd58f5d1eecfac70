// The one embedding pipeline at the model's resolution (embedding.h).
#include "robusthide/embedding.h"

#include <cmath>
#include <cstdio>
#include <string>

#include "robusthide/error.h"
#include "watermark/shaping.h"

namespace robusthide {
namespace {

namespace F = torch::nn::functional;

torch::Tensor luma(const torch::Tensor& x) {
  return 0.299 * x.select(1, 0) + 0.587 * x.select(1, 1) + 0.114 * x.select(1, 2);
}

}  // namespace

void check_strength(double strength, const std::string& what) {
  if (!(strength >= kMinStrength && strength <= kMaxStrength)) {
    char text[160];
    std::snprintf(text, sizeof text, "%s must be in [%g, %g], got %g", what.c_str(), kMinStrength,
                  kMaxStrength, strength);
    throw InvalidArgument(text);
  }
}

torch::Tensor shaping_mask(const torch::Tensor& cover, const Shaping& shaping) {
  const int64_t n = cover.size(0), h = cover.size(2), w = cover.size(3);
  if (detail::mask_is_one(shaping)) return torch::ones({n, 1, h, w}, cover.options());
  torch::NoGradGuard no_grad;
  // In double, as the row-by-row path (resample.cpp): one formula, one precision.
  const torch::Tensor y =
      (luma(cover.detach().to(torch::kCPU, torch::kFloat64)) * 255.0).unsqueeze(1);
  const auto pool = F::AvgPool2dFuncOptions(detail::kMaskWindow)
                        .stride(1)
                        .padding(detail::kMaskWindow / 2)
                        .count_include_pad(false);
  const torch::Tensor mean = F::avg_pool2d(y, pool);
  const torch::Tensor variance = F::avg_pool2d(y * y, pool) - mean * mean;
  torch::Tensor mask = torch::empty({n, 1, h, w}, torch::kFloat32);
  const double* m = mean.data_ptr<double>();
  const double* v = variance.data_ptr<double>();
  float* out = mask.data_ptr<float>();
  const auto& lum = detail::luminance_adaptation_table();
  for (int64_t i = 0; i < mask.numel(); ++i) out[i] = detail::mask_value(shaping, lum, m[i], v[i]);
  return mask.to(cover.device(), cover.scalar_type());
}

torch::Tensor shape_chroma(const torch::Tensor& residual, const Shaping& shaping) {
  if (shaping.chroma == 1.0) return residual;
  const torch::Tensor y = luma(residual).unsqueeze(1);
  return shaping.chroma == 0.0 ? y.expand_as(residual) : y + shaping.chroma * (residual - y);
}

torch::Tensor quantize_8bit(const torch::Tensor& x) {
  const torch::Tensor clamped = x.clamp(0, 1);
  const torch::Tensor q = (clamped.detach() * 255.0).round_() / 255.0;
  return clamped + (q - clamped).detach();
}

torch::Tensor shaped_residual(const Model& model, const torch::Tensor& cover,
                              const torch::Tensor& message, double strength) {
  const torch::Tensor residual = model.encoder->forward(cover, message).to(torch::kFloat32) - cover;
  return shape_chroma(residual, model.config.shaping) * strength;
}

torch::Tensor add_residual(const torch::Tensor& cover, const torch::Tensor& residual,
                           const Shaping& shaping, double strength) {
  if (!(std::isfinite(strength) && strength > 0)) {
    throw InvalidArgument("cannot embed: strength must be finite and > 0, got " +
                          std::to_string(strength));
  }
  const torch::Tensor shaped = shape_chroma(residual, shaping) * strength;
  const torch::Tensor marked =
      detail::mask_is_one(shaping) ? cover + shaped : cover + shaping_mask(cover, shaping) * shaped;
  return quantize_8bit(marked);
}

torch::Tensor embed_batch(const Model& model, const torch::Tensor& cover,
                          const torch::Tensor& message, double strength) {
  const torch::Tensor residual = model.encoder->forward(cover, message).to(torch::kFloat32) - cover;
  return add_residual(cover, residual, model.config.shaping, strength);
}

torch::Tensor read_batch(const Model& model, const torch::Tensor& images) {
  return model.decoder->forward(images).to(torch::kFloat32);
}

}  // namespace robusthide
