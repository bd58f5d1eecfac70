// blur[:SIGMA[:K]]: gaussian blur (HiDDeN: sigma 2, 3x3), a normalised K x K kernel
// applied per channel as two 1-D passes, replicate padding (size kept).
#include <cmath>
#include <vector>

#include "attacks/differentiable.h"
#include "robusthide/error.h"
#include "robusthide/text.h"

namespace robusthide {
namespace {

class BlurImpl : public AttackImpl {
 public:
  BlurImpl(double sigma, int size) : sigma_(sigma), size_(size) {
    double sum = 0;
    for (int k = 0; k < size; ++k) {
      const double d = k - size / 2;
      weights_.push_back(std::exp(-d * d / (2 * sigma * sigma)));
      sum += weights_.back();
    }
    for (double& g : weights_) g /= sum;
  }

  torch::Tensor forward(const torch::Tensor& encoded, const torch::Tensor&) override {
    check_image_batch(encoded, spec());
    const int64_t r = size_ / 2, h = encoded.size(2), w = encoded.size(3);
    namespace F = torch::nn::functional;
    const auto padded = F::pad(encoded, F::PadFuncOptions({r, r, r, r}).mode(torch::kReplicate));
    // Separable filter as a sum of shifted, weighted copies: element-wise ops only, which
    // beats a depthwise convolution on the CPU for small kernels and runs anywhere.
    auto rows = weights_[0] * padded.narrow(3, 0, w);
    for (int64_t k = 1; k < size_; ++k) rows = rows + weights_[k] * padded.narrow(3, k, w);
    auto out = weights_[0] * rows.narrow(2, 0, h);
    for (int64_t k = 1; k < size_; ++k) out = out + weights_[k] * rows.narrow(2, k, h);
    return out;
  }

  std::string spec() const override {
    return "blur:" + format_number(sigma_) + ":" + std::to_string(size_);
  }
  bool deterministic() const override { return true; }

 private:
  double sigma_;
  int64_t size_;
  std::vector<double> weights_;  // normalised 1-D gaussian, size_ taps
};

}  // namespace

Attack make_blur_attack(const SpecNode& spec) {
  const std::string usage =
      "blur[:SIGMA[:K]] with SIGMA in (0, 100] (default 2) and an odd "
      "kernel size K in 1..63 (default 3)";
  spec.expect(2, {}, usage);
  const double sigma =
      spec.positional(0) ? positive_param(spec, spec.positional(0), 100.0, "sigma") : 2.0;
  const int size =
      spec.positional(1) ? spec.int_param(spec.positional(1), 1, 63, "kernel size K") : 3;
  if (size % 2 == 0) {
    throw InvalidArgument("blur: kernel size K must be odd, got '" + *spec.positional(1) +
                          "' in spec '" + abbreviate(spec.text) + "'; expected " + usage);
  }
  return std::make_shared<BlurImpl>(sigma, size);
}

}  // namespace robusthide
