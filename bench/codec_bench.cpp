// Codec and straight-through layer speed. Run: build/codec_bench [--benchmark_filter=...]
// Reports time per batch; the counter "img/s" is images per second.
#include <benchmark/benchmark.h>
#include <turbojpeg.h>

#include <memory>
#include <stdexcept>
#include <vector>

#include "robusthide/attack.h"
#include "robusthide/codec.h"
#include "robusthide/image.h"
#include "robusthide/runtime.h"
#include "robusthide/tensor.h"

namespace robusthide {
namespace {

const Image& photo() {
  static const Image image =
      read_image(std::string(ROBUSTHIDE_DATA_DIR) + "/val/bsds500/101085.jpg");
  return image;
}

// `count` crops of size x size from the sample photo (upscaled by tiling if needed).
std::vector<Image> crops(int size, int count) {
  const Image& p = photo();
  std::vector<Image> out;
  for (int i = 0; i < count; ++i) {
    Image im(size, size);
    for (int y = 0; y < size; ++y)
      for (int x = 0; x < size; ++x)
        for (int c = 0; c < 3; ++c)
          im.pixels[(static_cast<size_t>(y) * size + x) * 3 + c] =
              p.pixels[((static_cast<size_t>((y + 7 * i) % p.height)) * p.width +
                        (x + 5 * i) % p.width) *
                           3 +
                       c];
    out.push_back(std::move(im));
  }
  return out;
}

const char* kSpecs[] = {"jpeg:50", "jpeg2000:500", "webp:50", "mpeg4", "h264:crf=23"};

// One image at a time on one thread (video codecs: the batch as one clip).
void BM_Codec_OneThread(benchmark::State& state) {
  const auto codec = make_codec(kSpecs[state.range(0)]);
  const int size = static_cast<int>(state.range(1));
  const auto batch = crops(size, 32);
  for (auto _ : state) benchmark::DoNotOptimize(codec->round_trip_batch(batch, 1));
  state.SetLabel(codec->spec() + " " + std::to_string(size) + "px batch32 1 thread");
  state.counters["img/s"] =
      benchmark::Counter(32.0 * state.iterations(), benchmark::Counter::kIsRate);
}

// The parallel batch path on every core.
void BM_Codec_Parallel(benchmark::State& state) {
  const auto codec = make_codec(kSpecs[state.range(0)]);
  const int size = static_cast<int>(state.range(1));
  const auto batch = crops(size, 32);
  for (auto _ : state) benchmark::DoNotOptimize(codec->round_trip_batch(batch, 0));
  state.SetLabel(codec->spec() + " " + std::to_string(size) + "px batch32 all cores");
  state.counters["img/s"] =
      benchmark::Counter(32.0 * state.iterations(), benchmark::Counter::kIsRate);
}

// The straight-through layer on a float tensor batch (conversion included), all cores.
void BM_StraightThrough(benchmark::State& state) {
  const std::string spec = kSpecs[state.range(0)];
  const int size = static_cast<int>(state.range(1));
  const torch::Tensor x = images_to_tensor(crops(size, 32));
  const Attack layer = make_attack(spec);
  torch::NoGradGuard no_grad;
  for (auto _ : state) benchmark::DoNotOptimize(layer->forward(x, x));
  state.SetLabel(layer->spec() + " " + std::to_string(size) + "px batch32 tensor, all cores");
  state.counters["img/s"] =
      benchmark::Counter(32.0 * state.iterations(), benchmark::Counter::kIsRate);
}

// Training use: forward with autograd recording, then the identity backward.
void BM_StraightThroughTrain(benchmark::State& state) {
  const int size = static_cast<int>(state.range(0));
  const torch::Tensor x = images_to_tensor(crops(size, 32)).requires_grad_(true);
  const torch::Tensor grad = torch::ones_like(x);
  const Attack layer = make_attack("jpeg:50");
  for (auto _ : state) {
    const torch::Tensor y = layer->forward(x, x);
    benchmark::DoNotOptimize(torch::autograd::grad({y}, {x}, {grad}));
  }
  state.SetLabel(layer->spec() + " " + std::to_string(size) + "px batch32 forward+backward");
  state.counters["img/s"] =
      benchmark::Counter(32.0 * state.iterations(), benchmark::Counter::kIsRate);
}

// Raw TurboJPEG round trip, one thread, handles and buffers reused: the speed of light.
// Second argument 0: TurboJPEG's default (fast integer DCT below Q96, as tjbench);
// 1: the accurate DCT that the jpeg codec uses (same math as cjpeg/OpenCV).
void BM_RawTurboJpeg(benchmark::State& state) {
  const int size = static_cast<int>(state.range(0));
  const int flags = state.range(1) ? TJFLAG_ACCURATEDCT : 0;
  const auto batch = crops(size, 32);  // the same 32 crops as the batch benchmarks
  size_t next = 0;
  std::unique_ptr<void, int (*)(tjhandle)> c(tjInitCompress(), tjDestroy),
      d(tjInitDecompress(), tjDestroy);
  unsigned long cap = tjBufSize(size, size, TJSAMP_420);
  std::unique_ptr<unsigned char, void (*)(unsigned char*)> buf(tjAlloc(static_cast<int>(cap)),
                                                               tjFree);
  std::vector<unsigned char> out(batch[0].pixels.size());
  for (auto _ : state) {
    const Image& im = batch[next++ % batch.size()];
    unsigned char* p = buf.get();
    unsigned long len = cap;
    if (tjCompress2(c.get(), im.data(), size, 0, size, TJPF_RGB, &p, &len, TJSAMP_420, 50,
                    TJFLAG_NOREALLOC | flags) ||
        tjDecompress2(d.get(), p, len, out.data(), size, 0, size, TJPF_RGB, flags))
      throw std::runtime_error(tjGetErrorStr2(nullptr));
    benchmark::DoNotOptimize(out.data());
  }
  state.SetLabel(std::string("raw libjpeg-turbo Q50 420 ") +
                 (flags ? "accurate DCT " : "fast DCT ") + std::to_string(size) + "px, 1 thread");
  state.counters["img/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

void codec_args(benchmark::internal::Benchmark* b) {
  for (int codec = 0; codec < 5; ++codec)
    for (int size : {128, 512}) b->Args({codec, size});
  b->Unit(benchmark::kMillisecond)->UseRealTime();
}

BENCHMARK(BM_RawTurboJpeg)
    ->Args({128, 0})
    ->Args({128, 1})
    ->Args({512, 0})
    ->Args({512, 1})
    ->Unit(benchmark::kMicrosecond)
    ->UseRealTime();
BENCHMARK(BM_Codec_OneThread)->Apply(codec_args);
BENCHMARK(BM_Codec_Parallel)->Apply(codec_args);
BENCHMARK(BM_StraightThrough)->Apply(codec_args);
BENCHMARK(BM_StraightThroughTrain)
    ->Arg(128)
    ->Arg(512)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace
}  // namespace robusthide

int main(int argc, char** argv) {
  // Unless --no-tune is the first argument, tune the allocator as the CLI does.
  if (argc > 1 && std::string(argv[1]) == "--no-tune") {
    argv[1] = argv[0];
    ++argv;
    --argc;
  } else {
    robusthide::tune_memory_allocator();
    robusthide::set_compute_threads(0);
  }
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  return 0;
}
