#include "robusthide/metrics.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>

#include "robusthide/error.h"

namespace robusthide {

namespace {

void check_comparable(const Image& a, const Image& b) {
  if (a.width != b.width || a.height != b.height || a.pixels.size() != b.pixels.size()) {
    throw InvalidArgument("cannot compare images of different sizes (" + std::to_string(a.width) +
                          "x" + std::to_string(a.height) + " vs " + std::to_string(b.width) + "x" +
                          std::to_string(b.height) + ")");
  }
  if (a.pixels.empty()) throw InvalidArgument("cannot compare empty images");
}

}  // namespace

double mse(const Image& a, const Image& b) {
  check_comparable(a, b);
  double sum = 0.0;
  for (size_t i = 0; i < a.pixels.size(); ++i) {
    const double d = static_cast<double>(a.pixels[i]) - b.pixels[i];
    sum += d * d;
  }
  return sum / static_cast<double>(a.pixels.size());
}

double mean_absolute_difference(const Image& a, const Image& b) {
  check_comparable(a, b);
  double sum = 0.0;
  for (size_t i = 0; i < a.pixels.size(); ++i) {
    sum += std::abs(static_cast<double>(a.pixels[i]) - b.pixels[i]);
  }
  return sum / static_cast<double>(a.pixels.size());
}

double psnr(const Image& a, const Image& b) {
  const double m = mse(a, b);
  if (m == 0.0) return std::numeric_limits<double>::infinity();
  return 10.0 * std::log10(255.0 * 255.0 / m);
}

namespace {
torch::Tensor wrong_bits(const torch::Tensor& decoded, const torch::Tensor& message) {
  if (decoded.sizes() != message.sizes()) {
    std::ostringstream os;
    os << "bit error rate: decoded values " << decoded.sizes() << " and message " << message.sizes()
       << " differ in shape";
    throw InvalidArgument(os.str());
  }
  return decoded.detach().gt(0.5).ne(message.detach().gt(0.5));
}

torch::Tensor to_bytes(const torch::Tensor& x) {
  return x.detach().to(torch::kCPU, torch::kFloat32).clamp(0.0, 1.0).mul(255.0).round();
}
}  // namespace

ProportionInterval wilson_interval(int64_t successes, int64_t trials) {
  if (successes < 0 || trials < 0 || successes > trials) {
    throw InvalidArgument("wilson_interval: need 0 <= successes <= trials, got " +
                          std::to_string(successes) + " of " + std::to_string(trials));
  }
  if (trials == 0) return {};
  constexpr double z = 1.959963984540054;  // the normal distribution's 97.5% quantile
  const double n = static_cast<double>(trials);
  const double p = static_cast<double>(successes) / n;
  const double centre = (p + z * z / (2 * n)) / (1 + z * z / n);
  const double half = z / (1 + z * z / n) * std::sqrt(p * (1 - p) / n + z * z / (4 * n * n));
  // Exact ends at 0 and n successes (rounding must not move them off 0 or 1).
  return {successes == 0 ? 0.0 : std::max(0.0, centre - half),
          successes == trials ? 1.0 : std::min(1.0, centre + half)};
}

int64_t bit_errors(const torch::Tensor& decoded, const torch::Tensor& message) {
  return wrong_bits(decoded, message).sum().item<int64_t>();
}

double bit_error_rate(const torch::Tensor& decoded, const torch::Tensor& message) {
  if (message.numel() == 0) throw InvalidArgument("bit error rate of an empty message");
  return static_cast<double>(bit_errors(decoded, message)) / static_cast<double>(message.numel());
}

std::vector<double> batch_psnr(const torch::Tensor& a, const torch::Tensor& b) {
  if (a.sizes() != b.sizes() || a.dim() != 4) {
    std::ostringstream os;
    os << "PSNR needs two (N,3,H,W) batches of one shape, got " << a.sizes() << " and "
       << b.sizes();
    throw InvalidArgument(os.str());
  }
  // Rounded in float (as tensor_to_images does), then summed exactly in double.
  const auto m =
      (to_bytes(a).to(torch::kDouble) - to_bytes(b).to(torch::kDouble)).pow(2).flatten(1).mean(1);
  std::vector<double> out(m.size(0));
  for (int64_t i = 0; i < m.size(0); ++i) {
    const double v = m[i].item<double>();
    out[i] =
        v == 0.0 ? std::numeric_limits<double>::infinity() : 10.0 * std::log10(255.0 * 255.0 / v);
  }
  return out;
}

}  // namespace robusthide
