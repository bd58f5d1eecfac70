// The differentiable attack layers: gradients, semantics, determinism, spec validation.
#include <gtest/gtest.h>

#include <cmath>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "attacks/color.h"
#include "attacks/dct.h"
#include "robusthide/attack.h"
#include "robusthide/codec.h"
#include "robusthide/error.h"
#include "robusthide/tensor.h"
#include "test_util.h"

namespace robusthide {
namespace {

using torch::indexing::None;
using torch::indexing::Slice;

class Attacks : public ::testing::Test {
 protected:
  void SetUp() override { torch::manual_seed(1234); }
};

// PSNR in dB of two [0,1] batches, peak 1.
double psnr(const torch::Tensor& a, const torch::Tensor& b) {
  const double mse = (a - b).pow(2).mean().item<double>();
  return 10.0 * std::log10(1.0 / mse);
}

double max_abs_diff(const torch::Tensor& a, const torch::Tensor& b) {
  return (a - b).abs().max().item<double>();
}

// The 2-D DCT basis function (u vertical, v horizontal) tiled over an h x w plane.
torch::Tensor dct_basis(int u, int v, int64_t h, int64_t w) {
  const auto i = torch::arange(h, torch::kFloat64).remainder(8).view({h, 1});
  const auto j = torch::arange(w, torch::kFloat64).remainder(8).view({1, w});
  return (torch::cos((2 * i + 1) * u * M_PI / 16) * torch::cos((2 * j + 1) * v * M_PI / 16))
      .to(torch::kFloat32);
}

// A grey (R=G=B) batch 0.5 + amplitude * basis(u,v): a single luma DCT coefficient.
torch::Tensor grey_pattern(int u, int v, double amplitude, int64_t n, int64_t h, int64_t w) {
  return (0.5 + amplitude * dct_basis(u, v, h, w)).expand({n, 3, h, w}).contiguous();
}

// Crops of a sample photo as a batch.
torch::Tensor photo_batch(int n, int size) {
  const Image photo = read_image(test::sample_photo_path("3096.jpg"));
  std::vector<Image> crops;
  for (int i = 0; i < n; ++i) {
    crops.push_back(test::crop(photo, (photo.width - size) * i / std::max(1, n - 1),
                               (photo.height - size) / 2, size, size));
  }
  return images_to_tensor(crops);
}

// Expected output (H, W) of each attack for an h x w input.
std::pair<int64_t, int64_t> expected_size(const std::string& spec, int64_t h, int64_t w) {
  if (spec == "crop:0.5") return {std::lround(0.5 * h), std::lround(0.5 * w)};
  if (spec == "crop:0.5:0.75") return {std::lround(0.5 * h), std::lround(0.75 * w)};
  if (spec == "resize:0.5" || spec == "resize:0.5:area")
    return {std::lround(0.5 * h), std::lround(0.5 * w)};
  if (spec == "resize:0.7:nearest") return {std::lround(0.7 * h), std::lround(0.7 * w)};
  if (spec == "resize:1.5:bicubic") return {std::lround(1.5 * h), std::lround(1.5 * w)};
  return {h, w};
}

const std::vector<std::string> kDifferentiableSpecs = {
    "crop:0.5",           "crop:0.5:0.75",      "cropout:0.5",     "dropout:0.3",  "resize:0.5",
    "resize:0.7:nearest", "resize:1.5:bicubic", "resize:0.5:area", "blur",         "blur:1.5:5",
    "noise:0.05",         "jpeg-mask",          "jpeg-drop",       "jpeg-drop:90", "quant",
    "diffjpeg:50",        "diffjpeg:10",        "diffjpeg:90:444"};

TEST_F(Attacks, EveryAttackHasFiniteNonZeroGradients) {
  // 37 x 45: not a multiple of 8 or 16, so the padding paths run too.
  for (const auto& spec : kDifferentiableSpecs) {
    SCOPED_TRACE(spec);
    const auto encoded = torch::rand({2, 3, 37, 45}).requires_grad_(true);
    const auto cover = torch::rand({2, 3, 37, 45});
    const Attack attack = make_attack(spec);
    const auto out = attack->forward(encoded, cover);
    const auto [h, w] = expected_size(spec, 37, 45);
    ASSERT_EQ(out.sizes(), (std::vector<int64_t>{2, 3, h, w}));
    EXPECT_TRUE(torch::isfinite(out).all().item<bool>());
    (out * torch::rand_like(out)).sum().backward();
    const auto grad = encoded.grad();
    ASSERT_TRUE(grad.defined());
    EXPECT_TRUE(torch::isfinite(grad).all().item<bool>());
    // Every attack passes gradient to a good part of the image (crop 0.5: ~1/4).
    EXPECT_GT((grad != 0).to(torch::kFloat).mean().item<double>(), 0.15);
  }
}

TEST_F(Attacks, BlockDctMatchesTheDefinitionAndInverts) {
  // A tiled basis function has exactly one non-zero coefficient per block, of value
  // 4 s(u) s(v), s(0) = sqrt(2), s(>0) = 1: sum_x c(u)/2 cos^2((2x+1) u pi / 16) is 2
  // for u > 0 and 8 / (2 sqrt(2)) = 2 sqrt(2) for u = 0.
  for (const auto& [u, v] : {std::make_pair(0, 0), std::make_pair(3, 5), std::make_pair(7, 1)}) {
    const auto x = dct_basis(u, v, 16, 24).view({1, 1, 16, 24});
    const auto k = block_dct(x);
    ASSERT_EQ(k.sizes(), (std::vector<int64_t>{1, 1, 64, 2, 3}));
    const double expected = 4 * (u ? 1 : M_SQRT2) * (v ? 1 : M_SQRT2);
    auto e = torch::zeros_like(k);
    e.index_put_({0, 0, 8 * u + v}, expected);
    EXPECT_LT(max_abs_diff(k, e), 1e-5) << u << "," << v;
  }
  const auto x = torch::rand({2, 3, 24, 40});
  EXPECT_LT(max_abs_diff(block_idct(block_dct(x)), x), 1e-5);
  // Padding repeats the last row and column.
  const auto p = pad_to_multiple(x.narrow(2, 0, 21), 8);
  ASSERT_EQ(p.sizes(), (std::vector<int64_t>{2, 3, 24, 40}));
  EXPECT_TRUE(torch::equal(p.narrow(2, 23, 1), x.narrow(2, 20, 1)));
  // Colour: JFIF weights on level-shifted values, exact round trip.
  const auto ycc = rgb_to_ycbcr(torch::tensor({1.0f, 0.0f, 0.0f}).view({1, 3, 1, 1}));
  EXPECT_NEAR(ycc[0][0].item<double>(), 0.299, 1e-6);
  EXPECT_NEAR(ycc[0][1].item<double>(), -0.168736, 1e-6);
  EXPECT_NEAR(ycc[0][2].item<double>(), 0.5, 1e-6);
  EXPECT_LT(max_abs_diff(ycbcr_to_rgb(rgb_to_ycbcr(x)), x), 1e-5);
}

TEST_F(Attacks, CanonicalSpecStrings) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"crop:0.50", "crop:0.5"},
      {"crop:0.5:0.5", "crop:0.5"},
      {"crop:0.5:0.8", "crop:0.5:0.8"},
      {"cropout:.25", "cropout:0.25"},
      {"dropout:0.3", "dropout:0.3"},
      {"resize:0.5", "resize:0.5:bilinear"},
      {"resize:2:nearest", "resize:2:nearest"},
      {"blur", "blur:2:3"},
      {"blur:1.5", "blur:1.5:3"},
      {"blur:2:5", "blur:2:5"},
      {"noise:0.05", "noise:0.05"},
      {"jpeg-mask", "jpeg-mask"},
      {"jpeg-drop", "jpeg-drop:50"},
      {"jpeg-drop:90", "jpeg-drop:90"},
      {"quant", "quant"},
      {"diffjpeg:50", "diffjpeg:50:420"},
      {"diffjpeg:75:444", "diffjpeg:75:444"},
      {"choice(crop:0.5, diffjpeg:50)", "choice(crop:0.5,diffjpeg:50:420)"}};
  for (const auto& [in, canonical] : cases) {
    EXPECT_EQ(make_attack(in)->spec(), canonical) << in;
    EXPECT_EQ(make_attack(canonical)->spec(), canonical) << canonical;
  }
}

