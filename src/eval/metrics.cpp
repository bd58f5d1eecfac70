#include "robusthide/metrics.h"

#include <cmath>
#include <limits>

#include "robusthide/error.h"

namespace robusthide {

double mse(const Image& a, const Image& b) {
  if (a.width != b.width || a.height != b.height || a.pixels.size() != b.pixels.size()) {
    throw InvalidArgument("cannot compare images of different sizes (" +
                          std::to_string(a.width) + "x" + std::to_string(a.height) + " vs " +
                          std::to_string(b.width) + "x" + std::to_string(b.height) + ")");
  }
  if (a.pixels.empty()) throw InvalidArgument("cannot compare empty images");
  double sum = 0.0;
  for (size_t i = 0; i < a.pixels.size(); ++i) {
    const double d = static_cast<double>(a.pixels[i]) - b.pixels[i];
    sum += d * d;
  }
  return sum / static_cast<double>(a.pixels.size());
}

double psnr(const Image& a, const Image& b) {
  const double m = mse(a, b);
  if (m == 0.0) return std::numeric_limits<double>::infinity();
  return 10.0 * std::log10(255.0 * 255.0 / m);
}

}  // namespace robusthide
