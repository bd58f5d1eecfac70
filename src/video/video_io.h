// Video files through libavformat/libavcodec: a streaming reader (packets of every
// stream, decoded RGB frames of the video stream) and a writer that encodes RGB frames
// into a new video stream and copies the other streams' packets, into an atomic file.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "robusthide/image.h"
#include "robusthide/video.h"

struct AVFormatContext;
struct AVPacket;
struct AVStream;

namespace robusthide::detail {

// One decoded video frame: RGB pixels and its presentation time in the stream's time base.
struct VideoFrame {
  Image image;
  int64_t pts = 0;
  double seconds = 0;  // pts in seconds (from the stream's start time)
  bool intra = false;  // decoded from an I-frame (AV_PICTURE_TYPE_I)
};

// What a video stream's encoder needs to know of its frames.
struct VideoStreamInfo {
  int width = 0, height = 0;
  int rate_num = 25, rate_den = 1;            // frame rate
  int time_base_num = 1, time_base_den = 25;  // of the frames' pts
};

class VideoReader {
 public:
  // Opens `path` and its best video stream's decoder. Throws IoError naming the file when
  // it cannot be opened or parsed, has no video stream, or its codec is not supported.
  explicit VideoReader(const std::string& path);
  ~VideoReader();
  VideoReader(const VideoReader&) = delete;
  VideoReader& operator=(const VideoReader&) = delete;

  const std::string& path() const { return path_; }
  AVFormatContext* format() const { return format_; }
  int video_index() const { return video_index_; }
  AVStream* video_stream() const;
  int width() const;
  int height() const;
  double fps() const;              // average frame rate (0 when unknown)
  double duration() const;         // seconds, from the container (0 when unknown)
  std::string codec_name() const;  // the video stream's codec, e.g. "h264"
  int64_t frame_count() const;     // from the container (0 when unknown)
  VideoStreamInfo info() const;

  // Reads packets until the end, handing each decoded video frame to `on_frame` (in
  // presentation order) and, when `on_other` is set, each packet of another stream to it.
  // Throws IoError naming the file for a corrupt or truncated stream.
  void run(const std::function<void(VideoFrame&)>& on_frame,
           const std::function<void(AVPacket*)>& on_other = {});

 private:
  struct Decoder;
  void decode(const AVPacket* packet, const std::function<void(VideoFrame&)>& on_frame);

  std::string path_;
  AVFormatContext* format_ = nullptr;
  int video_index_ = -1;
  std::unique_ptr<Decoder> decoder_;
};

// The CRF range [lo, hi] of a VideoEncodeOptions::encoder ("same" not allowed), {0, 0}
// for the MPEG-4 Part 2 family, which has none. Throws InvalidArgument for an unknown name.
std::pair<int, int> crf_range(const std::string& encoder);

class VideoWriter {
 public:
  // A container for `path` (by its extension) with a video stream encoded as `options`
  // at the input's size, frame rate and time base (colour tags, aspect ratio, rotation and
  // metadata copied), and a copy of each other stream of `input` (audio, subtitles:
  // packets unchanged, where the container can hold them). Written to a temporary file;
  // close() then commit() publish it. Throws InvalidArgument for an unknown container or
  // encoder name and CodecError / IoError for library or file failures, naming `path`.
  VideoWriter(const std::string& path, const VideoReader& input, const VideoEncodeOptions& options);
  // A new video of frames described by `info` (no other streams), e.g. a test clip.
  VideoWriter(const std::string& path, const VideoStreamInfo& info,
              const VideoEncodeOptions& options);
  // A video described by `info` with the other streams, tags and metadata of `input`
  // (when not null): a transformed copy of it.
  VideoWriter(const std::string& path, const VideoStreamInfo& info,
              const VideoEncodeOptions& options, const VideoReader* input);
  ~VideoWriter();
  VideoWriter(const VideoWriter&) = delete;
  VideoWriter& operator=(const VideoWriter&) = delete;

  // Encodes one frame with its pts (in the info's time base; AV_NOPTS_VALUE: the next
  // tick). A frame of another size than the stream's is scaled bicubically.
  void write(const VideoFrame& frame);
  // Copies a packet of another input stream (ignored when that stream was not copied),
  // its timestamps moved `shift_s` seconds earlier.
  void copy(AVPacket* packet, double shift_s = 0);
  // Flushes the encoder and writes the trailer; the file is complete at temp_path().
  void close();
  const std::string& temp_path() const;
  // Renames the closed file into place (without it, the destructor removes it).
  void commit();
  int64_t streams_copied() const { return copied_; }
  // The input's other streams not copied, each with why ("stream 1 (audio, aac): the webm
  // container cannot hold it").
  const std::vector<std::string>& streams_skipped() const { return skipped_; }
  // Bytes of the encoded video packets so far (no container overhead).
  int64_t video_bytes() const;
  // The libavcodec encoder in use (VideoEncodeOptions::encoder, "same" resolved).
  const std::string& encoder() const;

 private:
  int64_t copy_streams(const VideoReader& input);

  struct Impl;
  std::unique_ptr<Impl> impl_;
  int64_t copied_ = 0;
  std::vector<std::string> skipped_;
};

}  // namespace robusthide::detail