TEST_F(Attacks, BadSpecsThrowInvalidArgumentNamingTheSpec) {
  for (const std::string spec : {"crop:0",
                                 "crop:1.5",
                                 "crop",
                                 "crop:0.5:0",
                                 "crop:x",
                                 "cropout:0.5:2",
                                 "dropout:-1",
                                 "dropout:1.1",
                                 "dropout",
                                 "blur:2:4",
                                 "blur:0",
                                 "blur:2:0",
                                 "blur:2:3:1",
                                 "diffjpeg:0",
                                 "diffjpeg:101",
                                 "diffjpeg",
                                 "diffjpeg:50:422",
                                 "diffjpeg:50.5",
                                 "noise",
                                 "noise:-0.1",
                                 "jpeg-mask:3",
                                 "jpeg-drop:0",
                                 "quant:1",
                                 "resize:0",
                                 "resize",
                                 "resize:0.5:lanczos",
                                 "crop(identity):0.5",
                                 "jpeg-mask:mode=1"}) {
    SCOPED_TRACE(spec);
    try {
      make_attack(spec);
      ADD_FAILURE() << "no exception";
    } catch (const InvalidArgument& e) {
      EXPECT_NE(std::string(e.what()).find(spec), std::string::npos) << e.what();
    }
  }
}

