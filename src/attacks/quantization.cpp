// quant: differentiable rounding to the 8-bit grid. On the 0..255 scale, y = 255 x,
//   round(y) ~ y - sum_{n=1..10} (-1)^(n+1) / (pi n) * sin(2 pi n y)
// (the truncated Fourier series of the sawtooth y - round(y)); the result is /255.
// Exact at integers, within ~0.05 of round(y) away from half-integers.
#include <cmath>

#include "attacks/differentiable.h"

namespace robusthide {
namespace {

constexpr int kTerms = 10;

// y - sum_n (-1)^(n+1) sin(n t) / (pi n), t = 2 pi frac(y), with its exact derivative
// 1 - 2 sum_n (-1)^(n+1) cos(n t). sin(n t) and cos(n t) come from the Chebyshev
// recurrence f(n+1) = 2 cos(t) f(n) - f(n-1): two transcendental calls instead of ten,
// and no autograd graph of twenty nodes. (First derivatives only.)
class FourierRounding : public torch::autograd::Function<FourierRounding> {
 public:
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& y) {
    const auto phase = (y - torch::floor(y)) * (2.0 * M_PI);  // frac keeps float32 exact
    ctx->save_for_backward({phase});
    return y - series(phase, torch::zeros_like(phase), torch::sin(phase), /*derivative=*/false);
  }

  static torch::autograd::tensor_list backward(torch::autograd::AutogradContext* ctx,
                                               torch::autograd::tensor_list grads) {
    const auto phase = ctx->get_saved_variables()[0];
    const auto slope = series(phase, torch::ones_like(phase), torch::cos(phase), true);
    return {grads[0] * (1.0 - slope)};
  }

 private:
  // sum_n (-1)^(n+1) w_n f(n) with f(0) = f0, f(1) = f1; w_n = 1/(pi n) or 2.
  static torch::Tensor series(const torch::Tensor& phase, torch::Tensor prev, torch::Tensor cur,
                              bool derivative) {
    const auto two_cos = 2.0 * torch::cos(phase);
    auto sum = cur * (derivative ? 2.0 : 1.0 / M_PI);
    for (int n = 2; n <= kTerms; ++n) {
      prev.neg_().addcmul_(two_cos, cur);  // f(n) = 2 cos(t) f(n-1) - f(n-2), in place
      std::swap(prev, cur);
      sum.add_(cur, ((n % 2 == 1) ? 1.0 : -1.0) * (derivative ? 2.0 : 1.0 / (M_PI * n)));
    }
    return sum;
  }
};

class QuantizationImpl : public AttackImpl {
 public:
  torch::Tensor forward(const torch::Tensor& encoded, const torch::Tensor&) override {
    check_image_batch(encoded, spec());
    return FourierRounding::apply(encoded * 255.0) / 255.0;
  }

  std::string spec() const override { return "quant"; }
  bool deterministic() const override { return true; }
};

}  // namespace

Attack make_quantization_attack(const SpecNode& spec) {
  spec.expect(0, {}, "quant (no parameters)");
  return std::make_shared<QuantizationImpl>();
}

}  // namespace robusthide
