// dropout:P (HiDDeN): each pixel (its three channels together) of the encoded image is
// kept with probability P, otherwise the cover's pixel takes its place.
#include "attacks/differentiable.h"
#include "robusthide/text.h"

namespace robusthide {
namespace {

class DropoutImpl : public AttackImpl {
 public:
  explicit DropoutImpl(double keep) : keep_(keep) {}

  torch::Tensor forward(const torch::Tensor& encoded, const torch::Tensor& cover) override {
    check_cover(encoded, cover, spec());
    const auto keep = torch::rand({encoded.size(0), 1, encoded.size(2), encoded.size(3)},
                                  encoded.options().requires_grad(false)) < keep_;
    return torch::where(keep, encoded, cover);
  }

  std::string spec() const override { return "dropout:" + format_number(keep_); }

 private:
  double keep_;
};

}  // namespace

Attack make_dropout_attack(const SpecNode& spec) {
  spec.expect(1, {}, "dropout:P with P in [0, 1] the probability of keeping an encoded pixel");
  return std::make_shared<DropoutImpl>(
      spec.double_param(spec.positional(0), 0.0, 1.0, "keep probability P"));
}

}  // namespace robusthide
