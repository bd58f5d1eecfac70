// jpeg-mask (HiDDeN's JPEG-Mask): RGB -> YCbCr, 8x8 block DCT, keep only the 5x5
// lowest-frequency coefficients of Y and 3x3 of Cb and Cr, inverse DCT -> RGB. A linear
// map. Sizes that are not multiples of 8 are replicate-padded and cropped back.
#include "attacks/color.h"
#include "attacks/dct.h"
#include "attacks/differentiable.h"

namespace robusthide {
namespace {

class JpegMaskImpl : public AttackImpl {
 public:
  torch::Tensor forward(const torch::Tensor& encoded, const torch::Tensor&) override {
    check_image_batch(encoded, spec());
    const auto opts = encoded.options().requires_grad(false);
    const auto f = torch::arange(8, opts);
    const auto lowest = [&](int k) { return (f.view({8, 1}) < k) & (f.view({1, 8}) < k); };
    const auto mask = torch::stack({lowest(5), lowest(3), lowest(3)}).view({1, 3, 64, 1, 1});
    const auto x = pad_to_multiple(encoded, 8);
    const auto coefficients = block_dct(rgb_to_ycbcr(x - 0.5)) * mask.to(opts.dtype());
    return crop_top_left(ycbcr_to_rgb(block_idct(coefficients)) + 0.5, encoded.size(2),
                         encoded.size(3));
  }

  std::string spec() const override { return "jpeg-mask"; }
  bool deterministic() const override { return true; }
};

}  // namespace

Attack make_jpeg_mask_attack(const SpecNode& spec) {
  spec.expect(0, {}, "jpeg-mask (no parameters)");
  return std::make_shared<JpegMaskImpl>();
}

}  // namespace robusthide
