// Video codecs: the batch is one clip of consecutive 30 fps frames.
//   mpeg4      FFmpeg's MPEG-4 Part 2 encoder with OpenCV 4.6 VideoWriter settings, tag 'mp4v'
//              and stream headers in extradata (as OpenCV writes .mp4)
//   xvid       the same encoder and settings with tag 'XVID' and in-band headers (.avi);
//              identical pixels to mpeg4
//   xvid:lib   libxvidcore (FFmpeg's "libxvid" encoder) with the same settings
//   h264       libx264, CRF 0..51 (23), preset (medium), yuv420p
#include <algorithm>
#include <climits>
#include <string>

extern "C" {
#include <libavutil/common.h>
#include <libavutil/cpu.h>
}

#include "codecs/factories.h"
#include "codecs/video_clip.h"
#include "robusthide/error.h"

namespace robusthide {
namespace {

constexpr int kFps = 30;
constexpr int kDefaultCrf = 23;
const char* const kDefaultPreset = "medium";
const char* const kPresets[] = {"ultrafast", "superfast", "veryfast", "faster",   "fast",
                                "medium",    "slow",      "slower",   "veryslow", "placebo"};

// The rate-control settings OpenCV 4.6's CvVideoWriter_FFMPEG::open gives MPEG-4 Part 2:
// bitrate = fps * width * height; icv_configure_video_stream_FFMPEG sets
// bit_rate = bitrate + bitrate / 2, open() then adds bitrate / 2 again and uses the result
// as bit_rate and bit_rate_tolerance. qmin 3, gop 12, no B-frames (the encoder default).
VideoClipSettings opencv_mpeg4_settings(int width, int height) {
  VideoClipSettings s;
  s.encoder = "mpeg4";
  s.fps = kFps;
  const double bitrate = std::min(1.0 * kFps * width * height, static_cast<double>(INT_MAX) / 2);
  const int bitrate_int = static_cast<int>(bitrate + 0.5);
  int64_t lbit_rate = std::min<int64_t>(int64_t{bitrate_int} + bitrate_int / 2, INT_MAX);
  lbit_rate = std::min<int64_t>(lbit_rate + static_cast<int64_t>(bitrate / 2), INT_MAX);
  s.bit_rate = lbit_rate;
  s.bit_rate_tolerance = static_cast<int>(lbit_rate);
  s.qmin = 3;
  s.gop_size = 12;
  s.max_b_frames = 0;
  return s;
}

// x264 options: log errors only; on CPUs with AVX-512, x264's AVX-512 routines made
// repeated encodes of the same clip in one process differ (e.g. 96x96 frames), so x264 is
// limited to AVX2 there (every AVX-512 CPU has AVX2, FMA3, BMI1/2 and LZCNT). Results
// still depend on the CPU's instruction sets, as always with x264.
std::string x264_params() {
  std::string params = "log=0";
  if (av_get_cpu_flags() & (AV_CPU_FLAG_AVX512 | AV_CPU_FLAG_AVX512ICL))
    params += ":asm=AVX2,Cache64";
  return params;
}

enum class Kind { kMpeg4, kXvid, kXvidLib, kH264 };

class VideoCodec : public Codec {
 public:
  VideoCodec(Kind kind, int crf, std::string preset)
      : kind_(kind), crf_(crf), preset_(std::move(preset)) {}

  std::string spec() const override {
    switch (kind_) {
      case Kind::kMpeg4:
        return "mpeg4";
      case Kind::kXvid:
        return "xvid";
      case Kind::kXvidLib:
        return "xvid:lib";
      case Kind::kH264:
        break;
    }
    std::string s = "h264:crf=" + std::to_string(crf_);
    if (preset_ != kDefaultPreset) s += ":preset=" + preset_;
    return s;
  }

  bool is_video() const override { return true; }

  RoundTrip round_trip_batch(const std::vector<Image>& batch, int /*threads*/) const override {
    if (batch.empty()) return {};
    const int width = batch.front().width + (batch.front().width & 1);
    const int height = batch.front().height + (batch.front().height & 1);
    VideoClipSettings s;
    switch (kind_) {
      case Kind::kMpeg4:
        s = opencv_mpeg4_settings(width, height);
        s.codec_tag = MKTAG('m', 'p', '4', 'v');
        s.global_header = true;
        break;
      case Kind::kXvid:
        s = opencv_mpeg4_settings(width, height);
        s.codec_tag = MKTAG('X', 'V', 'I', 'D');
        break;
      case Kind::kXvidLib:
        s = opencv_mpeg4_settings(width, height);
        s.encoder = "libxvid";
        s.codec_tag = MKTAG('X', 'V', 'I', 'D');
        break;
      case Kind::kH264:
        s.encoder = "libx264";
        s.fps = kFps;
        s.options = {
            {"crf", std::to_string(crf_)}, {"preset", preset_}, {"x264-params", x264_params()}};
        break;
    }
    return round_trip_clip(batch, s, spec());
  }

 private:
  Kind kind_;
  int crf_;             // h264 only
  std::string preset_;  // h264 only
};

}  // namespace

std::unique_ptr<Codec> make_video_codec(const SpecNode& spec) {
  if (spec.name == "mpeg4") {
    spec.expect(0, {}, "mpeg4 (no parameters)");
    return std::make_unique<VideoCodec>(Kind::kMpeg4, 0, "");
  }
  if (spec.name == "xvid") {
    spec.expect(1, {}, "xvid or xvid:lib");
    const std::string* variant = spec.positional(0);
    if (variant != nullptr && *variant != "lib") {
      throw InvalidArgument("invalid spec '" + abbreviate(spec.text) + "': unknown xvid variant '" +
                            *variant + "'; expected xvid or xvid:lib");
    }
    return std::make_unique<VideoCodec>(variant ? Kind::kXvidLib : Kind::kXvid, 0, "");
  }
  const std::string usage = "h264[:crf=0..51][:preset=ultrafast|...|medium|...|placebo]";
  spec.expect(0, {"crf", "preset"}, usage);
  const std::string* crf_text = spec.keyed("crf");
  const int crf = crf_text ? spec.int_param(crf_text, 0, 51, "crf") : kDefaultCrf;
  std::string preset = kDefaultPreset;
  if (const std::string* p = spec.keyed("preset")) {
    if (std::find(std::begin(kPresets), std::end(kPresets), *p) == std::end(kPresets)) {
      throw InvalidArgument("h264: unknown preset '" + *p + "' in spec '" + abbreviate(spec.text) +
                            "'; expected " + usage);
    }
    preset = *p;
  }
  return std::make_unique<VideoCodec>(Kind::kH264, crf, preset);
}

}  // namespace robusthide
