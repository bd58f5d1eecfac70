// CIEDE2000 (lcms2) and flat-region visibility, row by row.
#include "robusthide/perceptual.h"

#include <lcms2.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "robusthide/error.h"
#include "util/parallel.h"

namespace robusthide {
namespace {

// 8-bit sRGB -> CIELAB with the D65 white (IEC 61966-2-1 and CIE 15), as scikit-image's
// rgb2lab computes it: a linearization table, the sRGB -> XYZ (D65) matrix, then L*a*b*
// relative to the D65 white. (lcms2's built-in profiles connect through a D50 space, which
// moves saturated colours by about 1 L* unit; the issue asks for CIELAB D65.)
class SrgbToLab {
 public:
  SrgbToLab() {
    for (int v = 0; v < 256; ++v) {
      const double c = v / 255.0;
      linear_[v] = c <= 0.04045 ? c / 12.92 : std::pow((c + 0.055) / 1.055, 2.4);
    }
  }
  cmsCIELab operator()(const uint8_t* rgb) const {
    const double r = linear_[rgb[0]], g = linear_[rgb[1]], b = linear_[rgb[2]];
    const double x = (0.4124564 * r + 0.3575761 * g + 0.1804375 * b) / kWhiteX;
    const double y = 0.2126729 * r + 0.7151522 * g + 0.0721750 * b;
    const double z = (0.0193339 * r + 0.1191920 * g + 0.9503041 * b) / kWhiteZ;
    const double fx = f(x), fy = f(y), fz = f(z);
    return cmsCIELab{116.0 * fy - 16.0, 500.0 * (fx - fy), 200.0 * (fy - fz)};
  }

