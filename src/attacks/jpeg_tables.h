// libjpeg's standard quantisation tables (ITU-T T.81 Annex K) and quality scaling.
#pragma once

#include <algorithm>
#include <array>

namespace robusthide {

// Luminance and chrominance base tables, natural (row-major) order: [8*u + v], u the
// vertical frequency.
constexpr std::array<int, 64> kStdLuminanceQuantTable = {16, 11, 10, 16, 24,  40,  51,  61,   //
                                                         12, 12, 14, 19, 26,  58,  60,  55,   //
                                                         14, 13, 16, 24, 40,  57,  69,  56,   //
                                                         14, 17, 22, 29, 51,  87,  80,  62,   //
                                                         18, 22, 37, 56, 68,  109, 103, 77,   //
                                                         24, 35, 55, 64, 81,  104, 113, 92,   //
                                                         49, 64, 78, 87, 103, 121, 120, 101,  //
                                                         72, 92, 95, 98, 112, 100, 103, 99};
constexpr std::array<int, 64> kStdChrominanceQuantTable = {17, 18, 24, 47, 99, 99, 99, 99,  //
                                                           18, 21, 26, 66, 99, 99, 99, 99,  //
                                                           24, 26, 56, 99, 99, 99, 99, 99,  //
                                                           47, 66, 99, 99, 99, 99, 99, 99,  //
                                                           99, 99, 99, 99, 99, 99, 99, 99,  //
                                                           99, 99, 99, 99, 99, 99, 99, 99,  //
                                                           99, 99, 99, 99, 99, 99, 99, 99,  //
                                                           99, 99, 99, 99, 99, 99, 99, 99};

// libjpeg's jpeg_quality_scaling: quality (clamped to 1..100) -> percentage scale.
constexpr int jpeg_quality_scaling(int quality) {
  quality = std::clamp(quality, 1, 100);
  return quality < 50 ? 5000 / quality : 200 - 2 * quality;
}

// A base table scaled as libjpeg's jpeg_add_quant_table with force_baseline:
// (t * scale + 50) / 100 in integers, clamped to 1..255.
constexpr std::array<int, 64> scaled_quant_table(const std::array<int, 64>& base, int quality) {
  const long scale = jpeg_quality_scaling(quality);
  std::array<int, 64> out{};
  for (size_t i = 0; i < 64; ++i) {
    out[i] = static_cast<int>(std::clamp((base[i] * scale + 50L) / 100L, 1L, 255L));
  }
  return out;
}

}  // namespace robusthide
