// The efficient "fast" networks (docs/design.md, docs/results.md): most of the work at a
// quarter of the resolution, the message as a small spatial map, and a residual whose
// energy is fixed by ModelConfig::target_psnr.
//
// Encoder (S = image_size, C = encoder_channels, M = kMessageMapChannels):
//   image -> ConvBlock(3, C/2, stride 2) -> ConvBlock(C/2, C, stride 2)     (S/4)
//   message -> Linear(L, M T^2) -> (M, T, T), repeated to (M, S/16, S/16)  (S/4 after
//   bilinear x4; T = message_tile, or S/16 when 0: one map, no repetition)
//   concat -> encoder_blocks x ConvBlock(C + M | C, C)                      (S/4)
//   -> bilinear x2 -> ConvBlock(C, C/2) -> bilinear x2 -> ConvBlock(C/2, C/4)  (S)
//   concat image -> Conv1x1(C/4 + 3, 3), plus the direct path
//   message map -> bilinear x16 -> Conv1x1(M, 3)                            (S)
//   = r
//   encoded = image + r * sigma / rms(r)   (per image; sigma = 10^(-target_psnr / 20))
// so MSE(encoded, image) = sigma^2 exactly before clamping and rounding: the networks
// spend a fixed distortion budget, and the embedding's strength scales it. The direct
// path gives the residual a message-dependent part from the first step (the decoder's
// S/16 read-out sees it at once); without it training sat at 50% BER for hundreds of
// steps while the image features drowned the message.
// Decoder (D = decoder_channels):
//   ConvBlock(3, D/4) (S) -> ConvBlock(D/4, D/2, s2) -> ConvBlock(D/2, D, s2) (S/4)
//   -> decoder_blocks x ConvBlock(D, D) -> ConvBlock(D, D, s2) (S/8) -> Conv1x1(D, M)
//   -> adaptive average pool to (S/16, S/16) -> mean of the T x T tiles -> Linear(M T^2, L)
// The pool makes the decoder accept any image size; it reads best at S x S. With a tile,
// every region of the image carries every bit and the decoder averages the copies.
#include <cmath>
#include <string>

#include "model/architectures.h"
#include "model/conv_block.h"
#include "model/net_checks.h"
#include "robusthide/error.h"

namespace robusthide {
namespace {

namespace F = torch::nn::functional;

constexpr int64_t kMessageMapChannels = 16;

torch::Tensor upsample(const torch::Tensor& x, int64_t h, int64_t w) {
  return F::interpolate(x, F::InterpolateFuncOptions()
                               .size(std::vector<int64_t>{h, w})
                               .mode(torch::kBilinear)
                               .align_corners(false));
}

class FastEncoder : public EncoderNet {
 public:
  explicit FastEncoder(const ModelConfig& c)
      : bits_(c.message_bits),
        size_(c.image_size),
        map_(c.image_size / 16),
        tile_(c.message_tile > 0 ? c.message_tile : map_),
        sigma_(std::pow(10.0, -c.target_psnr / 20.0)) {
    const int64_t ch = c.encoder_channels, s = size_, q = s / 4;
    down1_ = register_module("down1", ConvBlock(3, ch / 2, 2));
    down2_ = register_module("down2", ConvBlock(ch / 2, ch, 2));
    message_ =
        register_module("message", torch::nn::Linear(bits_, kMessageMapChannels * tile_ * tile_));
    blocks_ = register_module("blocks", torch::nn::Sequential());
    for (int64_t i = 0; i < c.encoder_blocks; ++i) {
      blocks_->push_back(ConvBlock(i == 0 ? ch + kMessageMapChannels : ch, ch));
    }
    up1_ = register_module("up1", ConvBlock(ch, ch / 2));
    up2_ = register_module("up2", ConvBlock(ch / 2, ch / 4));
    final_ =
        register_module("final", torch::nn::Conv2d(torch::nn::Conv2dOptions(ch / 4 + 3, 3, 1)));
    direct_ = register_module(
        "direct", torch::nn::Conv2d(torch::nn::Conv2dOptions(kMessageMapChannels, 3, 1)));
    flops_ = down1_->flops(s, s) + down2_->flops(s / 2, s / 2) +
             linear_flops(bits_, kMessageMapChannels * tile_ * tile_) +
             conv_flops(ch + kMessageMapChannels, ch, 3, q, q) +
             (c.encoder_blocks - 1) * conv_flops(ch, ch, 3, q, q) + up1_->flops(s / 2, s / 2) +
             up2_->flops(s, s) + conv_flops(ch / 4 + 3, 3, 1, s, s) +
             conv_flops(kMessageMapChannels, 3, 1, s, s);
  }

