// window_average: two ways to read a video's 2-s windows, side by side (docs/video.md).
//   build/window_average MODEL VIDEO TEXT [WINDOW_S] [frames]
// Per window: "soft" = the decoder run on every frame and its outputs averaged (what
// extract_video does); "pixels" = the frames' model-size views averaged first and the
// decoder run once on the mean frame (the mark is fixed to the frame while the picture
// moves, so the mean keeps the mark and blurs the picture). Prints, per window and in
// all, raw bit errors against TEXT's codeword and whether the payload decodes; with
// `frames`, also each frame's errors and mean confidence |output - 0.5|.
#include <cmath>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "robusthide/error.h"
#include "robusthide/embedding.h"
#include "robusthide/model.h"
#include "robusthide/payload.h"
#include "robusthide/watermark.h"
#include "model/eval_mode.h"
#include "video/video_io.h"
#include "watermark/resample.h"

using namespace robusthide;

namespace {

struct Window {
  std::vector<double> soft;  // sum of per-frame outputs
  torch::Tensor pixels;      // sum of the model-size views
  int64_t frames = 0;
};

int errors(const std::vector<float>& raw, const std::vector<uint8_t>& bits) {
  int e = 0;
  for (size_t i = 0; i < bits.size(); ++i) e += (raw[i] > 0.5f) != (bits[i] != 0);
  return e;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: window_average MODEL VIDEO TEXT [WINDOW_S]\n");
    return 2;
  }
  try {
    const Watermarker w(load_model(argv[1]), Watermarker::Options{});
    const std::vector<uint8_t> payload = payload_from_text(argv[3], w.code().capacity_bits());
    const std::vector<uint8_t> bits = w.code().encode(payload);
    const double window_s = argc > 4 ? std::stod(argv[4]) : 2.0;
    const int64_t size = w.model().config.image_size;
    const bool per_frame = argc > 5 && std::string(argv[5]) == "frames";
    std::map<int64_t, Window> windows;
    robusthide::detail::VideoReader(argv[2]).run([&](robusthide::detail::VideoFrame& f) {
      Window& win = windows[static_cast<int64_t>(std::floor(std::max(f.seconds, 0.0) / window_s))];
      const std::vector<float> raw = extract_raw(w.model(), f.image, 1);
      if (per_frame) {
        double confidence = 0;
        for (const float r : raw) confidence += std::abs(r - 0.5f);
        std::printf("frame,%.3f,%d,%.4f\n", f.seconds, errors(raw, bits),
                    confidence / static_cast<double>(raw.size()));
      }
      if (win.soft.empty()) win.soft.assign(raw.size(), 0.0);
      for (size_t i = 0; i < raw.size(); ++i) win.soft[i] += raw[i];
      const torch::Tensor view = robusthide::detail::to_model_size(f.image, size);
      win.pixels = win.frames == 0 ? view.clone() : win.pixels + view;
      ++win.frames;
    });
    const double tests = static_cast<double>(windows.size());
    int found_soft = 0, found_pixels = 0, err_soft = 0, err_pixels = 0;
    std::printf("window,frames,soft_errors,soft_found,pixel_errors,pixel_found\n");
    for (const auto& [k, win] : windows) {
      std::vector<float> soft(win.soft.size());
      for (size_t i = 0; i < soft.size(); ++i)
        soft[i] = static_cast<float>(win.soft[i] / win.frames);
      const torch::Tensor mean = win.pixels / static_cast<double>(win.frames);
      const torch::Tensor out = [&] {
        torch::NoGradGuard g;
        EvalModeGuard eval(*w.model().decoder);
        return read_batch(w.model(), mean).contiguous();
      }();
      const std::vector<float> pix(out.data_ptr<float>(), out.data_ptr<float>() + out.numel());
      const Extraction a = w.extract_from_raw(soft, tests);
      const Extraction b = w.extract_from_raw(pix, tests);
      const bool fa = a.found && a.payload == payload, fb = b.found && b.payload == payload;
      found_soft += fa;
      found_pixels += fb;
      err_soft += errors(soft, bits);
      err_pixels += errors(pix, bits);
      std::printf("%lld,%lld,%d,%d,%d,%d\n", static_cast<long long>(k),
                  static_cast<long long>(win.frames), errors(soft, bits), fa, errors(pix, bits),
                  fb);
    }
    std::printf("all,%zu,%d,%d,%d,%d\n", windows.size(), err_soft, found_soft, err_pixels,
                found_pixels);
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "window_average: %s\n", e.what());
    return 1;
  }
}
