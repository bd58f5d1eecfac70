// CIEDE2000 against the published test pairs, sRGB -> CIELAB, and the flat-region
// visibility measure.
#include <gtest/gtest.h>

#include <array>

#include "robusthide/error.h"
#include "robusthide/perceptual.h"
#include "test_util.h"

namespace robusthide {
namespace {

TEST(Ciede2000, MatchesSharmaWuDalalTestData) {
  // G. Sharma, W. Wu, E. N. Dalal, "The CIEDE2000 color-difference formula:
  // implementation notes, supplementary test data, and mathematical observations",
  // Color Res. Appl. 30(1), 2005, Table 1: all 34 pairs (L*, a*, b*) and their ΔE00.
  struct Pair {
    std::array<double, 3> a, b;
    double de;
  };
  const Pair pairs[] = {
      {{50.0000, 2.6772, -79.7751}, {50.0000, 0.0000, -82.7485}, 2.0425},
      {{50.0000, 3.1571, -77.2803}, {50.0000, 0.0000, -82.7485}, 2.8615},
      {{50.0000, 2.8361, -74.0200}, {50.0000, 0.0000, -82.7485}, 3.4412},
      {{50.0000, -1.3802, -84.2814}, {50.0000, 0.0000, -82.7485}, 1.0000},
      {{50.0000, -1.1848, -84.8006}, {50.0000, 0.0000, -82.7485}, 1.0000},
      {{50.0000, -0.9009, -85.5211}, {50.0000, 0.0000, -82.7485}, 1.0000},
      {{50.0000, 0.0000, 0.0000}, {50.0000, -1.0000, 2.0000}, 2.3669},
      {{50.0000, -1.0000, 2.0000}, {50.0000, 0.0000, 0.0000}, 2.3669},
      {{50.0000, 2.4900, -0.0010}, {50.0000, -2.4900, 0.0009}, 7.1792},
      {{50.0000, 2.4900, -0.0010}, {50.0000, -2.4900, 0.0010}, 7.1792},
      {{50.0000, 2.4900, -0.0010}, {50.0000, -2.4900, 0.0011}, 7.2195},
      {{50.0000, 2.4900, -0.0010}, {50.0000, -2.4900, 0.0012}, 7.2195},
      {{50.0000, -0.0010, 2.4900}, {50.0000, 0.0009, -2.4900}, 4.8045},
      {{50.0000, -0.0010, 2.4900}, {50.0000, 0.0010, -2.4900}, 4.8045},
      {{50.0000, -0.0010, 2.4900}, {50.0000, 0.0011, -2.4900}, 4.7461},
      {{50.0000, 2.5000, 0.0000}, {50.0000, 0.0000, -2.5000}, 4.3065},
      {{50.0000, 2.5000, 0.0000}, {73.0000, 25.0000, -18.0000}, 27.1492},
      {{50.0000, 2.5000, 0.0000}, {61.0000, -5.0000, 29.0000}, 22.8977},
      {{50.0000, 2.5000, 0.0000}, {56.0000, -27.0000, -3.0000}, 31.9030},
      {{50.0000, 2.5000, 0.0000}, {58.0000, 24.0000, 15.0000}, 19.4535},
      {{50.0000, 2.5000, 0.0000}, {50.0000, 3.1736, 0.5854}, 1.0000},
      {{50.0000, 2.5000, 0.0000}, {50.0000, 3.2972, 0.0000}, 1.0000},
      {{50.0000, 2.5000, 0.0000}, {50.0000, 1.8634, 0.5757}, 1.0000},
      {{50.0000, 2.5000, 0.0000}, {50.0000, 3.2592, 0.3350}, 1.0000},
      {{60.2574, -34.0099, 36.2677}, {60.4626, -34.1751, 39.4387}, 1.2644},
      {{63.0109, -31.0961, -5.8663}, {62.8187, -29.7946, -4.0864}, 1.2630},
      {{61.2901, 3.7196, -5.3901}, {61.4292, 2.2480, -4.9620}, 1.8731},
      {{35.0831, -44.1164, 3.7933}, {35.0232, -40.0716, 1.5901}, 1.8645},
      {{22.7233, 20.0904, -46.6940}, {23.0331, 14.9730, -42.5619}, 2.0373},
      {{36.4612, 47.8580, 18.3852}, {36.2715, 50.5065, 21.2231}, 1.4146},
      {{90.8027, -2.0831, 1.4410}, {91.1528, -1.6435, 0.0447}, 1.4441},
      {{90.9257, -0.5406, -0.9208}, {88.6381, -0.8985, -0.7239}, 1.5381},
      {{6.7747, -0.2908, -2.4247}, {5.8714, -0.0985, -2.2286}, 0.6377},
      {{2.0776, 0.0795, -1.1350}, {0.9033, -0.0636, -0.5514}, 0.9082},
  };
  for (const Pair& p : pairs) {
    EXPECT_NEAR(ciede2000(p.a, p.b), p.de, 5e-5) << p.a[0] << " " << p.a[1] << " " << p.a[2];
    EXPECT_NEAR(ciede2000(p.b, p.a), p.de, 5e-5);  // symmetric
  }
}

TEST(Ciede2000, SrgbToLabUsesTheD65White) {
  const auto white = srgb_to_lab(255, 255, 255);
  EXPECT_NEAR(white[0], 100.0, 0.01);
  EXPECT_NEAR(white[1], 0.0, 0.01);
  EXPECT_NEAR(white[2], 0.0, 0.01);
  // sRGB (D65) red and blue as scikit-image's rgb2lab (D65, 2°) gives them:
  // (53.2408, 80.0925, 67.2032) and (32.2970, 79.1875, -107.8602).
  const auto red = srgb_to_lab(255, 0, 0);
  EXPECT_NEAR(red[0], 53.2408, 0.002);
  EXPECT_NEAR(red[1], 80.0925, 0.002);
  EXPECT_NEAR(red[2], 67.2032, 0.002);
  const auto blue = srgb_to_lab(0, 0, 255);
  EXPECT_NEAR(blue[0], 32.2970, 0.002);
  EXPECT_NEAR(blue[1], 79.1875, 0.002);
  EXPECT_NEAR(blue[2], -107.8602, 0.002);
  const auto grey = srgb_to_lab(119, 119, 119);  // neutral: a* = b* = 0
  EXPECT_NEAR(grey[0], 50.0, 0.3);
  EXPECT_NEAR(grey[1], 0.0, 1e-3);
  EXPECT_NEAR(grey[2], 0.0, 1e-3);
}

TEST(PerceptualDistance, CountsVisibleChangesInFlatRegions) {
  const Image grey = test::flat_image(40, 30, 120, 120, 120);
  PerceptualDistance d = perceptual_distance(grey, grey);
  EXPECT_EQ(d.delta_e_mean, 0.0);
  EXPECT_EQ(d.flat_pixels, 40 * 30);
  EXPECT_EQ(d.flat_visible, 0);
  // A magenta tint on the left half of a flat grey image: visible (ΔE00 > 2) exactly
  // there, with the mean and p99 of the pixel differences.
  Image tinted = grey;
  for (int y = 0; y < 30; ++y) {
    for (int x = 0; x < 20; ++x) {
      tinted.pixels[(y * 40 + x) * 3] = 128;
      tinted.pixels[(y * 40 + x) * 3 + 2] = 128;
    }
  }
  const double de = ciede2000(srgb_to_lab(120, 120, 120), srgb_to_lab(128, 120, 128));
  ASSERT_GT(de, kVisibleDeltaE);
  d = perceptual_distance(grey, tinted);
  EXPECT_EQ(d.flat_visible, 20 * 30);
  EXPECT_DOUBLE_EQ(d.flat_visible_share(), 0.5);
  EXPECT_NEAR(d.delta_e_mean, de / 2, 1e-9);
  EXPECT_NEAR(d.delta_e_p99, de, 0.011);
}

TEST(PerceptualDistance, TextureIsNotFlat) {
  // Noise has a large luminance deviation everywhere: no flat pixel, whatever changes.
  const Image noise = test::noise_image(32, 32, 9);
  Image changed = noise;
  for (auto& v : changed.pixels) v = static_cast<uint8_t>(v ^ 0x10);
  const PerceptualDistance d = perceptual_distance(noise, changed);
  EXPECT_EQ(d.flat_pixels, 0);
  EXPECT_EQ(d.flat_visible_share(), 0.0);
  EXPECT_GT(d.delta_e_mean, 1.0);
  // A step edge: flat far from it, not flat within 4 pixels of it.
  Image step = test::flat_image(30, 20, 50, 50, 50);
  for (int y = 0; y < 20; ++y) {
    for (int x = 15; x < 30; ++x) {
      for (int c = 0; c < 3; ++c) step.pixels[(y * 30 + x) * 3 + c] = 200;
    }
  }
  EXPECT_EQ(perceptual_distance(step, step).flat_pixels, (30 - 8) * 20);
  EXPECT_THROW(perceptual_distance(step, noise), InvalidArgument);
}

}  // namespace
}  // namespace robusthide
