// Image quality and bit error metrics.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <vector>

#include "robusthide/image.h"

namespace robusthide {

// PSNR in dB between two same-sized 8-bit images (peak 255). Identical images: +inf.
double psnr(const Image& a, const Image& b);

// Mean squared error on the 0..255 scale.
double mse(const Image& a, const Image& b);

// Bit error rate between decoded values (N,L) and messages (N,L) of 0/1: decoded
// values are rounded and clipped to {0,1} (i.e. bit = value > 0.5), then the fraction
// of bits that differ. Throws InvalidArgument on shape mismatch.
double bit_error_rate(const torch::Tensor& decoded, const torch::Tensor& message);

// Number of wrong bits (same rule as bit_error_rate).
int64_t bit_errors(const torch::Tensor& decoded, const torch::Tensor& message);

// Per-image PSNR in dB of two (N,3,H,W) batches in [0,1], computed on the 8-bit images
// they round to (round(clamp(x)*255)), peak 255; identical images give +inf.
std::vector<double> batch_psnr(const torch::Tensor& a, const torch::Tensor& b);

}  // namespace robusthide
