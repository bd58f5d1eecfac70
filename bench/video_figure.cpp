// video_figure: one frame of a video beside the same frame of its marked copy and the
// difference amplified, to look at the mark as a viewer would (docs/video.md).
//   build/video_figure ORIGINAL MARKED FRAME OUT.png [GAIN] [CROP_SIZE]
// Writes original | marked | |marked - original| x GAIN (default 10) of frame FRAME
// (0-based), each the centre CROP_SIZE square (default: the whole frame).
#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <string>

#include "robusthide/error.h"
#include "robusthide/image.h"
#include "video/video_io.h"

using namespace robusthide;

namespace {

Image frame_of(const std::string& path, int64_t index) {
  Image out;
  int64_t k = 0;
  robusthide::detail::VideoReader(path).run([&](robusthide::detail::VideoFrame& f) {
    if (k++ == index) out = std::move(f.image);
  });
  if (out.width == 0) throw InvalidArgument("'" + path + "' has no frame " + std::to_string(index));
  return out;
}

Image centre(const Image& im, int size) {
  if (size <= 0) return im;
  const int s = std::min({size, im.width, im.height});
  const int x0 = (im.width - s) / 2, y0 = (im.height - s) / 2;
  Image out(s, s);
  for (int y = 0; y < s; ++y) {
    std::copy_n(im.data() + (static_cast<size_t>(y0 + y) * im.width + x0) * 3, s * 3,
                out.data() + static_cast<size_t>(y) * s * 3);
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 5) {
    std::cerr << "usage: video_figure ORIGINAL MARKED FRAME OUT.png [GAIN] [CROP_SIZE]\n";
    return 2;
  }
  try {
    const int64_t index = std::stoll(argv[3]);
    const double gain = argc > 5 ? std::stod(argv[5]) : 10.0;
    const int crop = argc > 6 ? std::stoi(argv[6]) : 0;
    const Image a = centre(frame_of(argv[1], index), crop);
    const Image b = centre(frame_of(argv[2], index), crop);
    if (a.width != b.width || a.height != b.height) throw InvalidArgument("the frame sizes differ");
    const int w = a.width, h = a.height, gap = 4;
    Image out(3 * w + 2 * gap, h);
    std::fill(out.pixels.begin(), out.pixels.end(), 255);
    for (int y = 0; y < h; ++y) {
      for (int x = 0; x < w; ++x) {
        for (int c = 0; c < 3; ++c) {
          const size_t i = (static_cast<size_t>(y) * w + x) * 3 + c;
          const size_t row = static_cast<size_t>(y) * out.width;
          out.pixels[(row + x) * 3 + c] = a.pixels[i];
          out.pixels[(row + w + gap + x) * 3 + c] = b.pixels[i];
          const double d = std::abs(b.pixels[i] - a.pixels[i]) * gain;
          out.pixels[(row + 2 * (w + gap) + x) * 3 + c] = static_cast<uint8_t>(std::min(255.0, d));
        }
      }
    }
    write_image(out, argv[4], WriteOptions{});
    std::cout << argv[4] << ": frame " << index << ", " << w << "x" << h << "\n";
    return 0;
  } catch (const Error& e) {
    std::cerr << "video_figure: " << e.what() << "\n";
    return 1;
  }
}
