#include "video_flags.h"

namespace robusthide::cli {

void add_video_encode_flags(CLI::App* sub, VideoEncodeOptions& o, const std::string& group) {
  sub->add_option("--video-encoder", o.encoder,
                  "video: libx264 (H.264), libx265 (HEVC), libvpx-vp9 (VP9), libvpx (VP8), "
                  "libsvtav1 (AV1), mpeg4 (FFmpeg's MPEG-4 Part 2), libxvid, msmpeg4, msmpeg4v2, "
                  "or same (the input's codec)")
      ->capture_default_str()
      ->group(group);
  sub->add_option("--crf", o.crf,
                  "video, libx264/libx265: quality 0..51, libvpx-vp9: 0..63, libvpx: 4..63, "
                  "libsvtav1: 1..63 (lower = better)")
      ->capture_default_str()
      ->group(group);
  sub->add_option("--preset", o.preset,
                  "video, libx264/libx265: speed preset (ultrafast..veryslow)")
      ->capture_default_str()
      ->group(group);
  sub->add_option("--quantizer", o.quantizer,
                  "video, MPEG-4 Part 2 family: fixed quantizer 1..31 (lower = better), 0 = "
                  "rate control at --bitrate")
      ->capture_default_str()
      ->group(group);
  sub->add_option("--bitrate", o.bit_rate,
                  "video, MPEG-4 Part 2 family with --quantizer 0: bits per second (0 = "
                  "libavcodec's default 200000, as `ffmpeg -c:v mpeg4`)")
      ->capture_default_str()
      ->group(group);
}

void print_skipped_streams(std::ostream& out, const std::vector<std::string>& skipped) {
  for (const std::string& s : skipped) out << "skipped  " << s << "\n";
}

}  // namespace robusthide::cli
