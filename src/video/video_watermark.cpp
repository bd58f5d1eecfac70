// embed_video / extract_video (video.h): the photo Watermarker applied frame by frame,
// and soft decisions averaged over frames and windows.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

extern "C" {
#include <libavformat/avformat.h>
}

#include "robusthide/error.h"
#include "robusthide/metrics.h"
#include "robusthide/perceptual.h"
#include "robusthide/video.h"
#include "video/video_io.h"

namespace robusthide {
namespace {

using detail::VideoFrame;
using detail::VideoReader;
using detail::VideoWriter;

// Perceptual distance is measured on one frame per this many seconds (it converts every
// pixel to CIELAB: ~0.5 s for a 1080p frame); PSNR and flicker on every frame.
constexpr double kPerceptualSeconds = 2.0;

int64_t file_size(const std::string& path) {
  std::error_code ec;
  const auto n = std::filesystem::file_size(path, ec);
  return ec ? 0 : static_cast<int64_t>(n);
}

// LibTorch at one intra-op thread while a video is processed: the networks run at the
// model's 128x128, where a second thread gains little, while idle OpenMP threads spinning
// between calls took ~15% of the CPU from the full-size per-pixel work and the codecs
// (docs/performance.md, "Video"). The previous count is restored.
class OneTorchThread {
 public:
  OneTorchThread() : previous_(at::get_num_threads()) { at::set_num_threads(1); }
  ~OneTorchThread() { at::set_num_threads(previous_); }
  OneTorchThread(const OneTorchThread&) = delete;
  OneTorchThread& operator=(const OneTorchThread&) = delete;

 private:
  int previous_;
};

// Sums of centred soft bits over a set of frames.
struct SoftSum {
  std::vector<double> sum;
  int64_t frames = 0;
  double first_s = 0, last_s = 0;

