// Pan/zoom pseudo-clips, video-file clips and evaluation clip by clip (clips.h).
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "robusthide/clips.h"
#include "robusthide/error.h"
#include "robusthide/evaluate.h"
#include "robusthide/image.h"
#include "robusthide/model.h"
#include "test_util.h"
#include "video/video_io.h"

namespace robusthide {
namespace {

double mean_abs_diff(const Image& a, const Image& b) {
  double d = 0;
  for (size_t i = 0; i < a.pixels.size(); ++i) d += std::abs(a.pixels[i] - b.pixels[i]);
  return d / static_cast<double>(a.pixels.size());
}

TEST(PanZoom, AWindowOfTheFrameSizeIsAnExactCrop) {
  const Image photo = read_image(test::sample_photo_path());
  PanZoomOptions o;
  o.frames = 3;
  o.size = 64;
  PanZoomPath still;
  still.x0 = still.x1 = 100;  // window [68, 132) x [18, 82)
  still.y0 = still.y1 = 50;
  still.side0 = still.side1 = 64;
  const std::vector<Image> frames = pan_zoom_clip(photo, still, o);
  ASSERT_EQ(frames.size(), 3u);
  const Image crop = test::crop(photo, 68, 18, 64, 64);
  for (const Image& f : frames) EXPECT_EQ(f.pixels, crop.pixels);
}

TEST(PanZoom, PathsStayInsideThePhotoAndMoveSmoothly) {
  const Image photo = read_image(test::sample_photo_path());
  PanZoomOptions o;
  o.frames = 16;
  o.size = 48;
  std::mt19937_64 rng(3);
  auto uniform = [&rng] { return std::uniform_real_distribution<double>(0, 1)(rng); };
  for (int i = 0; i < 200; ++i) {
    const PanZoomPath p = random_pan_zoom_path(photo.width, photo.height, o, uniform);
    for (const auto& [x, y, side] : {std::tuple{p.x0, p.y0, p.side0}, {p.x1, p.y1, p.side1}}) {
      EXPECT_GE(x - side / 2, -1e-9);
      EXPECT_LE(x + side / 2, photo.width + 1e-9);
      EXPECT_GE(y - side / 2, -1e-9);
      EXPECT_LE(y + side / 2, photo.height + 1e-9);
      EXPECT_GE(side, 0.5 * 321 / 1.25 - 1e-9);
    }
  }
  // A slow pan (9 frame pixels in all): consecutive frames differ, by much less than the
  // first and the last, and least at the ends (ease in and out).
  PanZoomPath pan;
  pan.x0 = 150;
  pan.x1 = 180;
  pan.y0 = pan.y1 = 150;
  pan.side0 = pan.side1 = 160;
  const std::vector<Image> frames = pan_zoom_clip(photo, pan, o);
  double largest_step = 0;
  for (size_t k = 1; k < frames.size(); ++k) {
    const double d = mean_abs_diff(frames[k - 1], frames[k]);
    EXPECT_GT(d, 0.0) << k;
    largest_step = std::max(largest_step, d);
  }
  EXPECT_LT(largest_step, 0.5 * mean_abs_diff(frames.front(), frames.back()));
  EXPECT_LT(mean_abs_diff(frames[0], frames[1]), mean_abs_diff(frames[7], frames[8]));
  o.frames = 0;
  EXPECT_THROW(pan_zoom_clip(photo, pan, o), InvalidArgument);
}

TEST(PanZoom, CenterSquareAveragesAreas) {
  Image wide(8, 4);
  for (size_t i = 0; i < wide.pixels.size(); ++i) wide.pixels[i] = static_cast<uint8_t>(i % 251);
  const Image s = center_square(wide, 2);
  ASSERT_EQ(s.width, 2);
  // Output pixel (0, 0) averages the 2x2 block at (2, 0) of the centre 4x4 square.
  for (int c = 0; c < 3; ++c) {
    double sum = 0;
    for (int y = 0; y < 2; ++y) {
      for (int x = 2; x < 4; ++x) sum += wide.pixels[(static_cast<size_t>(y) * 8 + x) * 3 + c];
    }
    EXPECT_NEAR(s.pixels[c], sum / 4, 0.51);
  }
}

class ClipSets : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new test::TempDir();
    // Three photos; and a video of 10 frames.
    for (const char* name : {"101085.jpg", "102061.jpg", "103070.jpg"}) {
      write_image(read_image(test::sample_photo_path(name)), dir_->file(name), WriteOptions{});
    }
    detail::VideoStreamInfo info;
    info.width = 96;
    info.height = 64;
    VideoEncodeOptions enc;
    enc.preset = "veryfast";
    detail::VideoWriter writer(dir_->file("clip.mkv"), info, enc);
    const Image photo = read_image(test::sample_photo_path());
    for (int k = 0; k < 10; ++k) writer.write({test::crop(photo, 3 * k, 0, 96, 64), k, 0.0});
    writer.close();
    writer.commit();
  }
  static void TearDownTestSuite() { delete dir_; }
  static test::TempDir* dir_;
};
test::TempDir* ClipSets::dir_ = nullptr;

