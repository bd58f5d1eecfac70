// The shaping mask: luminance adaptation table and the row-by-row mask of 8-bit images.
#include "watermark/shaping.h"

#include <algorithm>
#include <cmath>

namespace robusthide::detail {
namespace {

// CIELAB lightness L* of the sRGB grey of 8-bit value v (continuous in v).
double grey_lightness(double v) {
  const double c = v / 255.0;
  const double y = c <= 0.04045 ? c / 12.92 : std::pow((c + 0.055) / 1.055, 2.4);
  constexpr double e = 216.0 / 24389.0, k = 24389.0 / 27.0;
  return y > e ? 116.0 * std::cbrt(y) - 16.0 : k * y;
}

// CIEDE2000 lightness difference of one 8-bit level at grey v: (dL*/dV) / S_L(L*).
double level_visibility(double v) {
  const double lo = std::max(0.0, v - 0.5), hi = std::min(255.0, v + 0.5);
  const double slope = (grey_lightness(hi) - grey_lightness(lo)) / (hi - lo);
  const double d = grey_lightness(v) - 50.0;
  const double s_l = 1.0 + 0.015 * d * d / std::sqrt(20.0 + d * d);
  return slope / s_l;
}

}  // namespace

const std::array<float, 256>& luminance_adaptation_table() {
  static const std::array<float, 256> table = [] {
    std::array<float, 256> t{};
    const double mid = level_visibility(128.0);
    for (int v = 0; v < 256; ++v) {
      t[static_cast<size_t>(v)] =
          static_cast<float>(std::clamp(mid / level_visibility(v), 0.5, 1.5));
    }
    return t;
  }();
  return table;
}

MaskRows::MaskRows(const Image& image, const Shaping& shaping, int first_row)
    : image_(image),
      shaping_(shaping),
      sum_(static_cast<size_t>(image.width), 0),
      sum_sq_(static_cast<size_t>(image.width), 0),
      prefix_(static_cast<size_t>(image.width) + 1, 0),
      prefix_sq_(static_cast<size_t>(image.width) + 1, 0),
      next_(std::max(0, first_row - kMaskWindow / 2)),
      first_(next_) {}

void MaskRows::add_row(int y, int64_t sign) {
  const uint8_t* p = image_.data() + static_cast<size_t>(y) * image_.width * 3;
  for (int x = 0; x < image_.width; ++x, p += 3) {
    const int64_t l = 299 * p[0] + 587 * p[1] + 114 * p[2];
    sum_[static_cast<size_t>(x)] += sign * l;
    sum_sq_[static_cast<size_t>(x)] += sign * l * l;
  }
}

void MaskRows::row(int y, float* out) {
  const int h = image_.height, w = image_.width, r = kMaskWindow / 2;
  const int lo = std::max(0, y - r), hi = std::min(h, y + r + 1);
  while (next_ < hi) add_row(next_++, 1);
  while (first_ < lo) add_row(first_++, -1);
  for (int x = 0; x < w; ++x) {
    prefix_[static_cast<size_t>(x) + 1] =
        prefix_[static_cast<size_t>(x)] + sum_[static_cast<size_t>(x)];
    prefix_sq_[static_cast<size_t>(x) + 1] =
        prefix_sq_[static_cast<size_t>(x)] + sum_sq_[static_cast<size_t>(x)];
  }
  const std::array<float, 256>& lum = luminance_adaptation_table();
  const int rows = hi - lo;
  for (int x = 0; x < w; ++x) {
    const int x0 = std::max(0, x - r), x1 = std::min(w, x + r + 1);
    const int64_t n = static_cast<int64_t>(rows) * (x1 - x0);
    const int64_t s = prefix_[static_cast<size_t>(x1)] - prefix_[static_cast<size_t>(x0)];
    const int64_t s2 = prefix_sq_[static_cast<size_t>(x1)] - prefix_sq_[static_cast<size_t>(x0)];
    // Mean and variance on the 0..255 scale, from exact sums: n^2 var = n s2 - s^2.
    const double mean = static_cast<double>(s) / (1000.0 * static_cast<double>(n));
    const double variance = static_cast<double>(n * s2 - s * s) /
                            (1e6 * static_cast<double>(n) * static_cast<double>(n));
    out[x] = mask_value(shaping_, lum, mean, variance);
  }
}

}  // namespace robusthide::detail