  void add(const std::vector<float>& raw, double seconds) {
    if (sum.empty()) {
      sum.assign(raw.size(), 0.0);
      first_s = seconds;
    }
    for (size_t i = 0; i < raw.size(); ++i) sum[i] += raw[i] - 0.5;
    last_s = seconds;
    ++frames;
  }
  // The average as raw outputs (centred mean + 0.5).
  std::vector<float> mean() const {
    std::vector<float> out(sum.size());
    for (size_t i = 0; i < sum.size(); ++i) {
      out[i] = static_cast<float>(sum[i] / static_cast<double>(frames) + 0.5);
    }
    return out;
  }
};

}  // namespace

bool is_video_path(const std::string& path) {
  std::string ext = std::filesystem::path(path).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
  for (const char* v : {".mp4", ".m4v", ".mkv", ".avi", ".mov", ".webm"}) {
    if (ext == v) return true;
  }
  return false;
}

VideoEmbedReport embed_video(const Watermarker& w, const std::vector<uint8_t>& payload,
                             const std::string& input, const std::string& output,
                             const VideoEmbedOptions& options, const VideoProgress& progress) {
  if (options.step < 1 || options.step > 1000) {
    throw InvalidArgument("--step must be in 1..1000, got " + std::to_string(options.step));
  }
  const OneTorchThread one_thread;
  VideoReader reader(input);
  VideoWriter writer(output, reader, options.encode);
  // The unmarked frames encoded alike, for the bitrate cost (never committed: removed).
  std::optional<VideoWriter> plain;
  if (options.bitrate_cost) plain.emplace(output, reader.info(), options.encode, nullptr);
  VideoEmbedReport r;
  torch::Tensor mark;  // the residual of the last step-th frame
  r.width = reader.width();
  r.height = reader.height();
  r.fps = reader.fps();
  r.streams_copied = writer.streams_copied();
  r.encoder = writer.encoder();
  const int64_t total = reader.frame_count();
  double psnr_sum = 0, delta_e_sum = 0;
  int64_t psnr_frames = 0, perceptual_frames = 0, flat = 0, flat_visible = 0;
  std::vector<int16_t> residual, previous;  // marked - input of this and the last frame
  double flicker_sum = 0;
  double next_perceptual_s = -INFINITY;  // the next frame time whose perceptual distance is taken
  reader.run(
      [&](VideoFrame& frame) {
        VideoFrame marked;
        if (r.frames % options.step == 0) mark = w.residual(frame.image, payload);
        marked.image = apply_mark(w.model(), frame.image, mark);
        marked.pts = frame.pts;
        if (frame.seconds >= next_perceptual_s) {
          const PerceptualDistance d = perceptual_distance(frame.image, marked.image);
          delta_e_sum += d.delta_e_mean;
          flat += d.flat_pixels;
          flat_visible += d.flat_visible;
          ++perceptual_frames;
          next_perceptual_s = frame.seconds + kPerceptualSeconds;
        }
        // PSNR and the change of the mark since the last frame, in one pass.
        const std::vector<uint8_t>& a = frame.image.pixels;
        const std::vector<uint8_t>& b = marked.image.pixels;
        residual.resize(a.size());
        int64_t sse = 0, change = 0;  // integer sums: exact, and the loops vectorise
        for (size_t i = 0; i < a.size(); ++i) {
          const int d = b[i] - a[i];
          sse += d * d;
          residual[i] = static_cast<int16_t>(d);
        }
        if (!previous.empty()) {
          for (size_t i = 0; i < a.size(); ++i) change += std::abs(residual[i] - previous[i]);
        }
        if (sse > 0) {
          psnr_sum += 10.0 * std::log10(255.0 * 255.0 * static_cast<double>(a.size()) /
                                        static_cast<double>(sse));
          ++psnr_frames;
        }
        if (!previous.empty()) {
          flicker_sum += static_cast<double>(change) / static_cast<double>(a.size());
        }
        residual.swap(previous);
        writer.write(marked);
        if (plain) plain->write(frame);
        ++r.frames;
        if (progress) progress(r.frames, total);
      },
      [&](AVPacket* packet) { writer.copy(packet); });
  if (r.frames == 0) throw IoError("cannot read video '" + input + "': it holds no frame");
  writer.close();
  // The read-back check: the payload must come back from exactly the file written.
  const VideoExtraction check = extract_video(w, writer.temp_path());
  if (!check.whole.found || check.whole.payload != payload) {
    throw Error("cannot embed into '" + input +
                "': the payload does not read back from the "
                "encoded video; nothing written to '" +
                output + "' (raise --strength or lower --crf)");
  }
  writer.commit();
  const double pixels = static_cast<double>(r.frames) * r.width * r.height;
  r.bits_per_pixel = 8.0 * static_cast<double>(writer.video_bytes()) / pixels;
  if (plain) {
    plain->close();
    r.unmarked_bits_per_pixel = 8.0 * static_cast<double>(plain->video_bytes()) / pixels;
  }
  r.psnr_db = psnr_frames > 0 ? psnr_sum / static_cast<double>(psnr_frames) : INFINITY;
  r.ciede2000_mean =
      perceptual_frames > 0 ? delta_e_sum / static_cast<double>(perceptual_frames) : 0;
  r.flat_visible_share =
      flat > 0 ? static_cast<double>(flat_visible) / static_cast<double>(flat) : 0;
  r.flicker = r.frames > 1 ? flicker_sum / static_cast<double>(r.frames - 1) : 0;
  r.bytes_in = file_size(input);
  r.bytes_out = file_size(output);
  return r;
}

VideoExtraction extract_video(const Watermarker& w, const std::string& input, double window_seconds,
                              int sample, const VideoProgress& progress) {
  if (sample < 1)
    throw InvalidArgument("the frame sampling must be >= 1, got " + std::to_string(sample));
  if (!(window_seconds >= 0.1)) {
    throw InvalidArgument("the window must be at least 0.1 s, got " +
                          std::to_string(window_seconds));
  }
  const OneTorchThread one_thread;
  VideoReader reader(input);
  const int64_t total = reader.frame_count();
  SoftSum whole;
  std::map<int64_t, SoftSum> windows;
  std::vector<std::vector<float>> per_frame;
  int64_t index = 0;
  reader.run([&](VideoFrame& frame) {
    if (index++ % sample == 0) {
      std::vector<float> raw = extract_raw(w.model(), frame.image);
      whole.add(raw, frame.seconds);
      windows[static_cast<int64_t>(std::floor(std::max(frame.seconds, 0.0) / window_seconds))].add(
          raw, frame.seconds);
      per_frame.push_back(std::move(raw));
    }
    if (progress) progress(index, total);
  });
  if (index == 0) throw IoError("cannot read video '" + input + "': it holds no frame");
  VideoExtraction x;
  x.frames = index;
  x.window_seconds = window_seconds;
  x.whole = w.extract_from_raw(whole.mean());
  const double tests = static_cast<double>(windows.size());
  for (const auto& [k, s] : windows) {
    VideoWindow v;
    v.start_s = s.first_s;
    v.end_s = s.last_s;
    v.frames = s.frames;
    v.extraction = w.extract_from_raw(s.mean(), tests);
    x.windows.push_back(std::move(v));
  }
  double disagreement = 0;
  for (const auto& raw : per_frame) {
    int64_t differ = 0;
    for (size_t i = 0; i < raw.size(); ++i) differ += (raw[i] > 0.5f) != (x.whole.raw_bits[i] != 0);
    disagreement += static_cast<double>(differ) / static_cast<double>(raw.size());
  }
  x.frame_disagreement = disagreement / static_cast<double>(per_frame.size());
  return x;
}

}  // namespace robusthide