TEST_F(ClipSets, PanClipsAreReproducibleAndSeeded) {
  DatasetOptions d;
  d.crop_size = 32;
  const ImageFolderDataset photos({dir_->path()}, d);
  PanZoomOptions o;
  o.frames = 4;
  o.size = 32;
  const ClipSet a = ClipSet::pan_zoom(photos, o, 5);
  const ClipSet b = ClipSet::pan_zoom(photos, o, 5);
  const ClipSet c = ClipSet::pan_zoom(photos, o, 6, 2);
  EXPECT_EQ(a.size(), 12u);
  EXPECT_EQ(a.clip_length(), 4);
  EXPECT_EQ(c.size(), 8u);
  EXPECT_TRUE(torch::equal(a.covers({0, 5, 11}), b.covers({0, 5, 11})));
  EXPECT_FALSE(torch::equal(a.covers({0}), c.covers({0})));
  EXPECT_THROW(a.covers({12}), InvalidArgument);
}

TEST_F(ClipSets, VideoClipsAreWholeClipsOfCentreSquares) {
  const ClipSet v = ClipSet::from_video(dir_->file("clip.mkv"), 4, 32);
  EXPECT_EQ(v.size(), 8u);  // two whole clips of 4; the last 2 frames dropped
  EXPECT_EQ(v.frame(0).width, 32);
  EXPECT_THROW(ClipSet::from_video(dir_->file("clip.mkv"), 11, 32), InvalidArgument);
  EXPECT_THROW(ClipSet::from_video(dir_->file("none.mkv"), 4, 32), IoError);
}

TEST_F(ClipSets, EvaluateRunsClipByClip) {
  const Model model = load_model(test::default_model_path());
  const int size = model.config.image_size;
  DatasetOptions d;
  d.crop_size = size;
  const ImageFolderDataset photos({dir_->path()}, d);
  PanZoomOptions o;
  o.frames = 3;
  o.size = size;
  const ClipSet set = ClipSet::pan_zoom(photos, o, 1, 2);
  EvalOptions e;
  e.batch_size = 5;  // ignored: batches are whole clips
  e.attacks = {"identity", "mpeg4"};
  const EvalReport r = evaluate(model, set, e);
  EXPECT_EQ(r.images, 6);
  EXPECT_EQ(r.clip_length, 3);
  EXPECT_EQ(r.batch_size, 3);
  EXPECT_FALSE(r.rows[1].per_clip_messages);  // a message per frame by default
  EXPECT_LT(r.rows[0].ber, 0.05);
  e.max_images = 2;  // less than one clip
  EXPECT_THROW(evaluate(model, set, e), InvalidArgument);
}

}  // namespace
}  // namespace robusthide
