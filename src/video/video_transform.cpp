// transform_video (video.h): what a platform does to a video (re-encode, downscale, new
// frame rate, cut), streaming frame by frame.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>
#include <optional>
#include <string>

extern "C" {
#include <libavformat/avformat.h>
}

#include "robusthide/error.h"
#include "robusthide/text.h"
#include "video/video_io.h"

namespace robusthide {
namespace {

using detail::VideoFrame;
using detail::VideoReader;
using detail::VideoStreamInfo;
using detail::VideoWriter;

void check_transform(const VideoTransform& t) {
  if (t.height < 0 || t.height > 16384) {
    throw InvalidArgument("the video height must be in 0..16384 (0: keep), got " +
                          std::to_string(t.height));
  }
  if (!(t.fps >= 0 && t.fps <= 1000)) {
    throw InvalidArgument("the frame rate must be in 0..1000 (0: keep), got " +
                          format_fixed(t.fps, 3));
  }
  if (!(t.trim_start_s >= 0 && t.trim_end_s >= 0 && std::isfinite(t.trim_start_s) &&
        std::isfinite(t.trim_end_s))) {
    throw InvalidArgument("the cuts must be finite seconds >= 0, got " +
                          format_fixed(t.trim_start_s, 3) + " and " +
                          format_fixed(t.trim_end_s, 3));
  }
}

// The output stream: the input's, scaled down to t.height and re-timed to t.fps.
VideoStreamInfo output_info(const VideoReader& reader, const VideoTransform& t) {
  VideoStreamInfo info = reader.info();
  if (t.height > 0 && t.height < info.height) {
    const double aspect = static_cast<double>(info.width) / info.height;
    info.width = std::max(2, 2 * static_cast<int>(std::lround(aspect * t.height / 2)));
    info.height = t.height;
  }
  if (t.fps > 0) {
    const AVRational r = av_d2q(t.fps, 1'001'000);
    info.rate_num = r.num;
    info.rate_den = r.den;
    info.time_base_num = r.den;
    info.time_base_den = r.num;
  }
  return info;
}

}  // namespace

VideoTransformReport transform_video(const std::string& input, const std::string& output,
                                     const VideoTransform& t, const VideoProgress& progress) {
  check_transform(t);
  VideoReader reader(input);
  const double duration = reader.duration();
  if (t.trim_end_s > 0 && duration <= 0) {
    throw IoError("cannot cut the end of video '" + input + "': its duration is unknown");
  }
  const double from = t.trim_start_s;
  const double to =
      t.trim_end_s > 0 ? duration - t.trim_end_s : std::numeric_limits<double>::infinity();
  if (to <= from || (duration > 0 && from >= duration)) {
    throw InvalidArgument("cutting " + format_fixed(t.trim_start_s, 2) + " s and " +
                          format_fixed(t.trim_end_s, 2) + " s leaves nothing of video '" + input +
                          "' (" + format_fixed(duration, 2) + " s)");
  }
  const VideoStreamInfo info = output_info(reader, t);
  VideoWriter writer(output, info, t.encode, &reader);
  const AVStream* in = reader.video_stream();
  const int64_t shift_ticks = std::llround(from / av_q2d(in->time_base));
  const double in_frame_s = reader.fps() > 0 ? 1.0 / reader.fps() : 1.0 / 25;

  VideoTransformReport r;
  const int64_t total = reader.frame_count();
  // A new frame rate: output tick n (time n / fps after `from`) shows the input frame
  // nearest to it; the frame held back until the next one says where its span ends.
  std::optional<VideoFrame> held;
  double held_s = 0;
  int64_t tick = 0;
  auto emit_until = [&](double end_s) {
    while (static_cast<double>(tick) / t.fps < std::min(end_s, to - from)) {
      held->pts = tick++;
      writer.write(*held);
      ++r.frames_out;
    }
  };
  reader.run(
      [&](VideoFrame& frame) {
        ++r.frames_in;
        if (progress) progress(r.frames_in, total);
        if (frame.seconds < from || frame.seconds > to) return;
        const double s = frame.seconds - from;
        if (t.fps <= 0) {
          frame.pts -= shift_ticks;
          writer.write(frame);
          ++r.frames_out;
          return;
        }
        if (held) emit_until((held_s + s) / 2);
        held = std::move(frame);
        held_s = s;
      },
      [&](AVPacket* packet) {
        const AVStream* s = reader.format()->streams[packet->stream_index];
        const int64_t start = s->start_time != AV_NOPTS_VALUE ? s->start_time : 0;
        const int64_t pts = packet->pts != AV_NOPTS_VALUE ? packet->pts : packet->dts;
        const double seconds =
            pts == AV_NOPTS_VALUE ? from : static_cast<double>(pts - start) * av_q2d(s->time_base);
        if (seconds >= from && seconds <= to) writer.copy(packet, from);
      });
  if (held) emit_until(held_s + in_frame_s / 2);
  if (r.frames_out == 0) {
    throw IoError("cannot transform video '" + input + "': no frame is left to write");
  }
  writer.close();
  writer.commit();
  r.width = info.width;
  r.height = info.height;
  r.fps = static_cast<double>(info.rate_num) / info.rate_den;
  r.streams_copied = writer.streams_copied();
  r.streams_skipped = writer.streams_skipped();
  r.encoder = writer.encoder();
  r.bits_per_pixel = 8.0 * static_cast<double>(writer.video_bytes()) /
                     (static_cast<double>(r.frames_out) * info.width * info.height);
  std::error_code ec;
  const auto size = std::filesystem::file_size(output, ec);
  r.bytes_out = ec ? 0 : static_cast<int64_t>(size);
  return r;
}

}  // namespace robusthide