  torch::Tensor forward(const torch::Tensor& image, const torch::Tensor& message) override {
    check_images("encoder", image);
    check_message(image, message, bits_);
    const int64_t n = image.size(0), h = image.size(2), w = image.size(3);
    const torch::Tensor features = down2_->forward(down1_->forward(image - 0.5));
    const int64_t fh = features.size(2), fw = features.size(3);
    const int64_t copies = map_ / tile_;
    const torch::Tensor map = message_->forward(message.to(image.dtype()) * 2 - 1)
                                  .view({n, kMessageMapChannels, tile_, tile_})
                                  .repeat({1, 1, copies, copies});
    torch::Tensor x = blocks_->forward(torch::cat({features, upsample(map, fh, fw)}, 1));
    x = up1_->forward(upsample(x, (h + 1) / 2, (w + 1) / 2));
    x = up2_->forward(upsample(x, h, w));
    const torch::Tensor r =
        final_->forward(torch::cat({x, image}, 1)) + direct_->forward(upsample(map, h, w));
    const torch::Tensor rms = (r.square().mean({1, 2, 3}, /*keepdim=*/true) + 1e-12).sqrt();
    return image + r * (sigma_ / rms);
  }

  int64_t flops() const override { return flops_; }

 private:
  int64_t bits_, size_, map_, tile_, flops_ = 0;
  double sigma_;
  ConvBlock down1_{nullptr}, down2_{nullptr}, up1_{nullptr}, up2_{nullptr};
  torch::nn::Linear message_{nullptr};
  torch::nn::Sequential blocks_{nullptr};
  torch::nn::Conv2d final_{nullptr}, direct_{nullptr};
};

class FastDecoder : public DecoderNet {
 public:
  explicit FastDecoder(const ModelConfig& c)
      : map_(c.image_size / 16), tile_(c.message_tile > 0 ? c.message_tile : map_) {
    const int64_t ch = c.decoder_channels, s = c.image_size, q = s / 4;
    stem_ = register_module("stem", ConvBlock(3, ch / 4));
    down1_ = register_module("down1", ConvBlock(ch / 4, ch / 2, 2));
    down2_ = register_module("down2", ConvBlock(ch / 2, ch, 2));
    blocks_ = register_module("blocks", make_conv_stack(ch, ch, c.decoder_blocks));
    down3_ = register_module("down3", ConvBlock(ch, ch, 2));
    to_map_ = register_module(
        "to_map", torch::nn::Conv2d(torch::nn::Conv2dOptions(ch, kMessageMapChannels, 1)));
    linear_ = register_module(
        "linear", torch::nn::Linear(kMessageMapChannels * tile_ * tile_, c.message_bits));
    flops_ = stem_->flops(s, s) + down1_->flops(s, s) + down2_->flops(s / 2, s / 2) +
             c.decoder_blocks * conv_flops(ch, ch, 3, q, q) + down3_->flops(q, q) +
             conv_flops(ch, kMessageMapChannels, 1, s / 8, s / 8) +
             linear_flops(kMessageMapChannels * tile_ * tile_, c.message_bits);
  }

  torch::Tensor forward(const torch::Tensor& image) override {
    check_images("decoder", image);
    torch::Tensor x = down2_->forward(down1_->forward(stem_->forward(image - 0.5)));
    x = to_map_->forward(down3_->forward(blocks_->forward(x)));
    x = F::adaptive_avg_pool2d(x, F::AdaptiveAvgPool2dFuncOptions({map_, map_}));
    if (tile_ != map_) {
      // (N, M, copies x T, copies x T) -> the mean of the copies of each tile cell.
      const int64_t copies = map_ / tile_;
      x = x.reshape({x.size(0), kMessageMapChannels, copies, tile_, copies, tile_}).mean({2, 4});
    }
    return linear_->forward(x.flatten(1));
  }

  int64_t flops() const override { return flops_; }

 private:
  int64_t map_, tile_, flops_ = 0;
  ConvBlock stem_{nullptr}, down1_{nullptr}, down2_{nullptr}, down3_{nullptr};
  torch::nn::Sequential blocks_{nullptr};
  torch::nn::Conv2d to_map_{nullptr};
  torch::nn::Linear linear_{nullptr};
};

}  // namespace

Encoder make_fast_encoder(const ModelConfig& config) {
  return std::make_shared<FastEncoder>(config);
}
Decoder make_fast_decoder(const ModelConfig& config) {
  return std::make_shared<FastDecoder>(config);
}

void validate_fast(const ModelConfig& c) {
  if (c.image_size % 16 != 0) {
    throw InvalidArgument(
        "invalid model config: the fast architecture needs image_size to be "
        "a multiple of 16, got " +
        std::to_string(c.image_size));
  }
  if (c.encoder_channels < 4 || c.encoder_channels % 4 != 0 || c.decoder_channels < 4 ||
      c.decoder_channels % 4 != 0) {
    throw InvalidArgument(
        "invalid model config: the fast architecture needs encoder_channels "
        "and decoder_channels to be multiples of 4, got " +
        std::to_string(c.encoder_channels) + " and " + std::to_string(c.decoder_channels));
  }
  const int map = c.image_size / 16;
  if (c.message_tile < 0 || c.message_tile > map ||
      (c.message_tile > 0 && map % c.message_tile != 0)) {
    throw InvalidArgument("invalid model config: message_tile = " + std::to_string(c.message_tile) +
                          " must be 0 or divide image_size / 16 = " + std::to_string(map));
  }
  if (!(c.target_psnr >= 10 && c.target_psnr <= 80)) {
    throw InvalidArgument("invalid model config: target_psnr = " + std::to_string(c.target_psnr) +
                          " is out of range [10, 80] dB");
  }
}

}  // namespace robusthide
