#include "util/convert.h"

#include <array>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace robusthide {
namespace {

// Adding and subtracting 2^23 rounds a float in [0, 2^23) to an integer with the
// current rounding mode (round to nearest, ties to even): the same value as
// std::nearbyint, but the loop vectorizes.
constexpr float kRoundMagic = 8388608.0f;

// v / 255 for every byte value, computed with the division (not a multiplication by
// 1/255, which differs in the last bit for some values).
const std::array<float, 256>& byte_to_float() {
  static const std::array<float, 256> table = [] {
    std::array<float, 256> t{};
    for (int v = 0; v < 256; ++v) t[v] = static_cast<float>(v) / 255.0f;
    return t;
  }();
  return table;
}

inline uint8_t to_byte(float v) {
  v = 0.0f < v ? v : 0.0f;  // also maps NaN to 0
  v = v < 1.0f ? v : 1.0f;
  return static_cast<uint8_t>((v * 255.0f + kRoundMagic) - kRoundMagic);
}

// n floats to bytes with to_byte's values.
void to_bytes(const float* in, size_t n, uint8_t* out) {
  size_t p = 0;
#if defined(__SSE2__)
  // maxps(v, 0) is 0 for NaN v; cvtps2dq rounds to nearest even (the default MXCSR mode).
  const __m128 zero = _mm_setzero_ps(), one = _mm_set1_ps(1.0f), scale = _mm_set1_ps(255.0f);
  auto load = [&](size_t i) {
    const __m128 v = _mm_min_ps(_mm_max_ps(_mm_loadu_ps(in + i), zero), one);
    return _mm_cvtps_epi32(_mm_mul_ps(v, scale));
  };
  for (; p + 16 <= n; p += 16) {
    const __m128i lo = _mm_packs_epi32(load(p), load(p + 4));
    const __m128i hi = _mm_packs_epi32(load(p + 8), load(p + 12));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + p), _mm_packus_epi16(lo, hi));
  }
#endif
  for (; p < n; ++p) out[p] = to_byte(in[p]);
}

}  // namespace

const float* byte_to_float_table() { return byte_to_float().data(); }

void floats_to_bytes(const float* in, size_t n, uint8_t* out) { to_bytes(in, n, out); }

void plane_to_image(const float* chw, int width, int height, Image* image) {
  const size_t hw = static_cast<size_t>(width) * height;
  image->width = width;
  image->height = height;
  image->pixels.resize(hw * 3);
  uint8_t* out = image->pixels.data();
  // In blocks: each channel to bytes (a loop the compiler vectorizes), then interleave.
  constexpr size_t kBlock = 1024;
  uint8_t bytes[3][kBlock];
  for (size_t start = 0; start < hw; start += kBlock) {
    const size_t n = hw - start < kBlock ? hw - start : kBlock;
    for (int c = 0; c < 3; ++c) to_bytes(chw + c * hw + start, n, bytes[c]);
    uint8_t* o = out + start * 3;
    for (size_t p = 0; p < n; ++p) {
      o[p * 3] = bytes[0][p];
      o[p * 3 + 1] = bytes[1][p];
      o[p * 3 + 2] = bytes[2][p];
    }
  }
}

void crop_to_plane(const Image& image, int x, int y, int w, int h, float* chw) {
  const size_t plane = static_cast<size_t>(w) * h;
  const float* table = byte_to_float().data();  // faster than divps, same values
  for (int row = 0; row < h; ++row) {
    const uint8_t* in = image.data() + (static_cast<size_t>(y + row) * image.width + x) * 3;
    float* r = chw + static_cast<size_t>(row) * w;
    float* g = r + plane;
    float* b = g + plane;
    for (int p = 0; p < w; ++p) {
      r[p] = table[in[p * 3]];
      g[p] = table[in[p * 3 + 1]];
      b[p] = table[in[p * 3 + 2]];
    }
  }
}

void image_to_plane(const Image& image, float* chw) {
  crop_to_plane(image, 0, 0, image.width, image.height, chw);
}

}  // namespace robusthide
