// crop:F[:FW] and cropout:F[:FW] (HiDDeN): a random rectangle with side ratios F (height)
// and FW (width, default F), placed independently for each image of the batch.
#include <algorithm>
#include <cmath>

#include "attacks/differentiable.h"
#include "robusthide/text.h"

namespace robusthide {
namespace {

struct Rect {
  torch::Tensor top, left;  // (N) long, on the batch's device
  int64_t height = 0, width = 0;
};

// A uniformly placed rectangle of round(fh*H) x round(fw*W) (at least 1x1) per image.
Rect random_rects(const torch::Tensor& x, double fh, double fw) {
  const int64_t n = x.size(0), h = x.size(2), w = x.size(3);
  Rect r;
  r.height = std::clamp<int64_t>(std::llround(fh * h), 1, h);
  r.width = std::clamp<int64_t>(std::llround(fw * w), 1, w);
  const auto opts = torch::TensorOptions().dtype(torch::kLong).device(x.device());
  r.top = torch::randint(h - r.height + 1, {n}, opts);
  r.left = torch::randint(w - r.width + 1, {n}, opts);
  return r;
}

std::string ratio_spec(const std::string& name, double fh, double fw) {
  return name + ":" + format_number(fh) + (fh == fw ? "" : ":" + format_number(fw));
}

class CropImpl : public AttackImpl {
 public:
  CropImpl(double fh, double fw) : fh_(fh), fw_(fw) {}

  torch::Tensor forward(const torch::Tensor& encoded, const torch::Tensor&) override {
    check_image_batch(encoded, spec());
    const Rect r = random_rects(encoded, fh_, fw_);
    const int64_t n = encoded.size(0), c = encoded.size(1), w = encoded.size(3);
    const auto opts = r.top.options();
    // Gather the rows, then the columns, of each image's rectangle.
    const auto rows =
        (r.top.view({n, 1}) + torch::arange(r.height, opts)).view({n, 1, r.height, 1});
    const auto by_rows = encoded.gather(2, rows.expand({n, c, r.height, w}));
    const auto cols = (r.left.view({n, 1}) + torch::arange(r.width, opts)).view({n, 1, 1, r.width});
    return by_rows.gather(3, cols.expand({n, c, r.height, r.width}));
  }

  std::string spec() const override { return ratio_spec("crop", fh_, fw_); }

 private:
  double fh_, fw_;
};

class CropoutImpl : public AttackImpl {
 public:
  CropoutImpl(double fh, double fw) : fh_(fh), fw_(fw) {}

  torch::Tensor forward(const torch::Tensor& encoded, const torch::Tensor& cover) override {
    check_cover(encoded, cover, spec());
    const Rect r = random_rects(encoded, fh_, fw_);
    const int64_t n = encoded.size(0), h = encoded.size(2), w = encoded.size(3);
    const auto opts = r.top.options();
    const auto y = torch::arange(h, opts).view({1, h});
    const auto x = torch::arange(w, opts).view({1, w});
    const auto top = r.top.view({n, 1}), left = r.left.view({n, 1});
    const auto in_rows = ((y >= top) & (y < top + r.height)).view({n, 1, h, 1});
    const auto in_cols = ((x >= left) & (x < left + r.width)).view({n, 1, 1, w});
    return torch::where(in_rows & in_cols, encoded, cover);
  }

  std::string spec() const override { return ratio_spec("cropout", fh_, fw_); }

 private:
  double fh_, fw_;
};

std::pair<double, double> parse_ratios(const SpecNode& spec) {
  spec.expect(2, {}, spec.name + ":F[:FW] with side ratios in (0, 1]");
  const double fh = positive_param(spec, spec.positional(0), 1.0, "side ratio F");
  const double fw =
      spec.positional(1) ? positive_param(spec, spec.positional(1), 1.0, "width ratio FW") : fh;
  return {fh, fw};
}

}  // namespace

Attack make_crop_attack(const SpecNode& spec) {
  const auto [fh, fw] = parse_ratios(spec);
  return std::make_shared<CropImpl>(fh, fw);
}

Attack make_cropout_attack(const SpecNode& spec) {
  const auto [fh, fw] = parse_ratios(spec);
  return std::make_shared<CropoutImpl>(fh, fw);
}

}  // namespace robusthide
