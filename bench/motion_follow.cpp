// motion_follow: does the mark travel with the picture after an I-frame? (docs/video.md)
//   build/motion_follow MODEL VIDEO TEXT [WINDOW_S] [frames] [every=N]
//   build/motion_follow MODEL VIDEO TEXT synth
//   build/motion_follow MODEL CLIP TEXT anchored OUTPUT [EVERY]
// Each frame is read twice: as it is ("plain", what extract_video did first) and warped
// back onto the grid of the last I-frame by the global motion estimated between the two
// ("follow", src/video/motion.h). Prints per window the raw bit errors of the averaged
// soft outputs against TEXT's codeword, for plain, follow, and per frame the more
// confident of the two ("best"), and whether each decodes to the payload; with `frames`,
// each frame's errors, confidences and motion.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "robusthide/model.h"
#include "robusthide/payload.h"
#include "robusthide/watermark.h"
#include "video/motion.h"
#include "video/video_io.h"

using namespace robusthide;
using robusthide::detail::inverse;
using robusthide::detail::LumaPyramid;
using robusthide::detail::Similarity;

namespace {

constexpr int kWays = 3;  // plain, follow, best

struct Window {
  std::vector<double> soft[kWays];
  int64_t frames = 0;
};

int errors(const std::vector<float>& raw, const std::vector<uint8_t>& bits) {
  int e = 0;
  for (size_t i = 0; i < bits.size(); ++i) e += (raw[i] > 0.5f) != (bits[i] != 0);
  return e;
}

double confidence(const std::vector<float>& raw) {
  double c = 0;
  for (const float r : raw) c += std::abs(r - 0.5f);
  return c / static_cast<double>(raw.size());
}

}  // namespace

// `synth` mode: the video's first frame moved by known motions (as a camera would move
// it, with no codec in between), aligned back and read: how exact the alignment and the
// warp are, apart from what an encoder does to the mark.
int synthetic(const Watermarker& w, const std::string& video, const std::vector<uint8_t>& bits) {
  robusthide::detail::VideoFrame first;
  bool have = false;
  robusthide::detail::VideoReader(video).run([&](robusthide::detail::VideoFrame& f) {
    if (!have) first = f;
    have = true;
  });
  const LumaPyramid reference(first.image);
  std::printf("tx,ty,zoom,rotation,est_tx,est_ty,est_zoom,moved_errors,followed_errors\n");
  const double cases[][4] = {{0.4, -0.3, 1, 0},      {2.5, 1.5, 1, 0},   {5, -8, 1.01, 0},
                             {20, -30, 1.04, 0.005}, {50, -80, 1.10, 0}, {75, -120, 1.17, 0.01}};
  for (const auto& c : cases) {
    const Similarity truth{c[2] - 1, c[3], c[0], c[1]};
    const Image moved = robusthide::detail::warp_back(first.image, inverse(truth));
    // Tracked from identity in 20 steps, as frame-to-frame tracking would start.
    Similarity guess;
    robusthide::detail::Alignment a;
    for (int k = 1; k <= 20; ++k) {
      const double f = k / 20.0;
      const Image step = robusthide::detail::warp_back(
          first.image, inverse({truth.a * f, truth.b * f, truth.tx * f, truth.ty * f}));
      a = align(reference, LumaPyramid(step), guess);
      guess = a.motion;
    }
    const Image back = robusthide::detail::warp_back(moved, a.motion);
    std::printf("%.1f,%.1f,%.3f,%.3f,%.2f,%.2f,%.4f,%d,%d\n", c[0], c[1], c[2], c[3], a.motion.tx,
                a.motion.ty, 1 + a.motion.a, errors(extract_raw(w.model(), moved, 1), bits),
                errors(extract_raw(w.model(), back, 1), bits));
  }
  return 0;
}

