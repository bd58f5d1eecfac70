// Perceptual distance between an image and its marked version: what PSNR and SSIM miss
// (low-frequency colour blotches). CIEDE2000 per pixel (Little CMS 2's cmsCIE2000DeltaE)
// after sRGB -> CIELAB with the D65 white; and the share of flat-region pixels whose
// difference is visible side by side (CIEDE2000 > 2).
#pragma once

#include <array>
#include <cstdint>

#include "robusthide/image.h"

namespace robusthide {

// A pixel is "flat" when the luminance Y = 0.299 R + 0.587 G + 0.114 B (0..255) of its
// 9x9 window (clipped at the borders) has a population standard deviation below 2.
constexpr int kFlatWindow = 9;
constexpr double kFlatStdDev = 2.0;
// CIEDE2000 above which a difference counts as visible side by side.
constexpr double kVisibleDeltaE = 2.0;

struct PerceptualDistance {
  double delta_e_mean = 0;   // mean CIEDE2000 over all pixels
  double delta_e_p99 = 0;    // its 99th percentile (to 0.01)
  int64_t pixels = 0;        // pixels compared
  int64_t flat_pixels = 0;   // flat pixels of the first image (the cover)
  int64_t flat_visible = 0;  // flat pixels with CIEDE2000 > kVisibleDeltaE
  // flat_visible / flat_pixels; 0 when the image has no flat pixel.
  double flat_visible_share() const {
    return flat_pixels > 0 ? static_cast<double>(flat_visible) / flat_pixels : 0.0;
  }
};

// Compares `cover` and `marked` (same size). Memory O(width): rows are converted and
// compared one at a time. Throws InvalidArgument for different sizes or empty images.
PerceptualDistance perceptual_distance(const Image& cover, const Image& marked);

// 8-bit sRGB -> CIELAB (L*, a*, b*) with the D65 white point: the IEC 61966-2-1 sRGB
// curve and matrix to XYZ, then CIE 15's L*a*b* (scikit-image's rgb2lab gives the same).
std::array<double, 3> srgb_to_lab(uint8_t r, uint8_t g, uint8_t b);

// CIEDE2000 colour difference (kL = kC = kH = 1) of two CIELAB colours (lcms2's
// cmsCIE2000DeltaE; tested against Sharma, Wu & Dalal 2005).
double ciede2000(const std::array<double, 3>& lab1, const std::array<double, 3>& lab2);

}  // namespace robusthide
