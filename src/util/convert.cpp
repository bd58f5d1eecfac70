#include "util/convert.h"

#include <cmath>

namespace robusthide {

void plane_to_image(const float* chw, int width, int height, Image* image) {
  const size_t hw = static_cast<size_t>(width) * height;
  image->width = width;
  image->height = height;
  image->pixels.resize(hw * 3);
  uint8_t* out = image->pixels.data();
  for (int c = 0; c < 3; ++c) {
    const float* in = chw + c * hw;
    for (size_t p = 0; p < hw; ++p) {
      float v = in[p];
      v = v > 0.0f ? (v < 1.0f ? v : 1.0f) : 0.0f;  // also maps NaN to 0
      out[p * 3 + c] = static_cast<uint8_t>(std::nearbyint(v * 255.0f));
    }
  }
}

void image_to_plane(const Image& image, float* chw) {
  const size_t hw = static_cast<size_t>(image.width) * image.height;
  const uint8_t* in = image.pixels.data();
  for (int c = 0; c < 3; ++c) {
    float* out = chw + c * hw;
    for (size_t p = 0; p < hw; ++p) out[p] = static_cast<float>(in[p * 3 + c]) / 255.0f;
  }
}

}  // namespace robusthide