TEST_F(Attacks, CropIsARandomSubRectangleOfEachImage) {
  const int64_t n = 6, h = 30, w = 41;
  const auto x = torch::rand({n, 3, h, w});
  std::set<std::pair<int64_t, int64_t>> offsets;
  for (const auto& [spec, fh, fw] :
       {std::make_tuple("crop:0.6", 0.6, 0.6), std::make_tuple("crop:0.3:0.9", 0.3, 0.9)}) {
    const auto y = make_attack(spec)->forward(x, x);
    const int64_t ch = std::lround(fh * h), cw = std::lround(fw * w);
    ASSERT_EQ(y.sizes(), (std::vector<int64_t>{n, 3, ch, cw})) << spec;
    for (int64_t i = 0; i < n; ++i) {
      bool found = false;
      for (int64_t t = 0; t + ch <= h && !found; ++t) {
        for (int64_t l = 0; l + cw <= w && !found; ++l) {
          if (torch::equal(y[i], x[i].index({Slice(), Slice(t, t + ch), Slice(l, l + cw)}))) {
            found = true;
            offsets.insert({t, l});
          }
        }
      }
      EXPECT_TRUE(found) << spec << " image " << i;
    }
  }
  // Positions are drawn per image: 12 crops do not all share one offset.
  EXPECT_GT(offsets.size(), 3u);
  // F = 1 keeps the whole image.
  EXPECT_TRUE(torch::equal(make_attack("crop:1")->forward(x, x), x));
}

TEST_F(Attacks, CropoutKeepsOneRectangleOfEncodedTheRestIsCover) {
  const int64_t n = 8, h = 40, w = 50;
  const auto encoded = torch::rand({n, 3, h, w}) + 2.0;  // disjoint value ranges
  const auto cover = torch::rand({n, 3, h, w});
  const auto y = make_attack("cropout:0.5")->forward(encoded, cover);
  ASSERT_EQ(y.sizes(), encoded.sizes());
  const auto from_enc = y.eq(encoded), from_cover = y.eq(cover);
  EXPECT_TRUE((from_enc | from_cover).all().item<bool>());
  for (int64_t i = 0; i < n; ++i) {
    const auto m = from_enc[i][0];
    EXPECT_TRUE(torch::equal(m, from_enc[i][1]) && torch::equal(m, from_enc[i][2]));
    const auto rows = m.any(1).nonzero(), cols = m.any(0).nonzero();
    ASSERT_GT(rows.numel(), 0);
    const int64_t rh = rows.max().item<int64_t>() - rows.min().item<int64_t>() + 1;
    const int64_t rw = cols.max().item<int64_t>() - cols.min().item<int64_t>() + 1;
    EXPECT_EQ(rh, 20);
    EXPECT_EQ(rw, 25);
    EXPECT_EQ(m.sum().item<int64_t>(), rh * rw);  // a full rectangle
  }
}

