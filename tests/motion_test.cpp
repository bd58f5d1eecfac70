// Global motion between frames (src/video/motion.h): the alignment finds a known camera
// move to a fraction of a pixel, and warping back undoes it.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>

#include "robusthide/error.h"
#include "robusthide/image.h"
#include "test_util.h"
#include "video/motion.h"

namespace robusthide::detail {
namespace {

// Where m sends the point (x, y) given about the frame centre.
std::pair<double, double> apply(const Similarity& m, double x, double y) {
  return {(1 + m.a) * x - m.b * y + m.tx, m.b * x + (1 + m.a) * y + m.ty};
}

// The largest distance between where two maps send the frame's corners.
double corner_error(const Similarity& a, const Similarity& b, int w, int h) {
  double worst = 0;
  for (const double x : {-w / 2.0, w / 2.0}) {
    for (const double y : {-h / 2.0, h / 2.0}) {
      const auto [ax, ay] = apply(a, x, y);
      const auto [bx, by] = apply(b, x, y);
      worst = std::max(worst, std::hypot(ax - bx, ay - by));
    }
  }
  return worst;
}

// A frame showing `photo` moved by `m` (reference points p appear at m(p)).
Image moved(const Image& photo, const Similarity& m) { return warp_back(photo, inverse(m)); }

TEST(Motion, InverseUndoesTheMap) {
  const Similarity m{0.04, -0.02, 12.5, -3.25};
  const Similarity i = inverse(m);
  const auto [x, y] = apply(m, 30, -70);
  const auto [bx, by] = apply(i, x, y);
  EXPECT_NEAR(bx, 30, 1e-9);
  EXPECT_NEAR(by, -70, 1e-9);
  EXPECT_LT(corner_error(inverse(i), m, 100, 100), 1e-9);
}

TEST(Motion, AlignFindsAKnownCameraMoveToAFractionOfAPixel) {
  const Image photo = read_image(test::sample_photo_path());
  const LumaPyramid reference(photo);
  // A shift, a zoom with a shift, and a small rotation; each found from no motion at all.
  for (const Similarity truth : {Similarity{0, 0, 3.4, -1.7}, Similarity{0.03, 0, -6.2, 4.1},
                                 Similarity{-0.02, 0.01, 2.5, 2.5}}) {
    const Image frame = moved(photo, truth);
    const Alignment a = align(reference, LumaPyramid(frame));
    EXPECT_LT(corner_error(a.motion, truth, photo.width, photo.height), 0.25)
        << "true shift " << truth.tx << "," << truth.ty << " zoom " << 1 + truth.a << ", found "
        << a.motion.tx << "," << a.motion.ty << " zoom " << 1 + a.motion.a;
    EXPECT_GT(a.overlap, 0.9);
    // Warped back with the motion found, the frame is what the true motion gives (the
    // two resamplings blur fine texture alike); not warping it back is far from it.
    const Image back = warp_back(frame, a.motion);
    const Image ideal = warp_back(frame, truth);
    const Image still = warp_back(frame, {});
    double found_diff = 0, still_diff = 0;
    int64_t n = 0;
    for (int y = 20; y < photo.height - 20; ++y) {
      for (int x = 20; x < photo.width - 20; ++x) {
        const size_t i = (static_cast<size_t>(y) * photo.width + x) * 3 + 1;
        found_diff += std::abs(back.pixels[i] - ideal.pixels[i]);
        still_diff += std::abs(still.pixels[i] - ideal.pixels[i]);
        ++n;
      }
    }
    EXPECT_LT(found_diff / n, 1.0);
    EXPECT_GT(still_diff / n, 10.0);
  }
}

TEST(Motion, FramesOfDifferentSizesAreRefused) {
  const Image photo = read_image(test::sample_photo_path());
  const LumaPyramid a(photo);
  const LumaPyramid b(test::crop(photo, 0, 0, photo.width - 8, photo.height));
  EXPECT_THROW(align(a, b), InvalidArgument);
}

}  // namespace
}  // namespace robusthide::detail