// `anchored` mode: the clip marked with a mark that moves with the picture -- frame 0's
// mark (marked - input, photo resolution) carried to every frame by the motion estimated
// from frame 0 (zero where a frame shows what frame 0 did not) -- written with libx264
// CRF 18 to `output`. Read it back, after a re-encode, with this tool's `follow` column.
int anchored(const Watermarker& w, const std::vector<uint8_t>& payload, const std::string& clip,
             const std::string& output, int64_t every) {
  robusthide::detail::VideoReader reader(clip);
  robusthide::detail::VideoWriter writer(output, reader, VideoEncodeOptions{});
  std::unique_ptr<LumaPyramid> reference;
  std::vector<int16_t> mark;  // frame 0's mark, signed, interleaved RGB
  Similarity motion;
  int width = 0, height = 0;
  int64_t index = 0;
  reader.run([&](robusthide::detail::VideoFrame& f) {
    if (!reference || (every > 0 && index % every == 0)) {
      motion = {};
      reference = std::make_unique<LumaPyramid>(f.image);
      const Image marked = w.embed(f.image, payload);
      width = f.image.width;
      height = f.image.height;
      mark.resize(f.image.pixels.size());
      for (size_t i = 0; i < mark.size(); ++i)
        mark[i] = static_cast<int16_t>(marked.pixels[i] - f.image.pixels[i]);
      f.image = marked;
    } else {
      motion = align(*reference, LumaPyramid(f.image), motion).motion;
      const Similarity back = inverse(motion);  // this frame's points in frame 0
      const double cx = width / 2.0, cy = height / 2.0;
      for (int y = 0; y < height; ++y) {
        for (int x = 0; x < width; ++x) {
          const double xc = x + 0.5 - cx, yc = y + 0.5 - cy;
          const double u = (1 + back.a) * xc - back.b * yc + back.tx + cx - 0.5;
          const double v = back.b * xc + (1 + back.a) * yc + back.ty + cy - 0.5;
          if (u < 0 || v < 0 || u > width - 1 || v > height - 1) continue;
          const int x0 = std::min(static_cast<int>(u), width - 2);
          const int y0 = std::min(static_cast<int>(v), height - 2);
          const double fx = u - x0, fy = v - y0;
          for (int c = 0; c < 3; ++c) {
            auto at = [&](int xx, int yy) {
              return static_cast<double>(mark[(static_cast<size_t>(yy) * width + xx) * 3 + c]);
            };
            const double d = (1 - fy) * ((1 - fx) * at(x0, y0) + fx * at(x0 + 1, y0)) +
                             fy * ((1 - fx) * at(x0, y0 + 1) + fx * at(x0 + 1, y0 + 1));
            uint8_t& p = f.image.pixels[(static_cast<size_t>(y) * width + x) * 3 + c];
            p = static_cast<uint8_t>(std::clamp(std::lround(p + d), 0L, 255L));
          }
        }
      }
    }
    writer.write(f);
    ++index;
  });
  writer.close();
  writer.commit();
  return 0;
}

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: motion_follow MODEL VIDEO TEXT [WINDOW_S] [frames]\n");
    return 2;
  }
  try {
    const Watermarker w(load_model(argv[1]), Watermarker::Options{});
    const std::vector<uint8_t> payload = payload_from_text(argv[3], w.code().capacity_bits());
    const std::vector<uint8_t> bits = w.code().encode(payload);
    if (argc > 4 && std::string(argv[4]) == "synth") return synthetic(w, argv[2], bits);
    if (argc > 5 && std::string(argv[4]) == "anchored")
      return anchored(w, payload, argv[2], argv[5], argc > 6 ? std::stoll(argv[6]) : 0);
    const double window_s = argc > 4 ? std::stod(argv[4]) : 2.0;
    bool per_frame = false;
    int64_t every = 0;  // follow from every N-th frame instead of from each I-frame
    for (int i = 5; i < argc; ++i) {
      const std::string a = argv[i];
      if (a == "frames") per_frame = true;
      if (a.rfind("every=", 0) == 0) every = std::stoll(a.substr(6));
    }
    int64_t index = 0;
    std::map<int64_t, Window> windows;
    std::unique_ptr<LumaPyramid> reference;
    Similarity motion;
    if (per_frame) std::printf("frame,seconds,intra,plain,conf,follow,conf,tx,ty,zoom,resid\n");
    robusthide::detail::VideoReader(argv[2]).run([&](robusthide::detail::VideoFrame& f) {
      Window& win = windows[static_cast<int64_t>(std::floor(std::max(f.seconds, 0.0) / window_s))];
      const std::vector<float> plain = extract_raw(w.model(), f.image, 1);
      std::vector<float> follow = plain;
      double residual = 0;
      const bool restart = every > 0 ? index % every == 0 : f.intra;
      ++index;
      if (restart || !reference) {
        reference = std::make_unique<LumaPyramid>(f.image);
        motion = {};
      } else {
        const robusthide::detail::Alignment a = align(*reference, LumaPyramid(f.image), motion);
        motion = a.motion;
        residual = a.residual;
        follow = extract_raw(w.model(), robusthide::detail::warp_back(f.image, motion), 1);
      }
      const double cp = confidence(plain), cf = confidence(follow);
      const std::vector<float>* ways[kWays] = {&plain, &follow, cf > cp ? &follow : &plain};
      if (per_frame)
        std::printf("frame,%.3f,%d,%d,%.4f,%d,%.4f,%.2f,%.2f,%.4f,%.2f\n", f.seconds, f.intra,
                    errors(plain, bits), cp, errors(follow, bits), cf, motion.tx, motion.ty,
                    1 + motion.a, residual);
      for (int k = 0; k < kWays; ++k) {
        if (win.soft[k].empty()) win.soft[k].assign(plain.size(), 0.0);
        for (size_t i = 0; i < plain.size(); ++i) win.soft[k][i] += (*ways[k])[i];
      }
      ++win.frames;
    });
    const double tests = static_cast<double>(windows.size());
    int found[kWays] = {}, errs[kWays] = {};
    std::printf(
        "window,frames,plain_errors,plain_found,follow_errors,follow_found,best_errors,"
        "best_found\n");
    for (const auto& [k, win] : windows) {
      std::printf("%lld,%lld", static_cast<long long>(k), static_cast<long long>(win.frames));
      for (int way = 0; way < kWays; ++way) {
        std::vector<float> soft(win.soft[way].size());
        for (size_t i = 0; i < soft.size(); ++i)
          soft[i] = static_cast<float>(win.soft[way][i] / win.frames);
        const Extraction e = w.extract_from_raw(soft, tests);
        const bool ok = e.found && e.payload == payload;
        found[way] += ok;
        errs[way] += errors(soft, bits);
        std::printf(",%d,%d", errors(soft, bits), ok);
      }
      std::printf("\n");
    }
    std::printf("all,%zu,%d,%d,%d,%d,%d,%d\n", windows.size(), errs[0], found[0], errs[1], found[1],
                errs[2], found[2]);
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "motion_follow: %s\n", e.what());
    return 1;
  }
}