TEST_F(Attacks, DropoutKeepsEncodedPixelsWithProbabilityP) {
  const int64_t n = 4, h = 64, w = 64;
  const auto encoded = torch::rand({n, 3, h, w}) + 2.0;
  const auto cover = torch::rand({n, 3, h, w});
  for (double p : {0.3, 0.8}) {
    const auto y = make_attack("dropout:" + std::to_string(p))->forward(encoded, cover);
    const auto from_enc = y.eq(encoded);
    EXPECT_TRUE((from_enc | y.eq(cover)).all().item<bool>());
    // The three channels of a pixel come from the same image.
    EXPECT_TRUE(torch::equal(from_enc.select(1, 0), from_enc.select(1, 1)));
    EXPECT_TRUE(torch::equal(from_enc.select(1, 0), from_enc.select(1, 2)));
    EXPECT_NEAR(from_enc.to(torch::kFloat).mean().item<double>(), p, 0.02) << p;
  }
  EXPECT_TRUE(torch::equal(make_attack("dropout:0")->forward(encoded, cover), cover));
  EXPECT_TRUE(torch::equal(make_attack("dropout:1")->forward(encoded, cover), encoded));
}

TEST_F(Attacks, NoiseHasTheRequestedStandardDeviation) {
  const auto x = torch::full({4, 3, 64, 64}, 0.5);
  for (double sd : {0.02, 0.1}) {
    const auto d = make_attack("noise:" + std::to_string(sd))->forward(x, x) - x;
    EXPECT_NEAR(d.std().item<double>(), sd, 0.03 * sd);
    EXPECT_NEAR(d.mean().item<double>(), 0.0, 0.05 * sd);
  }
}

TEST_F(Attacks, BlurKeepsConstantsAndFollowsTheGaussianKernel) {
  const auto flat = torch::full({2, 3, 21, 19}, 0.37);
  for (const char* spec : {"blur", "blur:1:7", "blur:5:31"}) {
    const auto y = make_attack(spec)->forward(flat, flat);
    ASSERT_EQ(y.sizes(), flat.sizes()) << spec;
    EXPECT_LT(max_abs_diff(y, flat), 1e-6) << spec;
  }
  // An impulse shows the kernel: weights g(i) g(j), g = exp(-d^2 / (2 sigma^2)) normalised.
  auto impulse = torch::zeros({1, 3, 9, 9});
  impulse.index_put_({0, Slice(), 4, 4}, 1.0);
  const auto k = make_attack("blur:2:3")->forward(impulse, impulse)[0][1];
  const double e = std::exp(-1.0 / 8.0), g0 = 1.0 / (1 + 2 * e), g1 = e / (1 + 2 * e);
  EXPECT_NEAR(k[4][4].item<double>(), g0 * g0, 1e-6);
  EXPECT_NEAR(k[3][4].item<double>(), g0 * g1, 1e-6);
  EXPECT_NEAR(k[5][5].item<double>(), g1 * g1, 1e-6);
  EXPECT_EQ(k[2][4].item<double>(), 0.0);
  EXPECT_NEAR(k.sum().item<double>(), 1.0, 1e-6);
  // High frequencies lose energy: a checkerboard loses most of its contrast.
  const auto i = torch::arange(32).view({32, 1}), j = torch::arange(32).view({1, 32});
  const auto board = ((i + j).remainder(2).to(torch::kFloat) * 0.5 + 0.25).expand({1, 3, 32, 32});
  const auto blurred = make_attack("blur")->forward(board, board);
  EXPECT_LT((blurred - 0.5).pow(2).mean().item<double>(),
            0.1 * (board - 0.5).pow(2).mean().item<double>());
}

