// robusthide transcode: do to a video what a platform may do (re-encode, downscale, change
// the frame rate, cut), to measure a mark's robustness on whole videos.
#include <iostream>
#include <memory>

#include <nlohmann/json.hpp>

#include "batch.h"
#include "commands.h"
#include "robusthide/error.h"
#include "robusthide/text.h"
#include "robusthide/video.h"
#include "video_flags.h"

namespace robusthide::cli {
namespace {

struct TranscodeCommandOptions {
  std::string input, output;
  VideoTransform transform;  // encoder (libx264 CRF 23 unless changed), size, rate, cuts
  std::string progress = "auto";
  bool json = false;
};

int run_transcode(const TranscodeCommandOptions& o) {
  if (!is_video_path(o.output)) {
    throw InvalidArgument("the output must be a video file (.mp4, .mkv, .avi, .mov, .webm), got '" +
                          o.output + "'");
  }
  check_output_is_not_input(o.input, o.output);
  LazyProgressBar progress(progress_enabled(o.progress));
  const VideoTransformReport r =
      transform_video(o.input, o.output, o.transform,
                      [&progress](int64_t done, int64_t total) { progress.update(done, total); });
  progress.finish();
  if (o.json) {
    std::cout << json_text({{"input", o.input},
                            {"output", o.output},
                            {"encoder", r.encoder},
                            {"frames_in", r.frames_in},
                            {"frames_out", r.frames_out},
                            {"width", r.width},
                            {"height", r.height},
                            {"fps", r.fps},
                            {"streams_copied", r.streams_copied},
                            {"streams_skipped", r.streams_skipped},
                            {"bits_per_pixel", r.bits_per_pixel},
                            {"bytes_out", r.bytes_out}})
              << "\n";
    return kExitOk;
  }
  std::cout << "output   " << o.output << " (" << r.width << "x" << r.height << ", " << r.frames_out
            << " of " << r.frames_in << " frames, " << format_fixed(r.fps, 2) << " fps, "
            << r.encoder << "; " << r.streams_copied << " other stream(s) copied)\n";
  print_skipped_streams(std::cout, r.streams_skipped);
  std::cout << "size     " << r.bytes_out << " bytes; video stream "
            << format_fixed(r.bits_per_pixel, 4) << " bits/pixel\n";
  return kExitOk;
}

}  // namespace

void add_transcode_command(CLI::App& app, Runner& run) {
  auto o = std::make_shared<TranscodeCommandOptions>();
  o->transform.encode.crf = 23;  // FFmpeg's default for libx264
  CLI::App* sub = app.add_subcommand(
      "transcode",
      "Re-encode, downscale, re-time or cut a video as a platform would (robustness tests)");
  sub->add_option("-i,--input", o->input, "video file")->required();
  sub->add_option("-o,--output", o->output, "new video file (.mp4, .mkv, .avi, .mov, .webm)")
      ->required();
  add_video_encode_flags(sub, o->transform.encode, "Encoding");
  sub->add_option("--height", o->transform.height,
                  "downscale to this height (width keeps the aspect; 0 = keep)")
      ->capture_default_str();
  sub->add_option("--fps", o->transform.fps,
                  "new constant frame rate: frames dropped or repeated (0 = keep)")
      ->capture_default_str();
  sub->add_option("--trim-start", o->transform.trim_start_s, "seconds cut from the start")
      ->capture_default_str();
  sub->add_option("--trim-end", o->transform.trim_end_s, "seconds cut from the end")
      ->capture_default_str();
  sub->add_option("--progress", o->progress, "progress bar: auto, on, off")->capture_default_str();
  sub->add_flag("--json", o->json, "print the result as JSON");
  sub->callback([o, &run] { run = [o] { return run_transcode(*o); }; });
}

}  // namespace robusthide::cli
