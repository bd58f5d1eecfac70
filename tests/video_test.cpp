// Watermarking video files (video.h): a clip with camera motion made here, marked,
// re-encoded with another codec and read back; unmarked clips; bad inputs.
#include <gtest/gtest.h>

extern "C" {
#include <libavcodec/packet.h>
}

#include <algorithm>
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
  VideoTransform t;
  t.encode = options;
  transform_video(in, out, t);
}

// Every decoded frame of `path`, in presentation order.
std::vector<VideoFrame> read_frames(const std::string& path) {
  std::vector<VideoFrame> frames;
  VideoReader(path).run([&](VideoFrame& f) { frames.push_back(std::move(f)); });
  return frames;
}

// The packets of the streams other than video: count and a checksum of their bytes.
std::pair<int64_t, uint64_t> other_packets(const std::string& path) {
  int64_t count = 0;
  uint64_t sum = 1469598103934665603ull;
  VideoReader(path).run([](VideoFrame&) {},
                        [&](AVPacket* p) {
                          ++count;
                          for (int i = 0; i < p->size; ++i)
                            sum = (sum ^ p->data[i]) * 1099511628211ull;
                        });
  return {count, sum};
}

class VideoFiles : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new test::TempDir();
    write_pan_clip(dir_->file("pan.mp4"));
    Watermarker::Options options;
    options.grid = 1;  // one tile per frame: the CLI's default for videos
    w_ = new Watermarker(load_model(test::default_model_path()), options);
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
  EXPECT_EQ(r.passes, 1);  // no strength search by default
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
  mpeg4.quantizer = 8;
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

// A video marked with the Watermarker's grid is read with it (`--grid` for videos): the
// tiled mark differs from the one-tile mark and reads back through the same tiles.
TEST_F(VideoFiles, TiledMarkReadsBackWithItsGrid) {
  Watermarker::Options options = w_->options();
  options.grid = 2;
  const Watermarker tiled(w_->model(), options);
  const std::vector<uint8_t> payload = payload_from_text("G2", tiled.code().capacity_bits());
  const std::string marked = dir_->file("tiled.mp4"), one = dir_->file("one-tile.mp4");
  const VideoEmbedReport r = embed_video(tiled, payload, dir_->file("pan.mp4"), marked);
  embed_video(*w_, payload, dir_->file("pan.mp4"), one);
  EXPECT_NE(read_file(marked), read_file(one));
  EXPECT_EQ(r.frames, kFrames);
  const VideoExtraction x = extract_video(tiled, marked);
  ASSERT_TRUE(x.whole.found);
  EXPECT_EQ(x.whole.payload, payload);
}