TEST_F(Attacks, ResizeScalesTheSizeAndKeepsFlatImages) {
  const auto flat = torch::full({2, 3, 40, 30}, 0.6);
  for (const char* spec :
       {"resize:0.5", "resize:0.5:nearest", "resize:1.25:bicubic", "resize:0.33:area"}) {
    const auto y = make_attack(spec)->forward(flat, flat);
    EXPECT_LT(max_abs_diff(y, torch::full_like(y, 0.6)), 1e-6) << spec;
  }
  EXPECT_EQ(make_attack("resize:0.33:area")->forward(flat, flat).sizes(),
            (std::vector<int64_t>{2, 3, 13, 10}));
  // Nearest 2x upscaling repeats every pixel 2x2.
  const auto x = torch::rand({1, 3, 5, 7});
  const auto up = make_attack("resize:2:nearest")->forward(x, x);
  EXPECT_TRUE(
      torch::equal(up.index({Slice(), Slice(), Slice(1, None, 2), Slice(None, None, 2)}), x));
  // Area 0.5 averages 2x2 blocks.
  const auto down = make_attack("resize:0.5:area")->forward(up, up);
  EXPECT_LT(max_abs_diff(down.index({Slice(), Slice(), Slice(0, 2), Slice(0, 3)}),
                         x.index({Slice(), Slice(), Slice(0, 2), Slice(0, 3)})),
            1e-6);
}

TEST_F(Attacks, QuantIsCloseToRoundingAndExactOnTheGrid) {
  const Attack quant = make_attack("quant");
  const auto grid = torch::arange(256, torch::kFloat).div(255).expand({1, 3, 16, 256});
  EXPECT_LT(max_abs_diff(quant->forward(grid, grid), grid) * 255, 1e-3);
  const auto x = torch::rand({2, 3, 64, 64});
  const auto y = x * 255, err = (quant->forward(x, x) * 255 - torch::round(y)).abs();
  const auto dist_to_half = (y - torch::floor(y) - 0.5).abs();
  EXPECT_LT(err.max().item<double>(), 0.6);  // Gibbs zone around half-integers
  EXPECT_LT(err.masked_select(dist_to_half > 0.1).max().item<double>(), 0.1);
  EXPECT_LT(err.masked_select(dist_to_half > 0.25).max().item<double>(), 0.04);
  // The gradient is the series' derivative 1 - 2 sum (-1)^(n+1) cos(2 pi n y), checked
  // against central differences in double precision.
  const auto xd = (torch::rand({1, 3, 8, 8}, torch::kFloat64) * 0.98 + 0.01).requires_grad_(true);
  quant->forward(xd, xd).sum().backward();
  const double h = 1e-7;
  const auto numeric =
      (quant->forward(xd.detach() + h, xd) - quant->forward(xd.detach() - h, xd)) / (2 * h);
  EXPECT_LT(max_abs_diff(xd.grad(), numeric), 1e-4);
  EXPECT_GT(xd.grad().abs().max().item<double>(), 0.5);
  // A quarter step rounds down (a sign error would give y + 0.25 + 0.25).
  const auto q = torch::full({1, 3, 2, 2}, 100.25 / 255);
  EXPECT_NEAR(quant->forward(q, q)[0][0][0][0].item<double>() * 255, 100.0, 0.05);
}

TEST_F(Attacks, JpegMaskKeepsLowFrequenciesOnly) {
  const Attack mask = make_attack("jpeg-mask");
  const int64_t n = 2, h = 32, w = 48;
  // 8x8-block-constant images are unchanged (DC kept).
  const auto blocks = torch::rand({n, 3, h / 8, w / 8});
  const auto piecewise = blocks.repeat_interleave(8, 2).repeat_interleave(8, 3);
  EXPECT_LT(max_abs_diff(mask->forward(piecewise, piecewise), piecewise), 1e-5);
  // Luma: coefficients with u,v < 5 pass, any u or v >= 5 is removed.
  for (const auto& [u, v, kept] : {std::make_tuple(4, 4, true), std::make_tuple(0, 4, true),
                                   std::make_tuple(5, 0, false), std::make_tuple(2, 7, false)}) {
    const auto x = grey_pattern(u, v, 0.2, n, h, w);
    const auto expected = kept ? x : torch::full_like(x, 0.5);
    EXPECT_LT(max_abs_diff(mask->forward(x, x), expected), 1e-5) << u << "," << v;
  }
  // Chroma (pure Cr pattern in (R, G, B) = Cr * (1.402, -0.714136, 0)): 3x3 window.
  const auto cr = torch::tensor({1.402f, -0.714136f, 0.0f}).view({1, 3, 1, 1});
  for (const auto& [u, v, kept] :
       {std::make_tuple(2, 2, true), std::make_tuple(3, 0, false), std::make_tuple(1, 4, false)}) {
    const auto x = 0.5 + 0.1 * cr * dct_basis(u, v, h, w);
    const auto expected = kept ? x : torch::full_like(x, 0.5);
    EXPECT_LT(max_abs_diff(mask->forward(x, x), expected), 1e-5) << "chroma " << u << "," << v;
  }
  // A checkerboard becomes nearly flat: of the 1-D alternating sequence only the
  // u = 1 and 3 components (7.8% of its energy) pass, so 0.6% of the 2-D energy is left.
  const auto i = torch::arange(h).view({h, 1}), j = torch::arange(w).view({1, w});
  const auto board = ((i + j).remainder(2).to(torch::kFloat) * 0.6 + 0.2).expand({n, 3, h, w});
  const double left = (mask->forward(board, board) - 0.5).pow(2).mean().item<double>();
  EXPECT_NEAR(left / (board - 0.5).pow(2).mean().item<double>(), 0.006, 0.001);
}

