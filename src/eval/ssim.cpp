// SSIM (Wang et al. 2004) with an 11x11 Gaussian window, as scikit-image computes it.
#include <array>
#include <sstream>
#include <string>
#include <vector>

#include "robusthide/error.h"
#include "robusthide/metrics.h"
#include "robusthide/tensor.h"
#include "util/parallel.h"

namespace robusthide {
namespace {

constexpr int kRadius = kSsimWindow / 2;
constexpr double kSigma = 1.5;
constexpr double kC1 = (0.01 * 255.0) * (0.01 * 255.0);
constexpr double kC2 = (0.03 * 255.0) * (0.03 * 255.0);

// The 1-D Gaussian taps (the 2-D window is their outer product), summing to 1.
std::array<double, kSsimWindow> gaussian_taps() {
  std::array<double, kSsimWindow> g{};
  double sum = 0.0;
  for (int k = 0; k < kSsimWindow; ++k) {
    const double d = k - kRadius;
    g[k] = std::exp(-d * d / (2.0 * kSigma * kSigma));
    sum += g[k];
  }
  for (double& v : g) v /= sum;
  return g;
}

// Mean SSIM over the valid windows of channel `c` of two interleaved RGB images. The
// horizontal pass (valid columns) of x, y, x*x, y*y, x*y is kept for the last 11 rows
// only (a ring), so memory is O(width), not O(pixels).
double channel_ssim(const Image& a, const Image& b, int c) {
  static const std::array<double, kSsimWindow> g = gaussian_taps();
  const int w = a.width, h = a.height, vw = w - 2 * kRadius;
  constexpr int kMaps = 5;
  const size_t row_size = static_cast<size_t>(vw) * kMaps;
  std::vector<double> ring(row_size * kSsimWindow);
  double total = 0.0;
  for (int r = 0; r < h; ++r) {
    const uint8_t* pa = a.data() + static_cast<size_t>(r) * w * 3 + c;
    const uint8_t* pb = b.data() + static_cast<size_t>(r) * w * 3 + c;
    double* row = &ring[(r % kSsimWindow) * row_size];
    for (int x = 0; x < vw; ++x) {
      double s[kMaps] = {0, 0, 0, 0, 0};
      for (int k = 0; k < kSsimWindow; ++k) {
        const double va = pa[(x + k) * 3], vb = pb[(x + k) * 3];
        s[0] += g[k] * va;
        s[1] += g[k] * vb;
        s[2] += g[k] * va * va;
        s[3] += g[k] * vb * vb;
        s[4] += g[k] * va * vb;
      }
      for (int m = 0; m < kMaps; ++m) row[x * kMaps + m] = s[m];
    }
    const int y = r - (kSsimWindow - 1);  // the output row whose window ends at r
    if (y < 0) continue;
    for (int x = 0; x < vw; ++x) {
      double s[kMaps] = {0, 0, 0, 0, 0};
      for (int k = 0; k < kSsimWindow; ++k) {
        const double* in = &ring[((y + k) % kSsimWindow) * row_size + x * kMaps];
        for (int m = 0; m < kMaps; ++m) s[m] += g[k] * in[m];
      }
      const double ux = s[0], uy = s[1];
      const double vx = s[2] - ux * ux, vy = s[3] - uy * uy, vxy = s[4] - ux * uy;
      total += ((2.0 * ux * uy + kC1) * (2.0 * vxy + kC2)) /
               ((ux * ux + uy * uy + kC1) * (vx + vy + kC2));
    }
  }
  return total / (static_cast<double>(vw) * (h - 2 * kRadius));
}

}  // namespace

double ssim(const Image& a, const Image& b) {
  if (a.width != b.width || a.height != b.height || a.pixels.size() != b.pixels.size()) {
    throw InvalidArgument("SSIM: cannot compare images of different sizes (" +
                          std::to_string(a.width) + "x" + std::to_string(a.height) + " vs " +
                          std::to_string(b.width) + "x" + std::to_string(b.height) + ")");
  }
  if (a.width < kSsimWindow || a.height < kSsimWindow) {
    throw InvalidArgument("SSIM: images of " + std::to_string(a.width) + "x" +
                          std::to_string(a.height) + " are smaller than the " +
                          std::to_string(kSsimWindow) + "x" + std::to_string(kSsimWindow) +
                          " window");
  }
  return (channel_ssim(a, b, 0) + channel_ssim(a, b, 1) + channel_ssim(a, b, 2)) / 3.0;
}

std::vector<double> batch_ssim(const torch::Tensor& a, const torch::Tensor& b, int threads) {
  if (a.sizes() != b.sizes() || a.dim() != 4 || a.size(1) != 3) {
    std::ostringstream os;
    os << "SSIM needs two (N,3,H,W) batches of one shape, got " << a.sizes() << " and "
       << b.sizes();
    throw InvalidArgument(os.str());
  }
  const std::vector<Image> ia = tensor_to_images(a), ib = tensor_to_images(b);
  std::vector<double> out(ia.size());
  parallel_for(ia.size(), threads, [&](size_t i) { out[i] = ssim(ia[i], ib[i]); });
  return out;
}

}  // namespace robusthide
