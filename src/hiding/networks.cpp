// The image-hiding networks (hiding.h, docs/image-hiding.md): U-Nets of 4x4 stride-2
// convolutions down, after the authors' deep-hiding code, narrowed for the CPU (32
// channels at the first level instead of 64, the reveal net mostly at reduced resolution
// instead of six full-resolution layers up to 256 channels). Up-sampling is a 3x3
// convolution to 4x the channels at the low resolution followed by a pixel shuffle, not
// the authors' 4x4 transposed convolution: on this CPU (LibTorch 1.13) a transposed
// convolution took 235 ms where the pixel-shuffle layer takes 35 ms for the same shapes
// (docs/image-hiding.md, "Speed").
//
// Hider (C = hider_channels, levels k = hider_levels, in = 3, or 6 when cover_aware):
//   down_i: Conv4x4 s2 (in | C 2^(i-1) -> C 2^i) + BN + LeakyReLU(0.2)     S / 2^(i+1)
//   up_i:   Conv3x3 (-> 4 out) + PixelShuffle(2) + BN + ReLU, concatenated with
//           down_(i-1)'s output
//   out:    Conv3x3 (2C -> 3) at S -> r, rescaled to mean |r| = target_apd / 255
// Revealer (D = reveal_channels, levels m = reveal_levels):
//   stem Conv3x3 (3 -> D) at S; down_i Conv4x4 s2 (D 2^i -> D 2^(i+1)); reveal_blocks
//   ConvBlocks at S / 2^m; up_i as the hider's, with skips; Conv3x3 (2D -> 3); sigmoid.
#include <cmath>
#include <string>
#include <vector>

#include "hiding/networks.h"
#include "model/conv_block.h"
#include "model/net_checks.h"
#include "robusthide/error.h"

namespace robusthide {
namespace {

// One U-Net level + BatchNorm + (Leaky)ReLU: down, Conv4x4 stride 2; up, Conv3x3 to 4x
// the channels at the low resolution and a pixel shuffle to twice the size.
class LevelImpl : public torch::nn::Module {
 public:
  LevelImpl(int64_t in, int64_t out, bool up, bool leaky) : up_(up), leaky_(leaky) {
    conv_ = register_module(
        "conv", torch::nn::Conv2d(up ? torch::nn::Conv2dOptions(in, 4 * out, 3).padding(1)
                                     : torch::nn::Conv2dOptions(in, out, 4).stride(2).padding(1)));
    bn_ = register_module("bn", torch::nn::BatchNorm2d(out));
  }
  torch::Tensor forward(const torch::Tensor& x) {
    const torch::Tensor c = conv_->forward(x);
    const torch::Tensor y = bn_->forward(up_ ? torch::pixel_shuffle(c, 2) : c);
    return leaky_ ? torch::leaky_relu(y, 0.2) : torch::relu(y);
  }

 private:
  bool up_, leaky_;
  torch::nn::Conv2d conv_{nullptr};
  torch::nn::BatchNorm2d bn_{nullptr};
};
TORCH_MODULE(Level);

// FLOPs of a level at the low resolution low_h x low_w: down, in x out x 16 MACs per
// low-resolution pixel; up, in x 4 out x 9.
int64_t level_flops(int64_t in, int64_t out, int64_t low_h, int64_t low_w, bool up) {
  return 2 * in * out * (up ? 36 : 16) * low_h * low_w;
}

void check_divisible(const char* net, const torch::Tensor& x, int64_t levels) {
  const int64_t m = int64_t{1} << levels;
  if (x.size(2) % m != 0 || x.size(3) % m != 0) {
    throw InvalidArgument(std::string("while running the ") + net + ": image sides must be " +
                          "multiples of " + std::to_string(m) + ", got " + shape_text(x));
  }
}

// A U-Net: `levels` Levels down from `in` channels (width c, doubling), the same number
// up with skips, ending with `out_channels` at full resolution by a 3x3 convolution on
// [up output, first input features]. `bottom` (may be empty) runs at the lowest level.
class UNetImpl : public torch::nn::Module {
 public:
  UNetImpl(int64_t in, int64_t c, int64_t levels, int64_t out_channels, int64_t bottom_blocks,
           bool stem, int64_t size)
      : levels_(levels), stem_on_(stem) {
    int64_t ch = c;
    int64_t first = in;
    if (stem) {
      stem_ = register_module("stem", ConvBlock(in, c));
      first = c;
      flops_ += conv_flops(in, c, 3, size, size);
    }
    std::vector<int64_t> widths;  // output channels of each down level
    int64_t prev = first, s = size;
    for (int64_t i = 0; i < levels; ++i) {
      const int64_t w = c << i;
      down_.push_back(register_module("down" + std::to_string(i), Level(prev, w, false, true)));
      s /= 2;
      flops_ += level_flops(prev, w, s, s, false);
      widths.push_back(w);
      prev = w;
    }
    if (bottom_blocks > 0) {
      bottom_ = register_module("bottom", make_conv_stack(prev, prev, bottom_blocks));
      flops_ += bottom_blocks * conv_flops(prev, prev, 3, s, s);
    }
    // Up: level i (from the bottom) maps prev -> widths[levels-2-i] (or c at the top), then
    // concatenates the matching down output (or the first features) -> doubles.
    for (int64_t i = levels - 1; i >= 0; --i) {
      const int64_t w = i > 0 ? widths[static_cast<size_t>(i - 1)] : c;
      up_.push_back(
          register_module("up" + std::to_string(levels - 1 - i), Level(prev, w, true, false)));
      flops_ += level_flops(prev, w, s, s, true);
      s *= 2;
      const int64_t skip = i > 0 ? widths[static_cast<size_t>(i - 1)] : first;
      prev = w + skip;
    }
    ch = prev;
    out_ = register_module(
        "out", torch::nn::Conv2d(torch::nn::Conv2dOptions(ch, out_channels, 3).padding(1)));
    flops_ += conv_flops(ch, out_channels, 3, size, size);
  }