TEST_F(Attacks, JpegMaskIsLinearAndIdempotent) {
  const Attack mask = make_attack("jpeg-mask");
  const auto x = torch::rand({2, 3, 32, 48}), y = torch::rand({2, 3, 32, 48});
  const auto fx = mask->forward(x, x), fy = mask->forward(y, y);
  const auto combo = 0.7 * x - 1.3 * y;
  EXPECT_LT(max_abs_diff(mask->forward(combo, combo), 0.7 * fx - 1.3 * fy), 1e-5);
  EXPECT_LT(max_abs_diff(mask->forward(fx, fx), fx), 1e-5);
  EXPECT_GT(max_abs_diff(fx, x), 0.1);  // and it does change a random image
}

TEST_F(Attacks, JpegDropKeepsCoefficientsWithTheDocumentedProbabilities) {
  // Keep probability clamp((1 - ln(clamp(T,1,128)) / 7)^2, 0.1, 0.9), T the libjpeg table.
  const auto p = [](int t) {
    const double k = 1.0 - std::log(std::min(std::max(t, 1), 128)) / 7.0;
    return std::min(std::max(k * k, 0.1), 0.9);
  };
  const int64_t n = 4, h = 128, w = 128;  // 1024 blocks
  // Q50: DC step 16, (7,7) step 99. Q90: DC step 3, (7,7) step 20.
  for (const auto& [spec, u, step] :
       {std::make_tuple("jpeg-drop", 0, 16), std::make_tuple("jpeg-drop:50", 7, 99),
        std::make_tuple("jpeg-drop:90", 0, 3), std::make_tuple("jpeg-drop:90", 7, 20)}) {
    SCOPED_TRACE(std::string(spec) + " u=v=" + std::to_string(u));
    const auto x = grey_pattern(u, u, 0.25, n, h, w);
    const auto y = make_attack(spec)->forward(x, x);
    ASSERT_EQ(y.sizes(), x.sizes());
    // Each block is either unchanged or flat grey.
    const auto block_err = [](const torch::Tensor& d) {
      return d.abs().view({n, 3, h / 8, 8, w / 8, 8}).amax({1, 3, 5});
    };
    const auto kept = block_err(y - x) < 1e-5, dropped = block_err(y - 0.5) < 1e-5;
    EXPECT_TRUE((kept | dropped).all().item<bool>());
    EXPECT_NEAR(kept.to(torch::kFloat).mean().item<double>(), p(step), 0.05);
  }
}

TEST_F(Attacks, DiffJpegQ100IsCloseToIdentity) {
  const auto x = photo_batch(2, 64);
  EXPECT_GT(psnr(make_attack("diffjpeg:100:444")->forward(x, x), x), 50.0);
  // 8x8... 16x16-block-constant images survive 4:2:0 as well (up to edge smoothing of
  // the chroma upsampling, so use equal colours in 32x32 squares and check the centres).
  const auto blocks = torch::rand({1, 3, 2, 2});
  const auto img = blocks.repeat_interleave(32, 2).repeat_interleave(32, 3);
  const auto y = make_attack("diffjpeg:100")->forward(img, img);
  for (int64_t r : {8, 40}) {
    for (int64_t c : {8, 40}) {
      EXPECT_LT(max_abs_diff(y.index({0, Slice(), r, c}), img.index({0, Slice(), r, c})),
                2.0 / 255);
    }
  }
}

