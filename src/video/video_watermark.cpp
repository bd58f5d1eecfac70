// embed_video / extract_video (video.h): the photo Watermarker applied frame by frame,
// and soft decisions averaged over frames and windows.
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <map>
#include <memory>
#include <set>
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

// Tiles per side of a video's frames: the Watermarker's grid, one tile when automatic.
int video_grid(const Watermarker& w) { return w.options().grid != 0 ? w.options().grid : 1; }

using detail::VideoFrame;
using detail::VideoReader;
using detail::VideoWriter;

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

namespace {

// A temporary file name for a check's re-encode (Matroska holds every encoder's stream),
// removed when it goes out of scope.
class TempVideo {
 public:
  TempVideo() {
    static std::atomic<int> counter{0};
    path_ = (std::filesystem::temp_directory_path() /
             ("robusthide-check-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) +
              ".mkv"))
                .string();
  }
  ~TempVideo() {
    std::error_code ec;
    std::filesystem::remove(path_, ec);
  }
  TempVideo(const TempVideo&) = delete;
  TempVideo& operator=(const TempVideo&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

int64_t window_of(double seconds, double window_seconds) {
  return static_cast<int64_t>(std::floor(std::max(seconds, 0.0) / window_seconds));
}

// One marking of the whole video at given window strengths: the encoded file (closed, not
// yet committed), the report's per-frame figures, and the flat pixels visibly changed in
// the first frame of each window.
struct Pass {
  std::unique_ptr<VideoWriter> writer;
  std::unique_ptr<VideoWriter> plain;  // the unmarked frames alike (bitrate_cost)
  VideoEmbedReport report;
  std::map<int64_t, double> visible;  // window -> flat pixels visibly changed / all pixels
};

Pass mark_pass(const Watermarker& w, const std::vector<uint8_t>& bits, const std::string& input,
               const std::string& output, const VideoEmbedOptions& options,
               const std::map<int64_t, double>& strengths, double base,
               const VideoProgress& progress) {
  VideoReader reader(input);
  Pass p;
  p.writer = std::make_unique<VideoWriter>(output, reader, options.encode);
  if (options.bitrate_cost) {
    p.plain = std::make_unique<VideoWriter>(output, reader.info(), options.encode, nullptr);
  }
  VideoEmbedReport& r = p.report;
  r.width = reader.width();
  r.height = reader.height();
  r.fps = reader.fps();
  r.streams_copied = p.writer->streams_copied();
  r.streams_skipped = p.writer->streams_skipped();
  r.encoder = p.writer->encoder();
  r.grid = video_grid(w);
  const int64_t total = reader.frame_count();
  torch::Tensor mark;  // the residual of the last step-th frame
  double psnr_sum = 0, delta_e_sum = 0;
  int64_t psnr_frames = 0, perceptual_frames = 0, flat = 0, flat_visible = 0;
  std::vector<int16_t> residual, previous;  // marked - input of this and the last frame
  double flicker_sum = 0;
  int64_t last_window = -1, last_marked_window = -1;
  reader.run(
      [&](VideoFrame& frame) {
        const int64_t window = window_of(frame.seconds, options.check_window_seconds);
        // A new residual every step-th frame, and at the first frame of a window whose
        // strength differs (the reused residual carries its window's strength).
        const auto found = strengths.find(window);
        const double strength = found == strengths.end() ? base : found->second;
        const auto last = strengths.find(last_marked_window);
        const double last_strength = last == strengths.end() ? base : last->second;
        if (r.frames % options.step == 0 || strength != last_strength) {
          mark = mark_residual(w.model(), frame.image, bits, strength, video_grid(w));
          last_marked_window = window;
        }
        VideoFrame marked;
        marked.image = apply_mark(w.model(), frame.image, mark);
        marked.pts = frame.pts;
        if (window != last_window) {  // the first frame of a window: perceptual distance
          const PerceptualDistance d = perceptual_distance(frame.image, marked.image);
          delta_e_sum += d.delta_e_mean;
          flat += d.flat_pixels;
          flat_visible += d.flat_visible;
          p.visible[window] = static_cast<double>(d.flat_visible) /
                              (static_cast<double>(frame.image.width) * frame.image.height);
          ++perceptual_frames;
          last_window = window;
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
        p.writer->write(marked);
        if (p.plain) p.plain->write(frame);
        ++r.frames;
        if (progress) progress(r.frames, total);
      },
      [&](AVPacket* packet) { p.writer->copy(packet); });
  if (r.frames == 0) throw IoError("cannot read video '" + input + "': it holds no frame");
  p.writer->close();
  if (p.plain) p.plain->close();
  const double pixels = static_cast<double>(r.frames) * r.width * r.height;
  r.bits_per_pixel = 8.0 * static_cast<double>(p.writer->video_bytes()) / pixels;
  if (p.plain)
    r.unmarked_bits_per_pixel = 8.0 * static_cast<double>(p.plain->video_bytes()) / pixels;
  r.psnr_db = psnr_frames > 0 ? psnr_sum / static_cast<double>(psnr_frames) : INFINITY;
  r.ciede2000_mean =
      perceptual_frames > 0 ? delta_e_sum / static_cast<double>(perceptual_frames) : 0;
  r.flat_visible_share =
      flat > 0 ? static_cast<double>(flat_visible) / static_cast<double>(flat) : 0;
  r.flicker = r.frames > 1 ? flicker_sum / static_cast<double>(r.frames - 1) : 0;
  return p;
}

// The windows of `marked` whose payload does not come back after the re-encode `check`.
std::set<int64_t> failing_windows(const Watermarker& w, const std::vector<uint8_t>& payload,
                                  const std::string& marked, const VideoEncodeOptions& check,
                                  double window_seconds, double max_false_positive) {
  const TempVideo attacked;
  VideoTransform t;
  t.encode = check;
  transform_video(marked, attacked.path(), t);
  const VideoExtraction x = extract_video(w, attacked.path(), window_seconds);
  std::set<int64_t> failing;
  for (const VideoWindow& v : x.windows) {
    if (!v.extraction.found || v.extraction.payload != payload ||
        v.extraction.false_positive > max_false_positive) {
      failing.insert(window_of(v.start_s, window_seconds));
    }
  }
  return failing;
}

}  // namespace

VideoEmbedReport embed_video(const Watermarker& w, const std::vector<uint8_t>& payload,
                             const std::string& input, const std::string& output,
                             const VideoEmbedOptions& options, const VideoProgress& progress) {
  if (options.step < 1 || options.step > 1000) {
    throw InvalidArgument("--step must be in 1..1000, got " + std::to_string(options.step));
  }
  if (!(options.check_window_seconds >= 0.1 && options.check_window_seconds <= 3600)) {
    throw InvalidArgument("the check window must be in 0.1..3600 s, got " +
                          std::to_string(options.check_window_seconds));
  }
  if (!(options.max_flat_visible >= 0 && options.max_flat_visible <= 1) ||
      !(options.check_false_positive > 0 && options.check_false_positive <= 1)) {
    throw InvalidArgument(
        "the search's visible share must be in 0..1 and its false-positive "
        "bound in (0, 1], got " +
        std::to_string(options.max_flat_visible) + " and " +
        std::to_string(options.check_false_positive));
  }
  const OneTorchThread one_thread;
  const std::vector<uint8_t> bits = w.code().encode(payload);
  const double base = w.options().strength;
  // The strength search: each window's strength, raised x1.25 while a check fails; a
  // raise that makes flat pixels visibly changed is undone and the window frozen.
  std::map<int64_t, double> strengths, previous;
  std::set<int64_t> frozen;
  std::map<int64_t, double> base_visible;
  Pass pass;
  int passes = 0;
  for (;;) {
    pass = {};  // the last pass's temporary files go first
    pass = mark_pass(w, bits, input, output, options, strengths, base, progress);
    ++passes;
    if (options.checks.empty()) break;
    if (passes == 1) base_visible = pass.visible;
    bool changed = false;
    for (const auto& [window, strength] : strengths) {
      if (frozen.count(window) || strength <= base) continue;
      const double visible = pass.visible[window];
      if (visible > options.max_flat_visible && visible > base_visible[window]) {
        strengths[window] = previous[window];
        frozen.insert(window);
        changed = true;
      }
    }
    if (!changed) {
      std::set<int64_t> failing;
      for (const VideoEncodeOptions& check : options.checks) {
        const std::set<int64_t> f =
            failing_windows(w, payload, pass.writer->temp_path(), check,
                            options.check_window_seconds, options.check_false_positive);
        failing.insert(f.begin(), f.end());
      }
      for (const int64_t window : failing) {
        const auto found = strengths.find(window);
        const double now = found == strengths.end() ? base : found->second;
        if (frozen.count(window) || now >= kMaxStrength) continue;
        previous[window] = now;
        strengths[window] = std::min(kMaxStrength, now * 1.25);
        changed = true;
      }
    }
    if (!changed) break;
  }
  // The read-back check: the payload must come back from exactly the file written.
  const VideoExtraction check =
      extract_video(w, pass.writer->temp_path(), options.check_window_seconds);
  if (!check.whole.found || check.whole.payload != payload) {
    throw Error("cannot embed into '" + input +
                "': the payload does not read back from the "
                "encoded video; nothing written to '" +
                output + "' (raise --strength or lower --crf)");
  }
  pass.writer->commit();
  VideoEmbedReport r = std::move(pass.report);
  r.passes = passes;
  const int64_t windows = window_of(check.windows.empty() ? 0 : check.windows.back().start_s,
                                    options.check_window_seconds) +
                          1;
  for (int64_t k = 0; k < windows; ++k) {
    const auto found = strengths.find(k);
    r.window_strengths.push_back(found == strengths.end() ? base : found->second);
  }
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
      std::vector<float> raw = extract_raw(w.model(), frame.image, video_grid(w));
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
