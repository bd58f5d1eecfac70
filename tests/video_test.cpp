// Watermarking video files (video.h): a clip with camera motion made here, marked,
// re-encoded with another codec and read back; unmarked clips; bad inputs.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "robusthide/error.h"
#include "robusthide/file_io.h"
#include "robusthide/image.h"
#include "robusthide/video.h"
#include "robusthide/watermark.h"
#include "test_util.h"
#include "video/video_io.h"

namespace robusthide {
namespace {

namespace fs = std::filesystem;
using detail::VideoFrame;
using detail::VideoReader;
using detail::VideoStreamInfo;
using detail::VideoWriter;

constexpr int kFrames = 40, kFps = 20, kWidth = 192, kHeight = 144;

// A clip of `frames` frames of kWidth x kHeight at kFps, frame k the window of a sample
// photo at (x0 + dx k, y0 + dy k), coded by libx264 at `crf` (0 = lossless).
void write_clip(const std::string& path, int frames, int x0, int y0, int dx, int dy, int crf) {
  const Image photo = read_image(test::sample_photo_path());
  VideoStreamInfo info;
  info.width = kWidth;
  info.height = kHeight;
  info.rate_num = kFps;
  info.time_base_den = kFps;
  VideoEncodeOptions o;
  o.crf = crf;
  o.preset = "veryfast";
  VideoWriter writer(path, info, o);
  for (int k = 0; k < frames; ++k) {
    writer.write(VideoFrame{test::crop(photo, x0 + dx * k, y0 + dy * k, kWidth, kHeight), k, 0.0});
  }
  writer.close();
  writer.commit();
}

// A pan across a photo: frame k is the window at x = 5k, y = 2k (camera motion).
void write_pan_clip(const std::string& path) { write_clip(path, kFrames, 0, 0, 5, 2, 12); }

// Decodes `in` and encodes it again with `options` (no mark): what a platform does.
void reencode(const std::string& in, const std::string& out, const VideoEncodeOptions& options) {
  VideoReader reader(in);
  VideoWriter writer(out, reader, options);
  reader.run([&](VideoFrame& f) { writer.write(f); }, [&](AVPacket* p) { writer.copy(p); });
  writer.close();
  writer.commit();
}

class VideoFiles : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new test::TempDir();
    write_pan_clip(dir_->file("pan.mp4"));
    w_ = new Watermarker(load_model(test::default_model_path()), Watermarker::Options{});
  }
  static void TearDownTestSuite() {
    delete w_;
    delete dir_;
  }
  static test::TempDir* dir_;
  static Watermarker* w_;
};
test::TempDir* VideoFiles::dir_ = nullptr;
Watermarker* VideoFiles::w_ = nullptr;

TEST_F(VideoFiles, MarkedClipSurvivesReencodingWithAnotherCodec) {
  const std::vector<uint8_t> payload = payload_from_text("Vid", w_->code().capacity_bits());
  const std::string marked = dir_->file("marked.mp4");
  int64_t reports = 0;
  const VideoEmbedReport r = embed_video(*w_, payload, dir_->file("pan.mp4"), marked, {},
                                         [&](int64_t, int64_t) { ++reports; });
  EXPECT_EQ(r.frames, kFrames);
  EXPECT_EQ(reports, kFrames);
  EXPECT_EQ(r.width, kWidth);
  EXPECT_DOUBLE_EQ(r.fps, kFps);
  EXPECT_GT(r.psnr_db, 30.0);
  EXPECT_LT(r.ciede2000_mean, 2.0);
  // The camera moves, so the mark changes between frames (docs/video.md has the figure).
  EXPECT_GT(r.flicker, 0.0);

  // MPEG-4 Part 2 in AVI at a coarse quantizer: the payload comes back from the whole
  // clip and from every 1-second window.
  VideoEncodeOptions mpeg4;
  mpeg4.encoder = "mpeg4";
  mpeg4.mpeg4_q = 8;
  const std::string reencoded = dir_->file("reencoded.avi");
  reencode(marked, reencoded, mpeg4);
  const VideoExtraction x = extract_video(*w_, reencoded, 1.0);
  EXPECT_EQ(x.frames, kFrames);
  ASSERT_TRUE(x.whole.found);
  EXPECT_EQ(x.whole.payload, payload);
  ASSERT_EQ(x.windows.size(), 2u);
  for (const VideoWindow& v : x.windows) {
    EXPECT_TRUE(v.extraction.found) << v.start_s;
    EXPECT_EQ(v.frames, kFps);
  }
  // Sampling every 4th frame reads 10 frames and still finds it.
  const VideoExtraction sampled = extract_video(*w_, reencoded, 2.0, 4);
  EXPECT_TRUE(sampled.whole.found);
}

TEST_F(VideoFiles, AveragingBeatsSingleFramesOnADegradedClip) {
  const std::vector<uint8_t> payload = payload_from_text("Avg", w_->code().capacity_bits());
  const std::string marked = dir_->file("avg.mp4");
  embed_video(*w_, payload, dir_->file("pan.mp4"), marked);
  VideoEncodeOptions harsh;
  harsh.crf = 26;
  harsh.preset = "veryfast";
  const std::string degraded = dir_->file("degraded.mp4");
  reencode(marked, degraded, harsh);
  const VideoExtraction x = extract_video(*w_, degraded);
  // A single frame disagrees with the clip's average on more bits than the code corrects
  // (5 of 64), so no frame alone would decode reliably; the average decodes.
  EXPECT_GT(x.frame_disagreement, 6.0 / 64);
  ASSERT_TRUE(x.whole.found);
  EXPECT_EQ(x.whole.payload, payload);
}

