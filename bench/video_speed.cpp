// video_speed: where the time of embedding and extracting a video goes, at one frame size.
//
//   build/video_speed MODEL SOURCE_VIDEO WIDTH HEIGHT [FRAMES] [PRESET]
//
// Makes a WIDTH x HEIGHT H.264 clip of the first FRAMES (default 120) frames of
// SOURCE_VIDEO (scaled bicubically), then times, in frames per second of that clip:
//   decode          VideoReader alone (demux, decode, YUV -> RGB)
//   transcode       decode + libx264 encode at PRESET (default veryfast), CRF 18
//   mark            decode + residual + apply_mark per frame (no encode)
//   embed           embed_video: decode, mark, encode, and the read-back extract, with
//                   the residual computed on every 4th, 2nd and every frame (--step)
//   extract         extract_video, every frame; and every 2nd and 4th frame
// Timings depend on the CPU being otherwise idle; docs/performance.md lists the commands.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <string>

#include "robusthide/error.h"
#include "robusthide/payload.h"
#include "robusthide/runtime.h"
#include "robusthide/video.h"
#include "robusthide/watermark.h"
#include "video/video_io.h"

using namespace robusthide;
namespace vio = robusthide::detail;

namespace {

double seconds_of(const std::function<void()>& f) {
  const auto start = std::chrono::steady_clock::now();
  f();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

void row(const char* what, int64_t frames, double s) {
  std::printf("%-22s %8.1f fps  (%.2f s for %lld frames)\n", what, frames / s, s,
              static_cast<long long>(frames));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 5) {
    std::cerr << "usage: video_speed MODEL SOURCE_VIDEO WIDTH HEIGHT [FRAMES] [PRESET]\n";
    return 2;
  }
  try {
    tune_memory_allocator();
    const int threads = set_compute_threads(0);
    const int width = std::stoi(argv[3]), height = std::stoi(argv[4]);
    const int64_t frames = argc > 5 ? std::stoll(argv[5]) : 120;
    const std::string preset = argc > 6 ? argv[6] : "veryfast";
    const std::string clip = "/tmp/video_speed_" + std::to_string(height) + ".mp4";
    {
      vio::VideoReader source(argv[2]);
      vio::VideoStreamInfo info = source.info();
      info.width = width;
      info.height = height;
      VideoEncodeOptions enc;
      enc.crf = 18;
      enc.preset = "veryfast";
      vio::VideoWriter writer(clip, info, enc);
      int64_t n = 0;
      source.run([&](vio::VideoFrame& f) {
        if (n++ < frames) writer.write(f);
      });
      writer.close();
      writer.commit();
    }
    Watermarker::Options options;
    options.grid = 1;  // one tile per frame, as the CLI marks videos
    const Watermarker w(load_model(argv[1]), options);
    const std::vector<uint8_t> payload = payload_from_text("Spd", w.code().capacity_bits());
    std::printf("%dx%d, %lld frames, %d compute threads, x264 preset %s\n", width, height,
                static_cast<long long>(frames), threads, preset.c_str());
    int64_t n = 0;
    row("decode", frames,
        seconds_of([&] { vio::VideoReader(clip).run([&](vio::VideoFrame&) { ++n; }); }));
    VideoTransform t;
    t.encode.preset = preset;
    const std::string out = "/tmp/video_speed_out.mp4";
    row("decode + encode", frames, seconds_of([&] { transform_video(clip, out, t); }));
    row("decode + mark", frames, seconds_of([&] {
          vio::VideoReader(clip).run([&](vio::VideoFrame& f) {
            const Image marked = apply_mark(w.model(), f.image, w.residual(f.image, payload));
            (void)marked;
          });
        }));
    VideoEmbedOptions e;
    e.encode.preset = preset;
    for (const int step : {4, 2, 1}) {  // the last one's output is read below
      e.step = step;
      const std::string what = "embed --step " + std::to_string(step);
      row(what.c_str(), frames, seconds_of([&] { embed_video(w, payload, clip, out, e); }));
    }
    for (const int sample : {1, 2, 4}) {
      const std::string what = "extract, every " + std::to_string(sample) + ". frame";
      row(what.c_str(), frames, seconds_of([&] { extract_video(w, out, 2.0, sample); }));
    }
    if (std::getenv("VIDEO_SPEED_KEEP") == nullptr) {  // keep the clips to profile them
      std::remove(clip.c_str());
      std::remove(out.c_str());
    }
    return 0;
  } catch (const Error& e) {
    std::cerr << "video_speed: " << e.what() << "\n";
    return 1;
  }
}
