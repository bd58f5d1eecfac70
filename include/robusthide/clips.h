// Clips of consecutive frames for video training and evaluation (issue 13): pan/zoom
// pseudo-clips cut from one photo (camera motion without a video corpus), and the frames
// of a video file as the paper's authors made them. docs/video.md, "Clips".
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "robusthide/dataset.h"
#include "robusthide/image.h"

namespace robusthide {

// The shape of a random pan/zoom path.
struct PanZoomOptions {
  int frames = 32;  // clip length
  int size = 128;   // frames are size x size
  // The square window's side, as a fraction of the photo's shorter side, at the start.
  double min_window = 0.5, max_window = 0.9;
  // The side grows or shrinks by up to this factor over the clip (1 = no zoom).
  double max_zoom = 1.25;
  // The window's centre travels at most this fraction of the shorter side over the clip.
  double max_travel = 0.35;
};

// A smooth path (ease in and out) from one random square window of a w x h photo to
// another; `uniform` draws the path's 6 numbers in [0, 1). Throws InvalidArgument for
// options out of range (frames < 1, size < 8, windows outside (0, 1], zoom < 1, travel < 0).
struct PanZoomPath {
  double x0 = 0, y0 = 0, side0 = 1;  // first window: centre and side, in photo pixels
  double x1 = 0, y1 = 0, side1 = 1;  // last window
};
PanZoomPath random_pan_zoom_path(int width, int height, const PanZoomOptions& o,
                                 const std::function<double()>& uniform);

// The clip along `path`: frame k shows the window at eased time k / (frames - 1), each
// output pixel the box average of bilinear samples over its footprint (no aliasing when
// the window is larger than the frame).
std::vector<Image> pan_zoom_clip(const Image& photo, const PanZoomPath& path,
                                 const PanZoomOptions& o);

// Frames for the paper's video protocol: the centre square of a frame, area-resized to
// size x size.
Image center_square(const Image& frame, int size);

// Covers grouped into clips, for evaluate: size() frames, clip_length() consecutive
// frames per clip.
class ClipSet : public CoverSet {
 public:
  // One pan/zoom clip per photo of `photos` (their first `max_clips`, 0 = all), the path of
  // clip i drawn from a generator seeded with (seed, i): the same clips on every machine.
  static ClipSet pan_zoom(const ImageFolderDataset& photos, const PanZoomOptions& o, uint64_t seed,
                          int64_t max_clips = 0);
  // Consecutive clips of `frames` frames of a video file (a last partial clip is dropped;
  // at most max_clips, 0 = all), each frame center_square(frame, size). Throws IoError
  // naming the file, InvalidArgument when it holds fewer than `frames` frames.
  static ClipSet from_video(const std::string& path, int frames, int size, int64_t max_clips = 0);

  size_t size() const override { return frames_.size(); }
  int crop_size() const override { return size_; }
  int clip_length() const override { return clip_length_; }
  torch::Tensor covers(const std::vector<int64_t>& indices) const override;
  const Image& frame(size_t i) const { return frames_.at(i); }
  void append(const ClipSet& other);  // same frame size and clip length, else InvalidArgument

 private:
  ClipSet(int size, int clip_length) : size_(size), clip_length_(clip_length) {}
  std::vector<Image> frames_;
  int size_ = 128;
  int clip_length_ = 32;
};

}  // namespace robusthide