TEST_F(Attacks, DiffJpegTracksRealJpeg) {
  const auto x = photo_batch(4, 128);
  const auto images = tensor_to_images(x);
  double last_diff = 100, last_real = 100;
  for (int q : {90, 75, 50, 25, 10}) {
    SCOPED_TRACE("Q" + std::to_string(q));
    const auto simulated = make_attack("diffjpeg:" + std::to_string(q))->forward(x, x);
    const auto real = images_to_tensor(
        make_codec("jpeg:" + std::to_string(q))->round_trip_batch(images, 1).images);
    const double agree = psnr(simulated, real), p_diff = psnr(simulated, x), p_real = psnr(real, x);
    std::printf("Q%d: PSNR(diffjpeg, real) %.2f dB; vs input: diffjpeg %.2f dB, real %.2f dB\n", q,
                agree, p_diff, p_real);
    EXPECT_GT(agree, q >= 25 ? 42.0 : 38.0);
    // diffjpeg's soft rounding leaves a smaller error than true rounding: E[(e - e^3)^2]
    // is 27% below E[e^2] for uniform e, i.e. ~1.4 dB better than real JPEG.
    EXPECT_NEAR(p_diff - p_real, 1.0, 1.0);
    EXPECT_LT(p_diff, last_diff);
    EXPECT_LT(p_real, last_real);
    last_diff = p_diff;
    last_real = p_real;
  }
  const auto simulated = make_attack("diffjpeg:50:444")->forward(x, x);
  const auto real = images_to_tensor(make_codec("jpeg:50:444")->round_trip_batch(images, 1).images);
  EXPECT_GT(psnr(simulated, real), 42.0);
}

TEST_F(Attacks, SameSeedSameOutput) {
  const auto encoded = torch::rand({4, 3, 32, 32}), cover = torch::rand({4, 3, 32, 32});
  for (const char* spec : {"crop:0.5", "cropout:0.5", "dropout:0.5", "noise:0.1", "jpeg-drop",
                           "choice(crop:0.7,dropout:0.4,noise:0.2)"}) {
    const Attack a = make_attack(spec);
    torch::manual_seed(99);
    const auto y1 = a->forward(encoded, cover);
    torch::manual_seed(99);
    const auto y2 = a->forward(encoded, cover);
    const auto y3 = a->forward(encoded, cover);
    EXPECT_TRUE(torch::equal(y1, y2)) << spec;
    EXPECT_FALSE(y1.sizes() == y3.sizes() && torch::equal(y1, y3)) << spec;
  }
}

// deterministic(): the output for an image depends on that image alone. Checked for
// every attack that claims it (another seed, and the image alone instead of in a batch,
// give the same output); random draws, split and video codecs do not claim it.
TEST_F(Attacks, DeterministicMeansTheImageAloneDecidesTheOutput) {
  const auto encoded = torch::rand({4, 3, 32, 32}), cover = torch::rand({4, 3, 32, 32});
  for (const char* spec : {"identity", "resize:0.5", "blur:1", "quant", "jpeg-mask", "diffjpeg:50",
                           "jpeg:50", "webp:50", "jpeg2000:250", "chain(resize:0.5,jpeg:85)"}) {
    const Attack a = make_attack(spec);
    EXPECT_TRUE(a->deterministic()) << spec;
    torch::manual_seed(1);
    const auto batch = a->forward(encoded, cover);
    torch::manual_seed(2);
    const auto alone = a->forward(encoded.narrow(0, 2, 1), cover.narrow(0, 2, 1));
    EXPECT_TRUE(torch::equal(batch.narrow(0, 2, 1), alone)) << spec;
  }
  for (const char* spec : {"crop:0.5", "cropout:0.5", "dropout:0.5", "noise:0.1", "jpeg-drop",
                           "choice(jpeg:50,webp:50)", "split(jpeg:50,webp:50)", "mpeg4",
                           "chain(resize:0.5,dropout:0.5)"}) {
    EXPECT_FALSE(make_attack(spec)->deterministic()) << spec;
  }
}

