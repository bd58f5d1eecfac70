// Global motion between two video frames: a similarity transform (zoom, rotation, shift)
// estimated on luma pyramids by Gauss-Newton, and the current frame warped back onto the
// reference's pixel grid. Used by extract_video to follow the mark that a low-bitrate
// encoder carries along with the picture after an I-frame (docs/video.md).
#pragma once

#include <vector>

#include "robusthide/image.h"

namespace robusthide::detail {

// Maps reference-frame coordinates to the current frame's, about the frame centre, in
// full-resolution pixels: x' = (1 + a) x - b y + tx, y' = b x + (1 + a) y + ty.
struct Similarity {
  double a = 0, b = 0, tx = 0, ty = 0;
};

// The inverse map (current-frame coordinates to the reference's).
Similarity inverse(const Similarity& m);

// A frame's luma at a few resolutions (finest first) for align().
class LumaPyramid {
 public:
  struct Level {
    int width = 0, height = 0;
    double factor = 1;  // full-resolution pixels per level pixel
    std::vector<float> luma;
  };
  // `finest` caps the finest level's longer side (whole-pixel area reduction of the
  // frame); coarser levels halve it down to about 32 pixels.
  explicit LumaPyramid(const Image& frame, int finest = 256);
  const std::vector<Level>& levels() const { return levels_; }
  int width() const { return width_; }
  int height() const { return height_; }

 private:
  int width_ = 0, height_ = 0;
  std::vector<Level> levels_;
};

struct Alignment {
  Similarity motion;
  // At the motion of the last Gauss-Newton step's start (0..255 scale; robust RMS of the
  // luma difference), and the share of the reference's pixels that land inside the frame.
  double residual = 0;
  double overlap = 0;
};

// The similarity that maps `reference` onto `current` (same frame size), refined from
// `guess` coarse to fine. Throws InvalidArgument for pyramids of different frame sizes.
Alignment align(const LumaPyramid& reference, const LumaPyramid& current,
                const Similarity& guess = {});

// `current` resampled (bilinear) onto the reference's grid: out(p) = current(m(p)).
// Points that fall outside `current` take its nearest edge pixel.
Image warp_back(const Image& current, const Similarity& m);

}  // namespace robusthide::detail
