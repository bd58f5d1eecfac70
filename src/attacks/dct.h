// 8x8 block DCT (JPEG's transform) as matrix products, plus padding to block multiples.
#pragma once

#include <torch/torch.h>

namespace robusthide {

// The orthonormal 8-point DCT-II matrix D, D[u][x] = c(u)/2 * cos((2x+1) u pi / 16) with
// c(0) = 1/sqrt(2), c(u>0) = 1: the coefficients of a block B are D B D^T, which is
// exactly JPEG's forward DCT scaling. Built with tensor ops on options' device/dtype.
torch::Tensor dct8_matrix(const torch::TensorOptions& options);

// (N,C,H,W), H and W multiples of 8 -> coefficients (N,C,64,H/8,W/8): index 8u+v of
// dimension 2 is the coefficient of vertical frequency u and horizontal frequency v of
// each block. Computed as the 64x64 matrix kron(D,D) applied to every block (a 1x1
// convolution after pixel_unshuffle, which oneDNN and cuDNN run fast).
torch::Tensor block_dct(const torch::Tensor& x);

// Inverse of block_dct: (N,C,64,Hb,Wb) -> (N,C,8*Hb,8*Wb).
torch::Tensor block_idct(const torch::Tensor& coefficients);

// Pads the bottom and right of an (N,C,H,W) batch to multiples of `multiple` by
// repeating the last row / column (what libjpeg does); returns x itself if no padding
// is needed.
torch::Tensor pad_to_multiple(const torch::Tensor& x, int64_t multiple);

// The top-left h x w of an (N,C,H,W) batch (undoes pad_to_multiple).
torch::Tensor crop_top_left(const torch::Tensor& x, int64_t h, int64_t w);

}  // namespace robusthide
