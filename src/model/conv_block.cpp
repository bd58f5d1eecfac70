#include "model/conv_block.h"

namespace robusthide {

ConvBlockImpl::ConvBlockImpl(int64_t in_channels, int64_t out_channels, int64_t stride)
    : in_channels_(in_channels), out_channels_(out_channels), stride_(stride) {
  conv_ = register_module("conv",
                          torch::nn::Conv2d(torch::nn::Conv2dOptions(in_channels, out_channels, 3)
                                                .stride(stride)
                                                .padding(1)
                                                .bias(true)));
  bn_ = register_module("bn", torch::nn::BatchNorm2d(out_channels));
}

torch::Tensor ConvBlockImpl::forward(const torch::Tensor& x) {
  return torch::relu(bn_->forward(conv_->forward(x)));
}

int64_t ConvBlockImpl::flops(int64_t height, int64_t width) const {
  return conv_flops(in_channels_, out_channels_, 3, height / stride_, width / stride_);
}

torch::nn::Sequential make_conv_stack(int64_t in_channels, int64_t channels, int64_t blocks) {
  torch::nn::Sequential stack;
  for (int64_t i = 0; i < blocks; ++i)
    stack->push_back(ConvBlock(i == 0 ? in_channels : channels, channels));
  return stack;
}

}  // namespace robusthide
