// One batch of RGB images coded as a clip of consecutive frames with libavcodec and
// decoded back, all in memory (packets go straight from the encoder to the decoder; no
// container is written, so container overhead is not counted).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "robusthide/codec.h"

namespace robusthide {

// Encoder configuration of one clip. Fields left at their defaults keep libavcodec's
// defaults for the chosen encoder.
struct VideoClipSettings {
  std::string encoder;         // libavcodec encoder name, e.g. "mpeg4" or "libx264" (required)
  uint32_t codec_tag = 0;      // fourcc set on encoder and decoder, as a container would (0: none)
  int fps = 30;                // frame rate: time base 1/fps, frame i has pts i
  int64_t bit_rate = 0;        // target bit rate in bit/s (0: encoder default)
  int bit_rate_tolerance = 0;  // rate-control tolerance in bits (0: encoder default)
  int gop_size = -1;           // at most this many frames between I-frames (-1: encoder default)
  int qmin = -1;               // smallest quantizer (-1: encoder default)
  int max_b_frames = -1;       // consecutive B-frames allowed (-1: encoder default)
  bool global_header = false;  // headers in extradata (as MP4 muxing requests) instead of in-band
  // Encoder private options set with av_opt_set, e.g. {"crf", "23"}, {"preset", "medium"}.
  std::vector<std::pair<std::string, std::string>> options;
};

// Encodes `frames` (all the same size) as one clip and decodes it back; frames come back in
// presentation order. compressed_bytes = total packet bytes + extradata bytes.
// Odd widths/heights are padded by repeating the last column/row (4:2:0 needs even sizes)
// and cropped again after decoding. RGB <-> YUV 4:2:0 goes through libswscale with
// SWS_BICUBIC and its default BT.601 limited-range matrix, via BGR24 exactly as OpenCV's
// VideoWriter/VideoCapture do. Encoder and decoder run single-threaded (deterministic).
// Throws InvalidArgument for empty frames or mismatched sizes, CodecError for library
// failures; `spec` names the codec in messages.
RoundTrip round_trip_clip(const std::vector<Image>& frames, const VideoClipSettings& settings,
                          const std::string& spec);

}  // namespace robusthide
