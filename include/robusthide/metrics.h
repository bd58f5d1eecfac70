// Image quality and bit error metrics.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <vector>

#include "robusthide/image.h"

namespace robusthide {

// PSNR in dB between two same-sized 8-bit images (peak 255). Identical images: +inf.
double psnr(const Image& a, const Image& b);

// Mean squared error on the 0..255 scale. Throws InvalidArgument for images of different
// sizes or empty ones (as mean_absolute_difference).
double mse(const Image& a, const Image& b);

// Mean absolute pixel difference (APD) on the 0..255 scale, over all channels: the
// image-hiding figure of the paper's Fig. 5 (x255 of its [0,1] APD).
double mean_absolute_difference(const Image& a, const Image& b);

// Bit error rate between decoded values (N,L) and messages (N,L) of 0/1: decoded
// values are rounded and clipped to {0,1} (i.e. bit = value > 0.5), then the fraction
// of bits that differ. Throws InvalidArgument on shape mismatch.
double bit_error_rate(const torch::Tensor& decoded, const torch::Tensor& message);

// Number of wrong bits (same rule as bit_error_rate).
int64_t bit_errors(const torch::Tensor& decoded, const torch::Tensor& message);

// A 95% confidence interval of a proportion (both ends in [0, 1]).
struct ProportionInterval {
  double low = 0.0;
  double high = 1.0;
};

// Wilson score interval (Wilson 1927) at 95% (z = 1.959964) of `successes` out of
// `trials` Bernoulli trials, e.g. bit errors out of bits scored: unlike the normal
// approximation it stays inside [0, 1] and is not empty at 0 successes (0 of 3,000 gives
// [0, 0.128%]). trials == 0 gives [0, 1]. Throws InvalidArgument when successes < 0,
// trials < 0 or successes > trials.
ProportionInterval wilson_interval(int64_t successes, int64_t trials);

// Per-image PSNR in dB of two (N,3,H,W) batches in [0,1], computed on the 8-bit images
// they round to (round(clamp(x)*255)), peak 255; identical images give +inf.
std::vector<double> batch_psnr(const torch::Tensor& a, const torch::Tensor& b);

// Structural similarity (SSIM, Wang et al. 2004) of two same-sized 8-bit RGB images, in
// [-1, 1]; identical images give 1. Computed on the 8-bit values of each of R, G and B
// separately and averaged over the three channels: an 11x11 Gaussian window (sigma 1.5,
// normalised to sum 1), population (co)variances, K1 = 0.01, K2 = 0.03, L = 255, and the
// SSIM map averaged over the windows that lie entirely inside the image ("valid"
// region). This is exactly scikit-image's
//   structural_similarity(a, b, channel_axis=-1, gaussian_weights=True, sigma=1.5,
//                         use_sample_covariance=False, data_range=255)
// Memory O(width). Throws InvalidArgument for different sizes or images smaller than
// 11x11 (no whole window: undefined, scikit-image refuses them too).
double ssim(const Image& a, const Image& b);

// Side of the SSIM window: images must be at least this wide and high.
constexpr int kSsimWindow = 11;

// Per-image SSIM of two (N,3,H,W) batches in [0,1], computed like ssim() on the 8-bit
// images they round to (round(clamp(x)*255)). Images are processed in parallel on
// `threads` threads (0 = one per core). Throws InvalidArgument on shape mismatch.
std::vector<double> batch_ssim(const torch::Tensor& a, const torch::Tensor& b, int threads = 0);

}  // namespace robusthide
