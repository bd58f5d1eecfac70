// Conversion between 8-bit RGB images and float NCHW tensors in [0,1].
#pragma once

#include <torch/torch.h>

#include <vector>

#include "robusthide/image.h"

namespace robusthide {

// Stacks same-sized images into a float32 tensor of shape (N, 3, H, W), values v/255.
// Throws InvalidArgument if the batch is empty or the sizes differ.
torch::Tensor images_to_tensor(const std::vector<Image>& images);

// One image as a (1, 3, H, W) tensor.
torch::Tensor image_to_tensor(const Image& image);

// Converts a (N, 3, H, W) tensor (any device, any float type) to 8-bit images:
// round(clamp(x, 0, 1) * 255), round half to even. The tensor is detached first.
std::vector<Image> tensor_to_images(const torch::Tensor& batch);

}  // namespace robusthide
