// jpeg-drop[:Q] (HiDDeN's JPEG-Drop, as in the authors' Lua code "jpegq"): RGB -> YCbCr,
// 8x8 block DCT, every coefficient independently kept with probability
//   p(u,v) = clamp((1 - ln(clamp(T(u,v), 1, 128)) / 7)^2, 0.1, 0.9)
// where T is the libjpeg table (luminance for Y, chrominance for Cb/Cr) at quality Q
// (default 50), so coarsely quantised (high) frequencies are dropped more often; then
// inverse DCT -> RGB. Level shift: 0.5 is mid-grey, so a dropped DC coefficient turns
// its block's mean to grey. Sizes not multiple of 8: replicate padding, cropped back.
#include <algorithm>
#include <cmath>
#include <vector>

#include "attacks/color.h"
#include "attacks/dct.h"
#include "attacks/differentiable.h"
#include "attacks/jpeg_tables.h"

namespace robusthide {
namespace {

class JpegDropImpl : public AttackImpl {
 public:
  explicit JpegDropImpl(int quality) : quality_(quality) {
    std::vector<double> p;
    for (const auto& base : {kStdLuminanceQuantTable, kStdChrominanceQuantTable}) {
      for (int t : scaled_quant_table(base, quality)) {
        const double keep = 1.0 - std::log(std::clamp(t, 1, 128)) / 7.0;
        p.push_back(std::clamp(keep * keep, 0.1, 0.9));
      }
    }
    keep_ = torch::tensor(p, torch::kFloat64).view({2, 8, 8});
  }

  torch::Tensor forward(const torch::Tensor& encoded, const torch::Tensor&) override {
    check_image_batch(encoded, spec());
    const auto opts = encoded.options().requires_grad(false);
    const auto x = pad_to_multiple(encoded, 8);
    const auto coefficients = block_dct(rgb_to_ycbcr(x - 0.5));
    const auto k = keep_.to(opts);
    const auto p = torch::stack({k[0], k[1], k[1]}).view({1, 3, 64, 1, 1});
    const auto keep = torch::rand(coefficients.sizes(), opts) < p;
    return crop_top_left(ycbcr_to_rgb(block_idct(coefficients * keep.to(opts.dtype()))) + 0.5,
                         encoded.size(2), encoded.size(3));
  }

  std::string spec() const override { return "jpeg-drop:" + std::to_string(quality_); }

 private:
  int quality_;
  torch::Tensor keep_;  // (2,8,8) keep probabilities, luminance then chrominance
};

}  // namespace

Attack make_jpeg_drop_attack(const SpecNode& spec) {
  spec.expect(1, {}, "jpeg-drop[:Q] with a JPEG quality Q in 1..100 (default 50)");
  const int q = spec.positional(0) ? spec.int_param(spec.positional(0), 1, 100, "quality Q") : 50;
  return std::make_shared<JpegDropImpl>(q);
}

}  // namespace robusthide