TEST_F(VideoFiles, ReusingTheMarkOverFramesLowersFlickerAndStillReads) {
  const std::vector<uint8_t> payload = payload_from_text("St", w_->code().capacity_bits());
  VideoEncodeOptions every, fourth;
  fourth.step = 4;
  const VideoEmbedReport a =
      embed_video(*w_, payload, dir_->file("pan.mp4"), dir_->file("step1.mp4"), every);
  const VideoEmbedReport b =
      embed_video(*w_, payload, dir_->file("pan.mp4"), dir_->file("step4.mp4"), fourth);
  EXPECT_LT(b.flicker, a.flicker);
  const VideoExtraction x = extract_video(*w_, dir_->file("step4.mp4"));
  ASSERT_TRUE(x.whole.found);
  EXPECT_EQ(x.whole.payload, payload);
  fourth.step = 0;
  EXPECT_THROW(embed_video(*w_, payload, dir_->file("pan.mp4"), dir_->file("step0.mp4"), fourth),
               InvalidArgument);
  EXPECT_FALSE(fs::exists(dir_->file("step0.mp4")));
}

TEST_F(VideoFiles, AStillClipGetsTheSameMarkInEveryFrame) {
  // Lossless H.264 of one repeated picture: every decoded frame is the same, so is every
  // mark (no flicker).
  write_clip(dir_->file("still.mkv"), 8, 100, 50, 0, 0, 0);
  const std::vector<uint8_t> payload = payload_from_text("S", w_->code().capacity_bits());
  const VideoEmbedReport r =
      embed_video(*w_, payload, dir_->file("still.mkv"), dir_->file("still-marked.mkv"));
  EXPECT_EQ(r.frames, 8);
  EXPECT_EQ(r.flicker, 0.0);
}

TEST_F(VideoFiles, UnmarkedClipIsReportedUnmarked) {
  const VideoExtraction x = extract_video(*w_, dir_->file("pan.mp4"), 1.0);
  EXPECT_FALSE(x.whole.found);
  for (const VideoWindow& v : x.windows) EXPECT_FALSE(v.extraction.found);
}

TEST_F(VideoFiles, BadInputsAreNamedAndLeaveNoOutput) {
  const std::vector<uint8_t> payload = payload_from_text("x", w_->code().capacity_bits());
  const std::string out = dir_->file("out.mp4");
  auto expect_io = [&](const std::string& input, const std::string& needle) {
    try {
      embed_video(*w_, payload, input, out);
      FAIL() << "accepted " << input;
    } catch (const IoError& e) {
      EXPECT_NE(std::string(e.what()).find(input), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
    EXPECT_FALSE(fs::exists(out));
  };
  std::ofstream(dir_->file("text.mp4")) << "not a video at all";
  expect_io(dir_->file("text.mp4"), "cannot read video");
  expect_io(dir_->file("missing.mp4"), "cannot read video");
  // A truncated file: the first third of a real clip.
  const std::vector<uint8_t> bytes = read_file(dir_->file("pan.mp4"));
  write_file_atomic(dir_->file("cut.mp4"), bytes.data(), bytes.size() / 3);
  try {
    embed_video(*w_, payload, dir_->file("cut.mp4"), out);
    FAIL() << "a truncated clip was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("cut.mp4"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(fs::exists(out));
  // An unknown output container, encoder or quality is a usage error.
  EXPECT_THROW(embed_video(*w_, payload, dir_->file("pan.mp4"), dir_->file("out.xyz")),
               InvalidArgument);
  VideoEncodeOptions bad;
  bad.encoder = "nonesuch";
  EXPECT_THROW(embed_video(*w_, payload, dir_->file("pan.mp4"), out, bad), InvalidArgument);
  bad = {};
  bad.crf = 99;
  EXPECT_THROW(embed_video(*w_, payload, dir_->file("pan.mp4"), out, bad), InvalidArgument);
  EXPECT_FALSE(fs::exists(out));
  EXPECT_FALSE(fs::exists(dir_->file("out.xyz")));
  for (const auto& e : fs::directory_iterator(dir_->path())) {
    EXPECT_EQ(e.path().filename().string().find(".tmp-rh"), std::string::npos) << e.path();
  }
  EXPECT_TRUE(is_video_path("a/B.MP4"));
  EXPECT_FALSE(is_video_path("a/b.png"));
}

TEST_F(VideoFiles, CommandLineEmbedsAndExtractsAVideo) {
  const std::string cli = ROBUSTHIDE_CLI;
  const std::string marked = dir_->file("cli.mkv");
  auto r = test::run_shell(cli + " embed -i " + dir_->file("pan.mp4") + " -o " + marked +
                           " --text 'Hi!' --preset veryfast --json --progress off");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const nlohmann::json e = nlohmann::json::parse(r.output);
  EXPECT_EQ(e.at("frames"), kFrames);
  EXPECT_EQ(e.at("read_back"), true);
  r = test::run_shell(cli + " extract -i " + marked + " --expect-text 'Hi!' --json --progress off");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const nlohmann::json x = nlohmann::json::parse(r.output);
  EXPECT_EQ(x.at("found"), true);
  EXPECT_EQ(x.at("payload").at("text"), "Hi!");
  EXPECT_EQ(x.at("matches"), true);
  EXPECT_EQ(x.at("windows_found"), x.at("windows").size());
  // The unmarked clip: exit code 3; a photo output name for a video: usage error.
  r = test::run_shell(cli + " extract -i " + dir_->file("pan.mp4") + " --progress off");
  EXPECT_EQ(r.exit_code, 3) << r.output;
  r = test::run_shell(cli + " embed -i " + dir_->file("pan.mp4") + " -o " +
                      dir_->file("frame.png") + " --text x");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("must be a video file"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(dir_->file("frame.png")));
}

}  // namespace
}  // namespace robusthide
