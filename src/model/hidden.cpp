// The paper's reference HiDDeN networks ([HiDDeN], docs/references.md): stacks of
// Conv3x3 -> BatchNorm -> ReLU blocks at full resolution, global average pooling.
#include <string>

#include "model/architectures.h"
#include "model/conv_block.h"
#include "model/net_checks.h"
#include "robusthide/error.h"

namespace robusthide {
namespace {

class HiddenEncoder : public EncoderNet {
 public:
  explicit HiddenEncoder(const ModelConfig& c)
      : bits_(c.message_bits), channels_(c.encoder_channels), size_(c.image_size) {
    image_blocks_ =
        register_module("image_blocks", make_conv_stack(3, channels_, c.encoder_blocks));
    concat_block_ = register_module("concat_block", ConvBlock(bits_ + channels_ + 3, channels_));
    final_ = register_module("final", torch::nn::Conv2d(torch::nn::Conv2dOptions(channels_, 3, 1)));
    flops_ = conv_flops(3, channels_, 3, size_, size_) +
             (c.encoder_blocks - 1) * conv_flops(channels_, channels_, 3, size_, size_) +
             concat_block_->flops(size_, size_) + conv_flops(channels_, 3, 1, size_, size_);
  }

  torch::Tensor forward(const torch::Tensor& image, const torch::Tensor& message) override {
    check_images("encoder", image);
    check_message(image, message, bits_);
    const auto n = image.size(0), h = image.size(2), w = image.size(3);
    const torch::Tensor planes =
        message.to(image.dtype()).view({n, bits_, 1, 1}).expand({n, bits_, h, w});
    const torch::Tensor features = image_blocks_->forward(image);
    return final_->forward(concat_block_->forward(torch::cat({planes, features, image}, 1)));
  }

  int64_t flops() const override { return flops_; }

 private:
  int64_t bits_, channels_, size_, flops_ = 0;
  torch::nn::Sequential image_blocks_{nullptr};
  ConvBlock concat_block_{nullptr};
  torch::nn::Conv2d final_{nullptr};
};

class HiddenDecoder : public DecoderNet {
 public:
  explicit HiddenDecoder(const ModelConfig& c) {
    const int64_t ch = c.decoder_channels, bits = c.message_bits, s = c.image_size;
    blocks_ = register_module("blocks", make_conv_stack(3, ch, c.decoder_blocks));
    message_block_ = register_module("message_block", ConvBlock(ch, bits));
    linear_ = register_module("linear", torch::nn::Linear(bits, bits));
    flops_ = conv_flops(3, ch, 3, s, s) + (c.decoder_blocks - 1) * conv_flops(ch, ch, 3, s, s) +
             message_block_->flops(s, s) + linear_flops(bits, bits);
  }

  torch::Tensor forward(const torch::Tensor& image) override {
    check_images("decoder", image);
    const torch::Tensor x = message_block_->forward(blocks_->forward(image));
    return linear_->forward(x.mean({2, 3}));
  }

  int64_t flops() const override { return flops_; }

 private:
  int64_t flops_ = 0;
  torch::nn::Sequential blocks_{nullptr};
  ConvBlock message_block_{nullptr};
  torch::nn::Linear linear_{nullptr};
};

class HiddenDiscriminator : public DiscriminatorNet {
 public:
  explicit HiddenDiscriminator(const ModelConfig& c) {
    const int64_t ch = c.discriminator_channels, s = c.image_size;
    blocks_ = register_module("blocks", make_conv_stack(3, ch, c.discriminator_blocks));
    linear_ = register_module("linear", torch::nn::Linear(ch, 1));
    flops_ = conv_flops(3, ch, 3, s, s) +
             (c.discriminator_blocks - 1) * conv_flops(ch, ch, 3, s, s) + linear_flops(ch, 1);
  }

  torch::Tensor forward(const torch::Tensor& image) override {
    check_images("discriminator", image);
    return linear_->forward(blocks_->forward(image).mean({2, 3}));
  }

  int64_t flops() const override { return flops_; }

 private:
  int64_t flops_ = 0;
  torch::nn::Sequential blocks_{nullptr};
  torch::nn::Linear linear_{nullptr};
};

}  // namespace

Encoder make_hidden_encoder(const ModelConfig& config) {
  return std::make_shared<HiddenEncoder>(config);
}
Decoder make_hidden_decoder(const ModelConfig& config) {
  return std::make_shared<HiddenDecoder>(config);
}
Discriminator make_hidden_discriminator(const ModelConfig& config) {
  return std::make_shared<HiddenDiscriminator>(config);
}

void validate_hidden(const ModelConfig& c) {
  if (c.message_tile != 0) {
    throw InvalidArgument("invalid model config: message_tile = " + std::to_string(c.message_tile) +
                          " is for the fast architecture; hidden needs 0");
  }
}

}  // namespace robusthide
