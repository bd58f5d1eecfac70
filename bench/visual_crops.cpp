// visual_crops: the mark as a person sees it. Embeds a payload into a whole photo with a
// model and writes one PNG of a crop side by side: cover | marked | residual x GAIN
// (marked - cover, times GAIN, around mid-grey), with the crop's CIEDE2000 figures.
//   build/visual_crops MODEL PHOTO OUT.png [X Y W H] [--strength S] [--gain G] [--zoom Z]
// docs/visibility.md shows what it made for flat photos (sky, sand, skin).
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "robusthide/image.h"
#include "robusthide/perceptual.h"
#include "robusthide/runtime.h"
#include "robusthide/watermark.h"

using namespace robusthide;

namespace {

Image crop(const Image& image, int x, int y, int w, int h) {
  Image out(w, h);
  for (int r = 0; r < h; ++r) {
    const uint8_t* src = image.data() + (static_cast<size_t>(y + r) * image.width + x) * 3;
    std::copy(src, src + static_cast<size_t>(w) * 3, out.data() + static_cast<size_t>(r) * w * 3);
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args;
  double strength = 1.0, gain = 10.0;
  int zoom = 1;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--strength" && i + 1 < argc)
      strength = std::atof(argv[++i]);
    else if (a == "--gain" && i + 1 < argc)
      gain = std::atof(argv[++i]);
    else if (a == "--zoom" && i + 1 < argc)
      zoom = std::atoi(argv[++i]);
    else
      args.push_back(a);
  }
  if ((args.size() != 3 && args.size() != 7) || zoom < 1 || zoom > 16) {
    std::cerr << "usage: visual_crops MODEL PHOTO OUT.png [X Y W H] [--strength S] [--gain G] "
                 "[--zoom 1..16]\n";
    return 2;
  }
  try {
    set_compute_threads(0);
    Watermarker::Options options;
    options.strength = strength;
    const Watermarker w(load_model(args[0]), options);
    const Image cover = read_image(args[1]);
    const std::vector<uint8_t> payload = payload_from_text("Hi!", w.code().capacity_bits());
    const Image marked = w.embed(cover, payload);
    int x = 0, y = 0, cw = cover.width, ch = cover.height;
    if (args.size() == 7) {
      x = std::atoi(args[3].c_str());
      y = std::atoi(args[4].c_str());
      cw = std::atoi(args[5].c_str());
      ch = std::atoi(args[6].c_str());
      if (x < 0 || y < 0 || cw <= 0 || ch <= 0 || x + cw > cover.width || y + ch > cover.height) {
        std::cerr << "visual_crops: the crop is outside the " << cover.width << "x" << cover.height
                  << " photo\n";
        return 2;
      }
    }
    const Image a = crop(cover, x, y, cw, ch), b = crop(marked, x, y, cw, ch);
    constexpr int kGap = 4;
    Image out(3 * cw + 2 * kGap, ch);
    std::fill(out.pixels.begin(), out.pixels.end(), 255);
    for (int r = 0; r < ch; ++r) {
      for (int c = 0; c < cw; ++c) {
        for (int k = 0; k < 3; ++k) {
          const size_t in = (static_cast<size_t>(r) * cw + c) * 3 + k;
          const double d =
              128.0 + gain * (static_cast<int>(b.pixels[in]) - static_cast<int>(a.pixels[in]));
          out.pixels[(static_cast<size_t>(r) * out.width + c) * 3 + k] = a.pixels[in];
          out.pixels[(static_cast<size_t>(r) * out.width + cw + kGap + c) * 3 + k] = b.pixels[in];
          out.pixels[(static_cast<size_t>(r) * out.width + 2 * (cw + kGap) + c) * 3 + k] =
              static_cast<uint8_t>(std::clamp(d, 0.0, 255.0));
        }
      }
    }
    // --zoom: every pixel becomes a zoom x zoom square, to look at a mark pixel by pixel.
    Image zoomed(out.width * zoom, out.height * zoom);
    for (int r = 0; r < zoomed.height; ++r) {
      for (int c = 0; c < zoomed.width; ++c) {
        const uint8_t* p = out.data() + (static_cast<size_t>(r / zoom) * out.width + c / zoom) * 3;
        std::copy(p, p + 3, zoomed.data() + (static_cast<size_t>(r) * zoomed.width + c) * 3);
      }
    }
    write_image(zoomed, args[2]);
    const PerceptualDistance whole = perceptual_distance(cover, marked),
                             part = perceptual_distance(a, b);
    std::printf(
        "%s: crop %dx%d at (%d,%d); CIEDE2000 mean %.2f (whole photo %.2f), p99 %.2f; "
        "flat pixels visibly changed %.1f%% (whole photo %.1f%%)\n",
        args[2].c_str(), cw, ch, x, y, part.delta_e_mean, whole.delta_e_mean, part.delta_e_p99,
        100 * part.flat_visible_share(), 100 * whole.flat_visible_share());
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "visual_crops: " << e.what() << "\n";
    return 1;
  }
}
