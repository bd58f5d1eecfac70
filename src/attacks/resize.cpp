// resize:S[:MODE]: rescale by S to round(S*H) x round(S*W) (at least 1x1). MODE is
// bilinear (default; half-pixel centres, no antialiasing), nearest (HiDDeN's choice),
// bicubic, or area (adaptive average pooling, meant for shrinking).
#include <algorithm>
#include <cmath>

#include "attacks/differentiable.h"
#include "robusthide/error.h"
#include "robusthide/text.h"

namespace robusthide {
namespace {

class ResizeImpl : public AttackImpl {
 public:
  ResizeImpl(double scale, std::string mode) : scale_(scale), mode_(std::move(mode)) {}

  torch::Tensor forward(const torch::Tensor& encoded, const torch::Tensor&) override {
    check_image_batch(encoded, spec());
    const int64_t h = std::max<int64_t>(1, std::llround(scale_ * encoded.size(2)));
    const int64_t w = std::max<int64_t>(1, std::llround(scale_ * encoded.size(3)));
    namespace F = torch::nn::functional;
    if (mode_ == "area")
      return F::adaptive_avg_pool2d(encoded, F::AdaptiveAvgPool2dFuncOptions({h, w}));
    auto opts = F::InterpolateFuncOptions().size(std::vector<int64_t>{h, w});
    if (mode_ == "nearest") return F::interpolate(encoded, opts.mode(torch::kNearest));
    if (mode_ == "bicubic")
      return F::interpolate(encoded, opts.mode(torch::kBicubic).align_corners(false));
    return F::interpolate(encoded, opts.mode(torch::kBilinear).align_corners(false));
  }

  std::string spec() const override { return "resize:" + format_number(scale_) + ":" + mode_; }
  bool deterministic() const override { return true; }

 private:
  double scale_;
  std::string mode_;
};

}  // namespace

Attack make_resize_attack(const SpecNode& spec) {
  const std::string usage = "resize:S[:nearest|bilinear|bicubic|area] with S in (0, 8]";
  spec.expect(2, {}, usage);
  const double scale = positive_param(spec, spec.positional(0), 8.0, "scale S");
  std::string mode = spec.positional(1) ? *spec.positional(1) : "bilinear";
  if (mode != "nearest" && mode != "bilinear" && mode != "bicubic" && mode != "area") {
    throw InvalidArgument("invalid spec '" + abbreviate(spec.text) + "': unknown interpolation '" +
                          mode + "'; expected " + usage);
  }
  return std::make_shared<ResizeImpl>(scale, std::move(mode));
}

}  // namespace robusthide
