// diffjpeg:Q[:420|444] (Shin & Song 2017): the JPEG pipeline with a differentiable
// rounding. On the 0..255 scale: level shift by 128, RGB -> YCbCr (JFIF), 4:2:0 chroma
// by 2x2 averaging (libjpeg's downsampling), 8x8 block DCT, divide by libjpeg's tables
// at quality Q, round(x) + (x - round(x))^3, multiply back, inverse DCT, chroma 2x
// bilinear upsampling with half-pixel centres (= libjpeg's "fancy" triangle filter),
// YCbCr -> RGB, /255. No final clamping or 8-bit rounding (gradients stay alive).
// Sizes are replicate-padded to multiples of 16 (4:2:0) or 8 (4:4:4), cropped back.
#include <vector>

#include "attacks/color.h"
#include "attacks/dct.h"
#include "attacks/differentiable.h"
#include "attacks/jpeg_tables.h"
#include "robusthide/error.h"

namespace robusthide {
namespace {

torch::Tensor table_tensor(const std::array<int, 64>& table) {
  return torch::tensor(std::vector<int64_t>(table.begin(), table.end()), torch::kFloat64)
      .view({64, 1, 1});
}

// DCT, quantisation with a cubic soft rounding, dequantisation, inverse DCT.
torch::Tensor soft_quantize(const torch::Tensor& planes, const torch::Tensor& table) {
  const auto q = table.to(planes.options().requires_grad(false));
  const auto scaled = block_dct(planes) / q;
  const auto rounded = torch::round(scaled);
  return block_idct((rounded + (scaled - rounded).pow(3)) * q);
}

class DiffJpegImpl : public AttackImpl {
 public:
  DiffJpegImpl(int quality, bool subsample)
      : quality_(quality),
        subsample_(subsample),
        luma_table_(table_tensor(scaled_quant_table(kStdLuminanceQuantTable, quality))),
        chroma_table_(table_tensor(scaled_quant_table(kStdChrominanceQuantTable, quality))) {}

  torch::Tensor forward(const torch::Tensor& encoded, const torch::Tensor&) override {
    check_image_batch(encoded, spec());
    namespace F = torch::nn::functional;
    const auto x = pad_to_multiple(encoded, subsample_ ? 16 : 8);
    const auto ycc = rgb_to_ycbcr(x * 255.0 - 128.0);
    const auto luma = soft_quantize(ycc.narrow(1, 0, 1), luma_table_);
    auto chroma = ycc.narrow(1, 1, 2);
    if (subsample_) chroma = F::avg_pool2d(chroma, F::AvgPool2dFuncOptions(2));
    chroma = soft_quantize(chroma, chroma_table_);
    if (subsample_) {
      chroma = F::interpolate(chroma, F::InterpolateFuncOptions()
                                          .scale_factor(std::vector<double>{2.0, 2.0})
                                          .mode(torch::kBilinear)
                                          .align_corners(false));
    }
    const auto rgb = (ycbcr_to_rgb(torch::cat({luma, chroma}, 1)) + 128.0) / 255.0;
    return crop_top_left(rgb, encoded.size(2), encoded.size(3));
  }

  std::string spec() const override {
    return "diffjpeg:" + std::to_string(quality_) + (subsample_ ? ":420" : ":444");
  }
  bool deterministic() const override { return true; }

 private:
  int quality_;
  bool subsample_;
  torch::Tensor luma_table_, chroma_table_;  // (64,1,1) quantisation steps, index 8u+v
};

}  // namespace

Attack make_diff_jpeg_attack(const SpecNode& spec) {
  const std::string usage = "diffjpeg:Q[:420|444] with a JPEG quality Q in 1..100";
  spec.expect(2, {}, usage);
  const int quality = spec.int_param(spec.positional(0), 1, 100, "quality Q");
  const std::string sampling = spec.positional(1) ? *spec.positional(1) : "420";
  if (sampling != "420" && sampling != "444") {
    throw InvalidArgument("invalid spec '" + abbreviate(spec.text) +
                          "': unknown chroma subsampling '" + sampling + "'; expected " + usage);
  }
  return std::make_shared<DiffJpegImpl>(quality, sampling == "420");
}

}  // namespace robusthide
