// Image quality and bit error metrics.
#pragma once

#include <torch/torch.h>

#include "robusthide/image.h"

namespace robusthide {

// PSNR in dB between two same-sized 8-bit images (peak 255). Identical images: +inf.
double psnr(const Image& a, const Image& b);

// Mean squared error on the 0..255 scale.
double mse(const Image& a, const Image& b);

}  // namespace robusthide
