// Pan/zoom pseudo-clips and video-file clips (clips.h).
#include "robusthide/clips.h"

#include <algorithm>
#include <cmath>
#include <random>

#include "robusthide/error.h"
#include "robusthide/tensor.h"
#include "util/convert.h"
#include "video/video_io.h"

namespace robusthide {
namespace {

constexpr double kPi = 3.14159265358979323846;

void check_options(const PanZoomOptions& o) {
  if (o.frames < 1 || o.frames > 100000) {
    throw InvalidArgument("a pan/zoom clip needs 1..100000 frames, got " +
                          std::to_string(o.frames));
  }
  if (o.size < 8 || o.size > 4096) {
    throw InvalidArgument("pan/zoom frames must be 8..4096 pixels, got " + std::to_string(o.size));
  }
  if (!(o.min_window > 0 && o.min_window <= o.max_window && o.max_window <= 1)) {
    throw InvalidArgument("pan/zoom windows must satisfy 0 < min <= max <= 1");
  }
  if (!(o.max_zoom >= 1 && o.max_zoom <= 10) || !(o.max_travel >= 0 && o.max_travel <= 10)) {
    throw InvalidArgument("pan/zoom: zoom must be in 1..10 and travel in 0..10");
  }
}

// Bilinear sample of channel c at (x, y) (pixel centres at integer + 0.5), edges clamped.
double sample(const Image& im, double x, double y, int c) {
  const double fx = std::clamp(x - 0.5, 0.0, im.width - 1.0);
  const double fy = std::clamp(y - 0.5, 0.0, im.height - 1.0);
  const int x0 = static_cast<int>(fx), y0 = static_cast<int>(fy);
  const int x1 = std::min(x0 + 1, im.width - 1), y1 = std::min(y0 + 1, im.height - 1);
  const double ax = fx - x0, ay = fy - y0;
  auto at = [&](int xx, int yy) {
    return static_cast<double>(im.pixels[(static_cast<size_t>(yy) * im.width + xx) * 3 + c]);
  };
  return (1 - ay) * ((1 - ax) * at(x0, y0) + ax * at(x1, y0)) +
         ay * ((1 - ax) * at(x0, y1) + ax * at(x1, y1));
}

// A double in [0, 1) from 53 bits of a 64-bit generator (the same on every platform).
double unit(std::mt19937_64& rng) { return static_cast<double>(rng() >> 11) * 0x1.0p-53; }

}  // namespace

PanZoomPath random_pan_zoom_path(int width, int height, const PanZoomOptions& o,
                                 const std::function<double()>& uniform) {
  check_options(o);
  if (width < 1 || height < 1) throw InvalidArgument("pan/zoom: the photo is empty");
  const double shorter = std::min(width, height);
  PanZoomPath p;
  p.side0 = shorter * (o.min_window + uniform() * (o.max_window - o.min_window));
  const double zoom = std::exp((2 * uniform() - 1) * std::log(o.max_zoom));
  p.side1 = std::min(p.side0 * zoom, shorter);
  p.x0 = p.side0 / 2 + uniform() * (width - p.side0);
  p.y0 = p.side0 / 2 + uniform() * (height - p.side0);
  const double angle = 2 * kPi * uniform();
  const double travel = o.max_travel * shorter * uniform();
  p.x1 = std::clamp(p.x0 + travel * std::cos(angle), p.side1 / 2, width - p.side1 / 2);
  p.y1 = std::clamp(p.y0 + travel * std::sin(angle), p.side1 / 2, height - p.side1 / 2);
  return p;
}

std::vector<Image> pan_zoom_clip(const Image& photo, const PanZoomPath& path,
                                 const PanZoomOptions& o) {
  check_options(o);
  if (photo.width < 1 || photo.height < 1) throw InvalidArgument("pan/zoom: the photo is empty");
  std::vector<Image> frames;
  frames.reserve(static_cast<size_t>(o.frames));
  const int n = o.size;
  for (int k = 0; k < o.frames; ++k) {
    const double t = o.frames > 1 ? static_cast<double>(k) / (o.frames - 1) : 0.0;
    const double e = t * t * (3 - 2 * t);  // ease in and out
    const double side = path.side0 + e * (path.side1 - path.side0);
    const double cx = path.x0 + e * (path.x1 - path.x0);
    const double cy = path.y0 + e * (path.y1 - path.y0);
    const double step = side / n;  // photo pixels per frame pixel
    const int taps = std::max(1, static_cast<int>(std::ceil(step - 1e-9)));
    Image f(n, n);
    for (int i = 0; i < n; ++i) {
      for (int j = 0; j < n; ++j) {
        const double x = cx + ((j + 0.5) / n - 0.5) * side;
        const double y = cy + ((i + 0.5) / n - 0.5) * side;
        for (int c = 0; c < 3; ++c) {
          double acc = 0;
          for (int a = 0; a < taps; ++a) {
            for (int b = 0; b < taps; ++b) {
              acc += sample(photo, x + ((b + 0.5) / taps - 0.5) * step,
                            y + ((a + 0.5) / taps - 0.5) * step, c);
            }
          }
          const double v = acc / (taps * taps);
          f.pixels[(static_cast<size_t>(i) * n + j) * 3 + c] =
              static_cast<uint8_t>(std::clamp(std::lround(v), 0L, 255L));
        }
      }
    }
    frames.push_back(std::move(f));
  }
  return frames;
}

Image center_square(const Image& frame, int size) {
  if (size < 1) throw InvalidArgument("center_square: size must be >= 1");
  const int side = std::min(frame.width, frame.height);
  if (side < 1) throw InvalidArgument("center_square: the frame is empty");
  torch::Tensor square = torch::empty({1, 3, side, side}, torch::kFloat32);
  crop_to_plane(frame, (frame.width - side) / 2, (frame.height - side) / 2, side, side,
                square.data_ptr<float>());
  namespace F = torch::nn::functional;
  if (side > size) {
    square = F::adaptive_avg_pool2d(square, F::AdaptiveAvgPool2dFuncOptions({size, size}));
  } else if (side < size) {
    square = F::interpolate(square, F::InterpolateFuncOptions()
                                        .size(std::vector<int64_t>{size, size})
                                        .mode(torch::kBilinear)
                                        .align_corners(false));
  }
  return tensor_to_images(square).at(0);
}

ClipSet ClipSet::pan_zoom(const ImageFolderDataset& photos, const PanZoomOptions& o, uint64_t seed,
                          int64_t max_clips) {
  check_options(o);
  ClipSet set(o.size, o.frames);
  int64_t clips = static_cast<int64_t>(photos.size());
  if (max_clips > 0) clips = std::min(clips, max_clips);
  for (int64_t i = 0; i < clips; ++i) {
    std::mt19937_64 rng(seed * 0x9E3779B97F4A7C15ull + static_cast<uint64_t>(i));
    const Image& photo = photos.image(static_cast<size_t>(i));
    const PanZoomPath path =
        random_pan_zoom_path(photo.width, photo.height, o, [&rng] { return unit(rng); });
    for (Image& f : pan_zoom_clip(photo, path, o)) set.frames_.push_back(std::move(f));
  }
  return set;
}

ClipSet ClipSet::from_video(const std::string& path, int frames, int size, int64_t max_clips) {
  if (frames < 1) throw InvalidArgument("a clip needs at least one frame");
  if (size < 8) throw InvalidArgument("clip frames must be at least 8 pixels");
  ClipSet set(size, frames);
  detail::VideoReader reader(path);
  const size_t limit =
      max_clips > 0 ? static_cast<size_t>(max_clips) * static_cast<size_t>(frames) : SIZE_MAX;
  reader.run([&](detail::VideoFrame& f) {
    if (set.frames_.size() < limit) set.frames_.push_back(center_square(f.image, size));
  });
  set.frames_.resize(set.frames_.size() / static_cast<size_t>(frames) *
                     static_cast<size_t>(frames));
  if (set.frames_.empty()) {
    throw InvalidArgument("video '" + path + "' holds fewer than " + std::to_string(frames) +
                          " frames: no whole clip");
  }
  return set;
}

torch::Tensor ClipSet::covers(const std::vector<int64_t>& indices) const {
  std::vector<Image> batch;
  batch.reserve(indices.size());
  for (const int64_t i : indices) {
    if (i < 0 || static_cast<size_t>(i) >= frames_.size()) {
      throw InvalidArgument("clip frame index " + std::to_string(i) + " is out of range [0, " +
                            std::to_string(frames_.size()) + ")");
    }
    batch.push_back(frames_[static_cast<size_t>(i)]);
  }
  return images_to_tensor(batch);
}

void ClipSet::append(const ClipSet& other) {
  if (other.size_ != size_ || other.clip_length_ != clip_length_) {
    throw InvalidArgument("cannot join clip sets of different frame sizes or clip lengths");
  }
  frames_.insert(frames_.end(), other.frames_.begin(), other.frames_.end());
}

}  // namespace robusthide
