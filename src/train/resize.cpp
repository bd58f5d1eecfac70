// Bilinear resize with half-pixel centres.
#include "train/resize.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "robusthide/error.h"

namespace robusthide {
namespace {

// Source index pair and weight of the second one, for every destination coordinate.
struct Tap {
  int i0, i1;
  float w1;
};

std::vector<Tap> taps(int src, int dst) {
  std::vector<Tap> out(static_cast<size_t>(dst));
  const double scale = static_cast<double>(src) / dst;
  for (int d = 0; d < dst; ++d) {
    const double s = std::max(0.0, (d + 0.5) * scale - 0.5);
    const int i0 = std::min(static_cast<int>(s), src - 1);
    const int i1 = std::min(i0 + 1, src - 1);
    out[static_cast<size_t>(d)] = {i0, i1, static_cast<float>(s - i0)};
  }
  return out;
}

}  // namespace

Image resize_bilinear(const Image& image, int width, int height) {
  if (image.empty() || width < 1 || height < 1) {
    throw InvalidArgument("cannot resize a " + std::to_string(image.width) + "x" +
                          std::to_string(image.height) + " image to " + std::to_string(width) +
                          "x" + std::to_string(height));
  }
  const std::vector<Tap> tx = taps(image.width, width), ty = taps(image.height, height);
  Image out(width, height);
  std::vector<float> row0(static_cast<size_t>(width) * 3), row1(row0.size());
  auto horizontal = [&](int y, std::vector<float>& row) {
    const uint8_t* src = image.data() + static_cast<size_t>(y) * image.width * 3;
    for (int x = 0; x < width; ++x) {
      const Tap& t = tx[static_cast<size_t>(x)];
      for (int c = 0; c < 3; ++c) {
        const float a = src[t.i0 * 3 + c], b = src[t.i1 * 3 + c];
        row[static_cast<size_t>(x) * 3 + c] = a + (b - a) * t.w1;
      }
    }
  };
  for (int y = 0; y < height; ++y) {
    const Tap& t = ty[static_cast<size_t>(y)];
    horizontal(t.i0, row0);
    horizontal(t.i1, row1);
    uint8_t* dst = out.data() + static_cast<size_t>(y) * width * 3;
    for (size_t k = 0; k < row0.size(); ++k) {
      const float v = row0[k] + (row1[k] - row0[k]) * t.w1;
      dst[k] = static_cast<uint8_t>(std::clamp(std::lround(v), 0L, 255L));
    }
  }
  return out;
}

}  // namespace robusthide
