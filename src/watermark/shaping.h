// The shaping mask's pieces shared by the tensor path (embedding.cpp) and the row-by-row
// path for photos of any size (resample.cpp), so both compute one formula.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <vector>

#include "robusthide/image.h"
#include "robusthide/model.h"

namespace robusthide::detail {

// Side of the window of the texture mask's local statistics (Shaping).
constexpr int kMaskWindow = 5;

// lum(V) of Shaping::luminance_adaptation for V = 0..255.
const std::array<float, 256>& luminance_adaptation_table();

// The mask value from a pixel's 5x5 luminance mean and variance (0..255 scale).
inline float mask_value(const Shaping& s, const std::array<float, 256>& lum, double mean,
                        double variance) {
  float m = 1.0f;
  if (s.flat < 1.0) {
    const double sigma = variance > 0 ? std::sqrt(variance) : 0.0;
    m = static_cast<float>(std::min(1.0, s.flat + sigma / s.texture));
  }
  if (s.luminance_adaptation) {
    const int v = static_cast<int>(std::nearbyint(std::clamp(mean, 0.0, 255.0)));
    m *= lum[static_cast<size_t>(v)];
  }
  if (s.dark > 0.0 && mean < s.dark) {
    const double r = std::max(0.0, mean) / s.dark;
    m *= static_cast<float>(r * r);
  }
  return m;
}

// True when the mask is 1 everywhere.
inline bool mask_is_one(const Shaping& s) {
  return s.flat >= 1.0 && !s.luminance_adaptation && s.dark <= 0.0;
}

// The shaping mask of an 8-bit image, one row at a time, in order y = first_row,
// first_row + 1, ...: memory O(width) (the 5 luminance rows of the window as running
// column sums, started fresh at first_row). Luminance is summed exactly, as integers
// 299 R + 587 G + 114 B (1000 x Y), so a row's mask does not depend on where the rows
// started.
class MaskRows {
 public:
  MaskRows(const Image& image, const Shaping& shaping, int first_row = 0);
  // Writes row y's mask (width floats). Rows must be asked for in increasing order, from
  // first_row on.
  void row(int y, float* out);

 private:
  void add_row(int y, int64_t sign);  // +1 adds row y to the column sums, -1 removes it

  const Image& image_;
  Shaping shaping_;
  std::vector<int64_t> sum_, sum_sq_, prefix_, prefix_sq_;  // of 1000 Y and (1000 Y)^2
  int next_ = 0;  // rows [first, next_) are in the column sums
  int first_ = 0;
};

}  // namespace robusthide::detail