 private:
  static constexpr double kWhiteX = 0.95047, kWhiteZ = 1.08883;  // D65, Y = 1
  static double f(double t) {
    constexpr double d = 6.0 / 29.0;
    return t > d * d * d ? std::cbrt(t) : t / (3 * d * d) + 4.0 / 29.0;
  }
  double linear_[256];
};

const SrgbToLab& to_lab() {
  static const SrgbToLab t;
  return t;
}

double luminance(const uint8_t* p) { return 0.299 * p[0] + 0.587 * p[1] + 0.114 * p[2]; }

}  // namespace

std::array<double, 3> srgb_to_lab(uint8_t r, uint8_t g, uint8_t b) {
  const uint8_t rgb[3] = {r, g, b};
  const cmsCIELab lab = to_lab()(rgb);
  return {lab.L, lab.a, lab.b};
}

double ciede2000(const std::array<double, 3>& lab1, const std::array<double, 3>& lab2) {
  const cmsCIELab a{lab1[0], lab1[1], lab1[2]}, b{lab2[0], lab2[1], lab2[2]};
  return cmsCIE2000DeltaE(&a, &b, 1.0, 1.0, 1.0);
}

// Rows per parallel band of perceptual_distance.
constexpr int kBandRows = 64;

PerceptualDistance perceptual_distance(const Image& cover, const Image& marked) {
  if (cover.width != marked.width || cover.height != marked.height || cover.empty() ||
      cover.pixels.size() != marked.pixels.size()) {
    throw InvalidArgument("perceptual distance: cannot compare images of " +
                          std::to_string(cover.width) + "x" + std::to_string(cover.height) +
                          " and " + std::to_string(marked.width) + "x" +
                          std::to_string(marked.height));
  }
  const int w = cover.width, h = cover.height, r = kFlatWindow / 2;
  const size_t stride = static_cast<size_t>(w) * 3;
  const SrgbToLab& lab = to_lab();
  // ΔE histogram in steps of 0.01 (the last bin holds everything above).
  constexpr int kBins = 20000;
  // Bands of rows in parallel, each with its own sliding window and sums, added in band
  // order: the same result for any number of threads.
  struct Band {
    double sum = 0.0;
    int64_t flat = 0, flat_visible = 0;
    std::vector<int64_t> histogram;
  };
  const int band_count = (h + kBandRows - 1) / kBandRows;
  std::vector<Band> bands(static_cast<size_t>(band_count));
  parallel_for(bands.size(), 0, [&](size_t band_index) {
    Band& band = bands[band_index];
    band.histogram.assign(kBins + 1, 0);
    const int y0 = static_cast<int>(band_index) * kBandRows;
    const int y1 = std::min(h, y0 + kBandRows);
    std::vector<cmsCIELab> lab_a(static_cast<size_t>(w)), lab_b(static_cast<size_t>(w));
    // Column sums of Y and Y^2 over the window's rows, kept as the window slides down.
    std::vector<double> col(static_cast<size_t>(w), 0.0), col2(static_cast<size_t>(w), 0.0);
    auto add_row = [&](int y, double sign) {
      const uint8_t* p = cover.data() + static_cast<size_t>(y) * stride;
      for (int x = 0; x < w; ++x) {
        const double v = luminance(p + 3 * x);
        col[x] += sign * v;
        col2[x] += sign * v * v;
      }
    };
    for (int y = std::max(0, y0 - r); y < std::min(y0 + r, h); ++y) add_row(y, 1.0);
    for (int y = y0; y < y1; ++y) {
      if (y + r < h) add_row(y + r, 1.0);
      if (y - r - 1 >= 0 && y - r - 1 >= y0 - r) add_row(y - r - 1, -1.0);
      const int rows = std::min(h - 1, y + r) - std::max(0, y - r) + 1;
      for (int x = 0; x < w; ++x) {
        lab_a[x] = lab(cover.data() + static_cast<size_t>(y) * stride + 3 * x);
        lab_b[x] = lab(marked.data() + static_cast<size_t>(y) * stride + 3 * x);
      }
      // Horizontal window sums by a running sum over the column sums.
      double s = 0.0, s2 = 0.0;
      for (int x = 0; x < std::min(r, w); ++x) {
        s += col[x];
        s2 += col2[x];
      }
      for (int x = 0; x < w; ++x) {
        if (x + r < w) {
          s += col[x + r];
          s2 += col2[x + r];
        }
        if (x - r - 1 >= 0) {
          s -= col[x - r - 1];
          s2 -= col2[x - r - 1];
        }
        const int cols = std::min(w - 1, x + r) - std::max(0, x - r) + 1;
        const double n = static_cast<double>(rows) * cols;
        const double mean = s / n;
        const double variance = std::max(0.0, s2 / n - mean * mean);
        const double de = cmsCIE2000DeltaE(&lab_a[x], &lab_b[x], 1.0, 1.0, 1.0);
        band.sum += de;
        ++band.histogram[std::min<int64_t>(kBins, static_cast<int64_t>(de * 100.0))];
        if (variance < kFlatStdDev * kFlatStdDev) {
          ++band.flat;
          band.flat_visible += de > kVisibleDeltaE;
        }
      }
    }
  });
  PerceptualDistance d;
  double sum = 0.0;
  std::vector<int64_t> histogram(kBins + 1, 0);
  for (const Band& band : bands) {
    sum += band.sum;
    d.flat_pixels += band.flat;
    d.flat_visible += band.flat_visible;
    for (int b = 0; b <= kBins; ++b) histogram[b] += band.histogram[b];
  }
  d.pixels = static_cast<int64_t>(w) * h;
  d.delta_e_mean = sum / static_cast<double>(d.pixels);
  // The smallest bin edge below which at least 99% of the pixels lie.
  const int64_t target = (d.pixels * 99 + 99) / 100;
  int64_t seen = 0;
  for (int b = 0; b <= kBins; ++b) {
    seen += histogram[b];
    if (seen >= target) {
      d.delta_e_p99 = (b + 1) / 100.0;
      break;
    }
  }
  return d;
}

}  // namespace robusthide
