// Input checks shared by the network families.
#pragma once

#include <torch/torch.h>

#include <string>

namespace robusthide {

// "(N,3,H,W)" style text of a tensor's shape.
std::string shape_text(const torch::Tensor& t);

// Throws InvalidArgument "while running the <net>: expected images of shape (N,3,H,W),
// got (...)" unless `image` is (N,3,H,W).
void check_images(const char* net, const torch::Tensor& image);

// Throws InvalidArgument unless `message` is (N, bits) with N = image.size(0).
void check_message(const torch::Tensor& image, const torch::Tensor& message, int64_t bits);

}  // namespace robusthide