TEST_F(VideoFiles, AveragingBeatsSingleFramesOnADegradedClip) {
  const std::vector<uint8_t> payload = payload_from_text("Avg", w_->code().capacity_bits());
  const std::string marked = dir_->file("avg.mp4");
  VideoEmbedOptions plain;  // the model's strength alone: no search
  plain.checks.clear();
  embed_video(*w_, payload, dir_->file("pan.mp4"), marked, plain);
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
  VideoEmbedOptions every, fourth;
  every.checks.clear();  // the same strength in both
  fourth.checks.clear();
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

// The number of 1-second windows of `marked` whose payload comes back after `check`.
int windows_after(const Watermarker& w, const std::vector<uint8_t>& payload,
                  const std::string& marked, const std::string& check, const std::string& out) {
  reencode(marked, out, parse_video_check(check));
  int found = 0;
  for (const VideoWindow& v : extract_video(w, out, 1.0).windows)
    found += v.extraction.found && v.extraction.payload == payload;
  return found;
}

TEST_F(VideoFiles, StrengthSearchRaisesTheWindowsACheckLoses) {
  const std::vector<uint8_t> payload = payload_from_text("S", w_->code().capacity_bits());
  // At 192x144, x264 CRF 31 takes the mark from both 1-s windows at strength 1 and leaves
  // it in both at 1.5625 (measured).
  const std::string check = "libx264:crf=31";
  VideoEmbedOptions none;
  none.checks.clear();
  none.check_window_seconds = 1.0;
  const VideoEmbedReport a =
      embed_video(*w_, payload, dir_->file("pan.mp4"), dir_->file("plain.mp4"), none);
  EXPECT_EQ(a.passes, 1);
  EXPECT_EQ(a.window_strengths, std::vector<double>(2, 1.0));
  const int plain_found =
      windows_after(*w_, payload, dir_->file("plain.mp4"), check, dir_->file("plain-40.mkv"));
  // At the model's strength this small clip loses the payload in a window (else the search
  // has nothing to do and the test nothing to show).
  ASSERT_LT(plain_found, 2);

  VideoEmbedOptions search = none;
  search.checks = {parse_video_check(check)};
  search.max_flat_visible = 1;  // no raise undone for visibility here
  int64_t reports = 0;
  const VideoEmbedReport b =
      embed_video(*w_, payload, dir_->file("pan.mp4"), dir_->file("searched.mp4"), search,
                  [&](int64_t, int64_t) { ++reports; });
  ASSERT_EQ(b.window_strengths.size(), 2u);
  for (const double s : b.window_strengths) {
    EXPECT_GE(s, 1.0);
    EXPECT_LE(s, kMaxStrength);
  }
  EXPECT_GT(*std::max_element(b.window_strengths.begin(), b.window_strengths.end()), 1.0);
  EXPECT_GE(b.passes, 2);
  EXPECT_EQ(reports, b.passes * kFrames);  // every pass marks every frame
  EXPECT_LT(b.psnr_db, a.psnr_db);         // more strength somewhere
  // Every window the search left below the maximum passed its check, and the searched
  // clip keeps more windows through the same re-encode.
  const int searched_found =
      windows_after(*w_, payload, dir_->file("searched.mp4"), check, dir_->file("searched-40.mkv"));
  EXPECT_GT(searched_found, plain_found);
  // A re-encode the mark survives at once needs no second pass.
  search.checks = {parse_video_check("libx264:crf=18")};
  const VideoEmbedReport c =
      embed_video(*w_, payload, dir_->file("pan.mp4"), dir_->file("easy.mp4"), search);
  EXPECT_EQ(c.passes, 1);
  EXPECT_EQ(c.window_strengths, a.window_strengths);
  // A bad window length is refused before any work.
  search.max_flat_visible = -1;
  EXPECT_THROW(embed_video(*w_, payload, dir_->file("pan.mp4"), dir_->file("w0.mp4"), search),
               InvalidArgument);
  search.max_flat_visible = 0;
  search.check_window_seconds = 0;
  EXPECT_THROW(embed_video(*w_, payload, dir_->file("pan.mp4"), dir_->file("w0.mp4"), search),
               InvalidArgument);
  EXPECT_FALSE(fs::exists(dir_->file("w0.mp4")));
}

TEST(VideoCheckSpecs, ParseAndPrint) {
  const VideoEncodeOptions x = parse_video_check("libx264:crf=40:preset=veryfast");
  EXPECT_EQ(x.encoder, "libx264");
  EXPECT_EQ(x.crf, 40);
  EXPECT_EQ(x.preset, "veryfast");
  EXPECT_EQ(video_check_spec(x), "libx264:crf=40:preset=veryfast");
  EXPECT_EQ(video_check_spec(parse_video_check("libx264")), "libx264");
  EXPECT_EQ(parse_video_check("libx264").crf, 23);
  const VideoEncodeOptions m = parse_video_check("mpeg4");
  EXPECT_EQ(m.quantizer, 0);  // rate control at libavcodec's default bitrate
  EXPECT_EQ(m.bit_rate, 0);
  const VideoEncodeOptions v = parse_video_check("libxvid:q=5");
  EXPECT_EQ(v.encoder, "libxvid");
  EXPECT_EQ(v.quantizer, 5);
  EXPECT_EQ(video_check_spec(v), "libxvid:q=5");
  EXPECT_EQ(parse_video_check("mpeg4:bitrate=500000").bit_rate, 500000);
  // VP9, VP8 and AV1: a CRF only, each in its encoder's range, with its own default.
  const VideoEncodeOptions a = parse_video_check("libsvtav1:crf=50");
  EXPECT_EQ(a.encoder, "libsvtav1");
  EXPECT_EQ(a.crf, 50);
  EXPECT_EQ(video_check_spec(a), "libsvtav1:crf=50");
  EXPECT_EQ(parse_video_check("libsvtav1").crf, 35);
  EXPECT_EQ(video_check_spec(parse_video_check("libvpx-vp9")), "libvpx-vp9");
  EXPECT_EQ(parse_video_check("libvpx:crf=63").crf, 63);
  for (const char* bad : {"h265", "libx264:crf=52", "libx264:q=3", "mpeg4:crf=20", "mpeg4:q=32",
                          "libx264:crf=x", "", "libx264(jpeg)", "libsvtav1:crf=0",
                          "libsvtav1:crf=64", "libvpx:crf=3", "libvpx-vp9:preset=fast"}) {
    EXPECT_THROW(parse_video_check(bad), InvalidArgument) << bad;
  }
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
  VideoEmbedOptions bad;
  bad.encode.encoder = "nonesuch";
  EXPECT_THROW(embed_video(*w_, payload, dir_->file("pan.mp4"), out, bad), InvalidArgument);
  bad = {};
  bad.encode.crf = 99;
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
  EXPECT_EQ(e.at("window_strengths").size(), 1u);  // one 2-s window
  EXPECT_GE(e.at("passes"), 1);
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
  r = test::run_shell(cli + " embed -i " + dir_->file("pan.mp4") + " -o " +
                      dir_->file("badcheck.mkv") + " --text x --video-check libx264:crf=99");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("crf"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(dir_->file("badcheck.mkv")));
}

TEST_F(VideoFiles, TransformRetimesCutsAndScales) {
  // pan.mp4: 40 frames at 20 fps (2 s). Cutting 0.5 s at each end leaves frames at
  // 0.50..1.50 s; at 10 fps, output tick k (0.1 k s after the cut) shows the nearest input
  // frame, 10 + 2k. Lossless coding, so each output frame is recognisable.
  VideoTransform t;
  t.encode.crf = 0;
  t.encode.preset = "veryfast";
  t.fps = 10;
  t.trim_start_s = 0.5;
  t.trim_end_s = 0.5;
  const VideoTransformReport r = transform_video(dir_->file("pan.mp4"), dir_->file("t.mkv"), t);
  EXPECT_EQ(r.frames_in, kFrames);
  EXPECT_EQ(r.frames_out, 10);
  EXPECT_DOUBLE_EQ(r.fps, 10.0);
  const std::vector<VideoFrame> in = read_frames(dir_->file("pan.mp4"));
  const std::vector<VideoFrame> out = read_frames(dir_->file("t.mkv"));
  ASSERT_EQ(out.size(), 10u);
  for (size_t k = 0; k < out.size(); ++k) {
    EXPECT_NEAR(out[k].seconds, 0.1 * static_cast<double>(k), 1e-3);
    size_t best = 0;
    double best_diff = 1e9;
    for (size_t i = 0; i < in.size(); ++i) {
      double diff = 0;
      for (size_t p = 0; p < in[i].image.pixels.size(); ++p) {
        diff += std::abs(in[i].image.pixels[p] - out[k].image.pixels[p]);
      }
      if (diff < best_diff) {
        best_diff = diff;
        best = i;
      }
    }
    EXPECT_EQ(best, 10 + 2 * k) << "output frame " << k;
  }
  // Downscaling keeps the aspect; MPEG-4 Part 2 by rate control (ffmpeg's default).
  VideoTransform small;
  small.height = 72;
  small.encode.encoder = "mpeg4";
  small.encode.quantizer = 0;
  const VideoTransformReport s = transform_video(dir_->file("pan.mp4"), dir_->file("s.avi"), small);
  EXPECT_EQ(s.frames_out, kFrames);
  EXPECT_EQ(s.width, 96);
  EXPECT_EQ(s.height, 72);
  VideoReader back(dir_->file("s.avi"));
  EXPECT_EQ(back.width(), 96);
  EXPECT_EQ(back.height(), 72);
  // Cuts that leave nothing, a negative rate, an unknown encoder: refused, nothing written.
  VideoTransform bad;
  bad.trim_start_s = 1.5;
  bad.trim_end_s = 1.0;
  EXPECT_THROW(transform_video(dir_->file("pan.mp4"), dir_->file("bad.mp4"), bad), InvalidArgument);
  bad = {};
  bad.fps = -1;
  EXPECT_THROW(transform_video(dir_->file("pan.mp4"), dir_->file("bad.mp4"), bad), InvalidArgument);
  bad = {};
  bad.encode.encoder = "libvpx";
  EXPECT_THROW(transform_video(dir_->file("pan.mp4"), dir_->file("bad.mp4"), bad), InvalidArgument);
  EXPECT_FALSE(fs::exists(dir_->file("bad.mp4")));
}

TEST_F(VideoFiles, AudioSurvivesCuttingAndMarking) {
  // The first 2 s of the sample street video (H.264 + audio), made small, then marked: the
  // marked file carries the same audio packets, byte for byte.
  const std::string source = std::string(ROBUSTHIDE_DATA_DIR) + "/video/car-detection.mp4";
  VideoTransform t;
  t.height = 144;
  t.encode.preset = "veryfast";
  t.trim_end_s = VideoReader(source).duration() - 2.0;
  const VideoTransformReport cut = transform_video(source, dir_->file("car.mp4"), t);
  ASSERT_EQ(cut.streams_copied, 1);
  EXPECT_EQ(cut.width, 256);
  const auto audio = other_packets(dir_->file("car.mp4"));
  EXPECT_GT(audio.first, 10);
  const std::vector<uint8_t> payload = payload_from_text("Au", w_->code().capacity_bits());
  const VideoEmbedReport r =
      embed_video(*w_, payload, dir_->file("car.mp4"), dir_->file("car-marked.mkv"));
  EXPECT_EQ(r.streams_copied, 1);
  EXPECT_TRUE(r.streams_skipped.empty());
  EXPECT_EQ(other_packets(dir_->file("car-marked.mkv")), audio);
  // WebM cannot hold AAC: the audio is not copied, and the report says which and why.
  VideoEmbedOptions webm;
  webm.encode.encoder = "libvpx-vp9";
  const VideoEmbedReport v =
      embed_video(*w_, payload, dir_->file("car.mp4"), dir_->file("car-marked.webm"), webm);
  EXPECT_EQ(v.streams_copied, 0);
  ASSERT_EQ(v.streams_skipped.size(), 1u);
  EXPECT_NE(v.streams_skipped[0].find("aac"), std::string::npos) << v.streams_skipped[0];
  EXPECT_NE(v.streams_skipped[0].find("webm"), std::string::npos) << v.streams_skipped[0];
}

TEST_F(VideoFiles, VariableFrameTimingIsKept) {
  // Frames at irregular times (ms): the marked video keeps every timestamp.
  const Image photo = read_image(test::sample_photo_path());
  VideoStreamInfo info;
  info.width = kWidth;
  info.height = kHeight;
  info.rate_num = 20;
  info.time_base_den = 1000;
  VideoEncodeOptions o;
  o.preset = "veryfast";
  const std::vector<int64_t> ms = {0, 40, 60, 150, 160, 170, 300, 330, 400, 520, 530, 700};
  {
    VideoWriter writer(dir_->file("vfr.mkv"), info, o);
    for (size_t k = 0; k < ms.size(); ++k) {
      writer.write(
          VideoFrame{test::crop(photo, 4 * static_cast<int>(k), 0, kWidth, kHeight), ms[k], 0.0});
    }
    writer.close();
    writer.commit();
  }
  const std::vector<uint8_t> payload = payload_from_text("V", w_->code().capacity_bits());
  embed_video(*w_, payload, dir_->file("vfr.mkv"), dir_->file("vfr-marked.mkv"));
  const std::vector<VideoFrame> in = read_frames(dir_->file("vfr.mkv"));
  const std::vector<VideoFrame> out = read_frames(dir_->file("vfr-marked.mkv"));
  ASSERT_EQ(in.size(), ms.size());
  ASSERT_EQ(out.size(), ms.size());
  for (size_t k = 0; k < ms.size(); ++k) {
    EXPECT_NEAR(in[k].seconds, 0.001 * static_cast<double>(ms[k]), 1e-6);
    EXPECT_NEAR(out[k].seconds, in[k].seconds, 1e-6) << k;
  }
}

TEST_F(VideoFiles, MoreBadInputs) {
  const std::vector<uint8_t> payload = payload_from_text("b", w_->code().capacity_bits());
  // An output in a folder that does not exist: IoError naming it, no file.
  const std::string nowhere = dir_->file("no-such-folder/out.mp4");
  try {
    embed_video(*w_, payload, dir_->file("pan.mp4"), nowhere);
    FAIL() << "wrote into a missing folder";
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find(nowhere), std::string::npos) << e.what();
  }
  // A video stream without frames.
  {
    VideoStreamInfo info;
    info.width = kWidth;
    info.height = kHeight;
    VideoWriter empty(dir_->file("empty.mkv"), info, VideoEncodeOptions{});
    empty.close();
    empty.commit();
  }
  try {
    embed_video(*w_, payload, dir_->file("empty.mkv"), dir_->file("e.mp4"));
    FAIL() << "a clip without frames was accepted";
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find("empty.mkv"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(fs::exists(dir_->file("e.mp4")));
  // Odd frame sizes: libx264 codes them (4:4:4); MPEG-4 Part 2 cannot and says so.
  write_clip(dir_->file("odd.mkv"), 6, 0, 0, 3, 1, 12);
  VideoTransform odd;
  odd.height = 71;
  odd.encode.preset = "veryfast";
  const VideoTransformReport r =
      transform_video(dir_->file("odd.mkv"), dir_->file("odd71.mkv"), odd);
  EXPECT_EQ(r.height, 71);
  const VideoEmbedReport e =
      embed_video(*w_, payload, dir_->file("odd71.mkv"), dir_->file("odd-marked.mkv"));
  EXPECT_EQ(e.height, 71);
  VideoEmbedOptions mpeg4;
  mpeg4.encode.encoder = "mpeg4";
  EXPECT_THROW(
      embed_video(*w_, payload, dir_->file("odd71.mkv"), dir_->file("odd-mpeg4.avi"), mpeg4),
      InvalidArgument);
  EXPECT_FALSE(fs::exists(dir_->file("odd-mpeg4.avi")));
}

TEST_F(VideoFiles, EncodersIncludingTheInputsOwnCodec) {
  const std::vector<uint8_t> payload = payload_from_text("E", w_->code().capacity_bits());
  // "same": an MPEG-4 Part 2 input stays MPEG-4 Part 2, an H.264 one H.264.
  VideoTransform to_mpeg4;
  to_mpeg4.encode.encoder = "mpeg4";
  to_mpeg4.encode.quantizer = 2;
  transform_video(dir_->file("pan.mp4"), dir_->file("pan-mpeg4.avi"), to_mpeg4);
  VideoEmbedOptions same;
  same.encode.encoder = "same";
  const VideoEmbedReport a =
      embed_video(*w_, payload, dir_->file("pan-mpeg4.avi"), dir_->file("same.avi"), same);
  EXPECT_EQ(a.encoder, "mpeg4");
  EXPECT_EQ(VideoReader(dir_->file("same.avi")).codec_name(), "mpeg4");
  same.encode.preset = "veryfast";
  const VideoEmbedReport b =
      embed_video(*w_, payload, dir_->file("pan.mp4"), dir_->file("same.mkv"), same);
  EXPECT_EQ(b.encoder, "libx264");
  EXPECT_EQ(VideoReader(dir_->file("same.mkv")).codec_name(), "h264");
  // HEVC, VP9, VP8 and AV1 outputs read back; the payload survives them.
  for (const auto& [encoder, file, codec] : {std::tuple{"libx265", "hevc.mp4", "hevc"},
                                             {"libvpx-vp9", "vp9.webm", "vp9"},
                                             {"libvpx", "vp8.webm", "vp8"},
                                             {"libsvtav1", "av1.mkv", "av1"}}) {
    VideoEmbedOptions o;
    o.encode.encoder = encoder;
    o.encode.preset = "ultrafast";
    const VideoEmbedReport r =
        embed_video(*w_, payload, dir_->file("pan.mp4"), dir_->file(file), o);
    EXPECT_EQ(r.encoder, encoder);
    EXPECT_EQ(VideoReader(dir_->file(file)).codec_name(), codec);
    const VideoExtraction x = extract_video(*w_, dir_->file(file));
    EXPECT_EQ(x.whole.payload, payload) << encoder;
  }
  // An AV1 input re-encoded with its own codec.
  const VideoEmbedReport av1 =
      embed_video(*w_, payload, dir_->file("av1.mkv"), dir_->file("av1-same.mkv"), same);
  EXPECT_EQ(av1.encoder, "libsvtav1");
  // A container that cannot hold the codec is refused before anything is written.
  VideoEmbedOptions vp8;
  vp8.encode.encoder = "libvpx";
  try {
    embed_video(*w_, payload, dir_->file("pan.mp4"), dir_->file("vp8.mp4"), vp8);
    ADD_FAILURE() << "VP8 in MP4 was accepted";
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("cannot hold vp8"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(fs::exists(dir_->file("vp8.mp4")));
  // VP9's CRF goes to 63, H.264's to 51.
  VideoEmbedOptions bad;
  bad.encode.encoder = "libvpx-vp9";
  bad.encode.crf = 64;
  EXPECT_THROW(embed_video(*w_, payload, dir_->file("pan.mp4"), dir_->file("bad.webm"), bad),
               InvalidArgument);
  bad.encode.crf = 3;  // VP8's CRF starts at 4, AV1's (SVT) at 1
  bad.encode.encoder = "libvpx";
  EXPECT_THROW(embed_video(*w_, payload, dir_->file("pan.mp4"), dir_->file("bad.webm"), bad),
               InvalidArgument);
  bad.encode.crf = 0;
  bad.encode.encoder = "libsvtav1";
  EXPECT_THROW(embed_video(*w_, payload, dir_->file("pan.mp4"), dir_->file("bad.webm"), bad),
               InvalidArgument);
  bad.encode.encoder = "libx264";
  bad.encode.crf = 55;
  EXPECT_THROW(embed_video(*w_, payload, dir_->file("pan.mp4"), dir_->file("bad.webm"), bad),
               InvalidArgument);
  EXPECT_FALSE(fs::exists(dir_->file("bad.webm")));
}

TEST_F(VideoFiles, BitrateCostOfTheMarkIsMeasured) {
  const std::vector<uint8_t> payload = payload_from_text("B", w_->code().capacity_bits());
  VideoEmbedOptions o;
  o.encode.preset = "veryfast";
  o.bitrate_cost = true;
  const VideoEmbedReport r =
      embed_video(*w_, payload, dir_->file("pan.mp4"), dir_->file("cost.mp4"), o);
  EXPECT_GT(r.unmarked_bits_per_pixel, 0.0);
  // The mark is information the encoder must keep: the marked stream is larger.
  EXPECT_GT(r.bits_per_pixel, r.unmarked_bits_per_pixel);
  // Only the marked file is left.
  int files = 0;
  for (const auto& f : fs::directory_iterator(dir_->path())) {
    files += f.path().filename().string().find("cost") != std::string::npos ||
             f.path().filename().string().find(".tmp-rh") != std::string::npos;
  }
  EXPECT_EQ(files, 1);
}

}  // namespace
}  // namespace robusthide
