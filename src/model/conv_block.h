// The HiDDeN building block: Conv2d 3x3 padding 1 (with bias) -> BatchNorm2d -> ReLU.
// Stride 1 keeps the size (the reference networks); stride 2 halves it (the fast ones).
#pragma once

#include <torch/torch.h>

#include <cstdint>

namespace robusthide {

class ConvBlockImpl : public torch::nn::Module {
 public:
  ConvBlockImpl(int64_t in_channels, int64_t out_channels, int64_t stride = 1);
  torch::Tensor forward(const torch::Tensor& x);
  // FLOPs (2 x MACs of the convolution) on an h x w input (output h/stride x w/stride).
  int64_t flops(int64_t height, int64_t width) const;

 private:
  int64_t in_channels_;
  int64_t out_channels_;
  int64_t stride_;
  torch::nn::Conv2d conv_{nullptr};     // registered as "conv"
  torch::nn::BatchNorm2d bn_{nullptr};  // registered as "bn"
};
TORCH_MODULE(ConvBlock);

// A chain of `blocks` ConvBlocks: in->channels, then channels->channels. Children are
// named "0", "1", ... (parameter names "<name>.0.conv.weight", ...).
torch::nn::Sequential make_conv_stack(int64_t in_channels, int64_t channels, int64_t blocks);

// FLOPs of a convolution (2 x MACs, biases not counted) with a same-size h x w output.
inline int64_t conv_flops(int64_t in, int64_t out, int64_t kernel, int64_t height, int64_t width) {
  return 2 * in * out * kernel * kernel * height * width;
}
// FLOPs of a Linear layer (2 x MACs, biases not counted).
inline int64_t linear_flops(int64_t in, int64_t out) { return 2 * in * out; }

}  // namespace robusthide