TEST_F(Attacks, DeterministicAttacksWorkInDouble) {
  const auto x = torch::rand({2, 3, 24, 40});
  const auto xd = x.to(torch::kFloat64);
  for (const char* spec :
       {"resize:0.5", "blur:2:5", "jpeg-mask", "quant", "diffjpeg:50", "diffjpeg:30:444"}) {
    const Attack a = make_attack(spec);
    const auto yd = a->forward(xd, xd);
    EXPECT_EQ(yd.scalar_type(), torch::kFloat64) << spec;
    EXPECT_LT(max_abs_diff(yd, a->forward(x, x).to(torch::kFloat64)), 1e-4) << spec;
  }
}

TEST_F(Attacks, RejectsMalformedBatches) {
  const auto gray = torch::rand({2, 1, 16, 16});
  EXPECT_THROW(make_attack("jpeg-mask")->forward(gray, gray), c10::Error);
  const auto x = torch::rand({2, 3, 16, 16});
  EXPECT_THROW(make_attack("dropout:0.5")->forward(x, torch::rand({2, 3, 8, 8})), c10::Error);
}

TEST_F(Attacks, MatchesCpu_CUDA) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device";
  const auto x = torch::rand({2, 3, 40, 56});
  for (const char* spec : {"resize:0.5", "blur", "jpeg-mask", "quant", "diffjpeg:50"}) {
    const Attack a = make_attack(spec);
    const auto on_gpu = a->forward(x.cuda(), x.cuda());
    EXPECT_TRUE(on_gpu.is_cuda()) << spec;
    EXPECT_LT(max_abs_diff(on_gpu.cpu(), a->forward(x, x)), 1e-4) << spec;
  }
  for (const auto& spec : kDifferentiableSpecs) {
    const auto enc = x.cuda().requires_grad_(true);
    const auto out = make_attack(spec)->forward(enc, torch::rand_like(enc));
    out.sum().backward();
    EXPECT_TRUE(out.is_cuda() && enc.grad().is_cuda()) << spec;
    EXPECT_TRUE(torch::isfinite(enc.grad()).all().item<bool>()) << spec;
  }
}

}  // namespace
}  // namespace robusthide

namespace robusthide {
namespace {

// chain(...) applies its children in order: resize then JPEG equals the two by hand, the
// result has the resized size, and the compressed size is the codec's.
TEST(ChainCombinator, AppliesChildrenInOrder) {
  torch::manual_seed(1);
  const Image photo = test::crop(read_image(test::sample_photo_path()), 0, 0, 96, 64);
  const torch::Tensor x = image_to_tensor(photo);
  torch::NoGradGuard no_grad;
  const Attack chain = make_attack("chain(resize:0.5,jpeg:85)");
  EXPECT_EQ(chain->spec(), "chain(" + make_attack("resize:0.5")->spec() + "," +
                               make_attack("jpeg:85")->spec() + ")");
  const torch::Tensor out = chain->forward(x, x);
  ASSERT_EQ(out.sizes(), (std::vector<int64_t>{1, 3, 32, 48}));
  const torch::Tensor half = make_attack("resize:0.5")->forward(x, x);
  const Attack jpeg = make_attack("jpeg:85");
  EXPECT_TRUE(torch::equal(out, jpeg->forward(half, half)));
  ASSERT_TRUE(chain->last_compressed_bytes().has_value());
  EXPECT_EQ(*chain->last_compressed_bytes(), *jpeg->last_compressed_bytes());
  // The order matters: JPEG then resize is another image.
  const torch::Tensor other = make_attack("chain(jpeg:85,resize:0.5)")->forward(x, x);
  EXPECT_FALSE(torch::equal(out, other));
  EXPECT_THROW(make_attack("chain()"), InvalidArgument);
  EXPECT_THROW(make_attack("chain(jpeg:50):3"), InvalidArgument);
}

}  // namespace
}  // namespace robusthide
