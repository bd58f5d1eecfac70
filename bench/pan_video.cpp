// pan_video: a video file with camera motion cut from one photo along a random smooth
// pan/zoom path (clips.h), for whole-video robustness measurements
// (scripts/experiments/video-robustness.sh; docs/video.md).
//   build/pan_video PHOTO OUT.mp4 [--seconds S] [--fps F] [--size N] [--seed K]
// Defaults: 8 s at 25 fps, 320 x 320 frames, seed 1; coded by libx264 at CRF 12
// (visually lossless), windows 75-95% of the photo's shorter side.
#include <cstdlib>
#include <iostream>
#include <random>
#include <string>

#include "robusthide/clips.h"
#include "robusthide/error.h"
#include "robusthide/image.h"
#include "video/video_io.h"

using namespace robusthide;

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: pan_video PHOTO OUT.mp4 [--seconds S] [--fps F] [--size N] [--seed K]\n";
    return 2;
  }
  double seconds = 8;
  int fps = 25, size = 320;
  uint64_t seed = 1;
  for (int i = 3; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const std::string value = argv[i + 1];
    if (flag == "--seconds") {
      seconds = std::stod(value);
    } else if (flag == "--fps") {
      fps = std::stoi(value);
    } else if (flag == "--size") {
      size = std::stoi(value);
    } else if (flag == "--seed") {
      seed = std::stoull(value);
    } else {
      std::cerr << "pan_video: unknown flag '" << flag << "'\n";
      return 2;
    }
  }
  try {
    const Image photo = read_image(argv[1]);
    PanZoomOptions o;
    o.frames = static_cast<int>(seconds * fps + 0.5);
    o.size = size;
    o.min_window = 0.75;
    o.max_window = 0.95;
    std::mt19937_64 rng(seed);
    const PanZoomPath path = random_pan_zoom_path(photo.width, photo.height, o, [&rng] {
      return static_cast<double>(rng() >> 11) * 0x1.0p-53;
    });
    robusthide::detail::VideoStreamInfo info;
    info.width = info.height = size;
    info.rate_num = fps;
    info.time_base_den = fps;
    VideoEncodeOptions enc;
    enc.crf = 12;
    enc.preset = "veryfast";
    robusthide::detail::VideoWriter writer(argv[2], info, enc);
    int64_t k = 0;
    for (Image& f : pan_zoom_clip(photo, path, o)) writer.write({std::move(f), k++, 0.0});
    writer.close();
    writer.commit();
    std::cout << argv[2] << ": " << k << " frames of " << size << "x" << size << " at " << fps
              << " fps\n";
    return 0;
  } catch (const Error& e) {
    std::cerr << "pan_video: " << e.what() << "\n";
    return 1;
  }
}
