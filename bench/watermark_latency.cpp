// watermark_latency: embed and extract latency and peak memory at one image size.
//
//   build/watermark_latency MODEL WIDTH HEIGHT [RUNS]
//
// Builds a WIDTHxHEIGHT photo (a sample photo resized bilinearly), then times
// Watermarker::embed and Watermarker::extract (in memory: no file decoding or encoding),
// RUNS times each after one warm-up call, and prints the median and the process's peak
// resident memory before and after (getrusage ru_maxrss). Run one size per process so
// the peak belongs to that size; docs/performance.md lists the commands.
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "robusthide/image.h"
#include "robusthide/runtime.h"
#include "robusthide/tensor.h"
#include "robusthide/watermark.h"

using namespace robusthide;

namespace {

double peak_mib() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss / 1024.0;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::cerr << "usage: watermark_latency MODEL WIDTH HEIGHT [RUNS]\n";
    return 2;
  }
  try {
    tune_memory_allocator();
    const int threads = set_compute_threads(0);
    const int width = std::stoi(argv[2]), height = std::stoi(argv[3]);
    const int runs = argc > 4 ? std::stoi(argv[4]) : 5;
    const Watermarker w(load_model(argv[1]), Watermarker::Options{});
    Image photo = read_image(std::string(ROBUSTHIDE_DATA_DIR) + "/val/bsds500/101085.jpg");
    {
      namespace F = torch::nn::functional;
      const torch::Tensor big =
          F::interpolate(image_to_tensor(photo), F::InterpolateFuncOptions()
                                                     .size(std::vector<int64_t>{height, width})
                                                     .mode(torch::kBilinear)
                                                     .align_corners(false));
      photo = tensor_to_images(big).at(0);
    }
    const std::vector<uint8_t> payload = payload_from_text("Hi!", w.code().capacity_bits());
    const double before = peak_mib();
    auto time = [](auto&& f) {
      const auto t0 = std::chrono::steady_clock::now();
      f();
      return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0)
          .count();
    };
    Image marked = w.embed(photo, payload);
    bool found = w.extract(marked).found;
    std::vector<double> embed_ms, extract_ms;
    for (int i = 0; i < runs; ++i) {
      embed_ms.push_back(time([&] { marked = w.embed(photo, payload); }));
      extract_ms.push_back(time([&] { found = w.extract(marked).found && found; }));
    }
    std::printf(
        "%dx%d  threads %d  embed %.1f ms  extract %.1f ms  (median of %d)  "
        "peak RSS %.0f MiB (%.0f MiB before the first embed)  payload read back: %s\n",
        width, height, threads, median(embed_ms), median(extract_ms), runs, peak_mib(), before,
        found ? "yes" : "no");
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "watermark_latency: " << e.what() << "\n";
    return 1;
  }
}
