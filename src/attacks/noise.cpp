// noise:STD: additive white gaussian noise, STD on the 0..1 scale (no clamping).
#include "attacks/differentiable.h"
#include "robusthide/text.h"

namespace robusthide {
namespace {

class NoiseImpl : public AttackImpl {
 public:
  explicit NoiseImpl(double stddev) : stddev_(stddev) {}

  torch::Tensor forward(const torch::Tensor& encoded, const torch::Tensor&) override {
    check_image_batch(encoded, spec());
    return encoded +
           stddev_ * torch::randn(encoded.sizes(), encoded.options().requires_grad(false));
  }

  std::string spec() const override { return "noise:" + format_number(stddev_); }

 private:
  double stddev_;
};

}  // namespace

Attack make_noise_attack(const SpecNode& spec) {
  spec.expect(1, {}, "noise:STD with STD in [0, 1] on the 0..1 pixel scale");
  return std::make_shared<NoiseImpl>(
      spec.double_param(spec.positional(0), 0.0, 1.0, "standard deviation STD"));
}

}  // namespace robusthide