  torch::Tensor forward(const torch::Tensor& input) {
    torch::Tensor x = stem_on_ ? stem_->forward(input) : input;
    std::vector<torch::Tensor> skips{x};
    for (auto& level : down_) {
      x = level->forward(x);
      skips.push_back(x);
    }
    skips.pop_back();  // the bottom itself
    if (bottom_) x = bottom_->forward(x);
    for (auto& level : up_) {
      x = torch::cat({level->forward(x), skips.back()}, 1);
      skips.pop_back();
    }
    return out_->forward(x);
  }

  int64_t flops() const { return flops_; }

 private:
  int64_t levels_;
  bool stem_on_;
  int64_t flops_ = 0;
  ConvBlock stem_{nullptr};
  std::vector<Level> down_, up_;
  torch::nn::Sequential bottom_{nullptr};
  torch::nn::Conv2d out_{nullptr};
};
TORCH_MODULE(UNet);

class UNetHider : public HiderNet {
 public:
  explicit UNetHider(const HidingConfig& c)
      : cover_aware_(c.cover_aware),
        levels_(c.hider_levels),
        budget_(c.target_apd / 255.0),
        net_(register_module("net", UNet(c.cover_aware ? 6 : 3, c.hider_channels, c.hider_levels, 3,
                                         0, false, c.image_size))) {}

  torch::Tensor forward(const torch::Tensor& secret, const torch::Tensor& cover) override {
    check_images("hider", secret);
    check_divisible("hider", secret, levels_);
    if (cover_aware_) {
      check_images("hider", cover);
      if (cover.sizes() != secret.sizes()) {
        throw InvalidArgument("while running the hider: cover " + shape_text(cover) +
                              " and secret " + shape_text(secret) + " differ in shape");
      }
    }
    const torch::Tensor in =
        cover_aware_ ? torch::cat({cover - 0.5, secret - 0.5}, 1) : secret - 0.5;
    const torch::Tensor r = net_->forward(in);
    const torch::Tensor apd = r.abs().mean({1, 2, 3}, /*keepdim=*/true) + 1e-12;
    return r * (budget_ / apd);
  }

  int64_t flops() const override { return net_->flops(); }

 private:
  bool cover_aware_;
  int64_t levels_;
  double budget_;
  UNet net_;
};

class UNetRevealer : public RevealNet {
 public:
  explicit UNetRevealer(const HidingConfig& c)
      : levels_(c.reveal_levels),
        net_(register_module("net", UNet(3, c.reveal_channels, c.reveal_levels, 3, c.reveal_blocks,
                                         true, c.image_size))) {}

  torch::Tensor forward(const torch::Tensor& container) override {
    check_images("revealer", container);
    check_divisible("revealer", container, levels_);
    return torch::sigmoid(net_->forward(container - 0.5));
  }

  int64_t flops() const override { return net_->flops(); }

 private:
  int64_t levels_;
  UNet net_;
};

}  // namespace

Hider make_hider(const HidingConfig& config) {
  config.validate();
  return std::make_shared<UNetHider>(config);
}

Revealer make_revealer(const HidingConfig& config) {
  config.validate();
  return std::make_shared<UNetRevealer>(config);
}

}  // namespace robusthide
