// Dispatch of the differentiable attacks and their shared helpers.
#include "attacks/differentiable.h"

#include <cstdio>
#include <functional>
#include <map>

#include "attacks/factories.h"
#include "robusthide/error.h"
#include "robusthide/text.h"

namespace robusthide {

Attack make_differentiable_attack(const SpecNode& spec) {
  static const std::map<std::string, std::function<Attack(const SpecNode&)>> kFactories = {
      {"crop", make_crop_attack},           {"cropout", make_cropout_attack},
      {"dropout", make_dropout_attack},     {"resize", make_resize_attack},
      {"blur", make_blur_attack},           {"noise", make_noise_attack},
      {"jpeg-mask", make_jpeg_mask_attack}, {"jpeg-drop", make_jpeg_drop_attack},
      {"quant", make_quantization_attack},  {"diffjpeg", make_diff_jpeg_attack},
  };
  const auto it = kFactories.find(spec.name);
  return it == kFactories.end() ? nullptr : it->second(spec);
}

const char* differentiable_attack_usage() {
  return "crop:F[:FW], cropout:F[:FW], dropout:P, resize:S[:nearest|bilinear|bicubic|area], "
         "blur[:SIGMA[:K]], noise:STD, jpeg-mask, jpeg-drop[:Q], quant, diffjpeg:Q[:420|444]";
}

double positive_param(const SpecNode& spec, const std::string* value, double hi,
                      const std::string& what) {
  double v = 0.0;
  try {
    v = spec.double_param(value, 0.0, hi, what);
  } catch (const InvalidArgument&) {
    if (value == nullptr) throw;  // "missing ..." is right as it is
  }
  if (!(v > 0.0)) {
    // Also for values double_param refused (nan, inf, out of range): state (0, hi].
    throw InvalidArgument(spec.name + ": " + what + " must be a number in (0, " +
                          format_number(hi) + "], got '" + abbreviate(*value) + "' in spec '" +
                          abbreviate(spec.text) + "'");
  }
  return v;
}

void check_image_batch(const torch::Tensor& x, const std::string& spec) {
  TORCH_CHECK(x.dim() == 4 && x.size(1) == 3 && x.size(2) > 0 && x.size(3) > 0, "attack '", spec,
              "' expects an (N,3,H,W) batch, got ", x.sizes());
  TORCH_CHECK(x.is_floating_point(), "attack '", spec, "' expects a floating-point batch, got ",
              x.scalar_type());
}

void check_cover(const torch::Tensor& encoded, const torch::Tensor& cover,
                 const std::string& spec) {
  check_image_batch(encoded, spec);
  TORCH_CHECK(cover.defined() && cover.sizes() == encoded.sizes(), "attack '", spec,
              "' needs a cover of the encoded batch's shape ", encoded.sizes(), ", got ",
              cover.defined() ? cover.sizes() : torch::IntArrayRef{});
}

}  // namespace robusthide
