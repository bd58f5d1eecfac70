// RGB <-> YCbCr (JPEG/JFIF full-range BT.601 weights) on level-shifted values.
#pragma once

#include <torch/torch.h>

namespace robusthide {

// Linear JFIF transform of an (N,3,H,W) batch whose values are level-shifted so that 0
// is mid-grey (x - 0.5 on the 0..1 scale, x - 128 on the 0..255 scale):
//   Y  =  0.299    R + 0.587    G + 0.114    B
//   Cb = -0.168736 R - 0.331264 G + 0.5      B
//   Cr =  0.5      R - 0.418688 G - 0.081312 B
// On shifted input the chroma planes need no offset: the result is JPEG's
// (Y - 128, Cb - 128, Cr - 128). Any scale, device and floating dtype.
torch::Tensor rgb_to_ycbcr(const torch::Tensor& rgb);

// The exact inverse of rgb_to_ycbcr (the matrix inverse, computed in double).
torch::Tensor ycbcr_to_rgb(const torch::Tensor& ycbcr);

}  // namespace robusthide
