// Watermarking video files (issue 13): every frame marked through the one embedding
// pipeline (watermark.h's any-size path), the payload read back by averaging the
// decoder's soft outputs over frames. docs/video.md.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "robusthide/watermark.h"

namespace robusthide {

// File names embed and extract treat as video (by extension, case-insensitive): .mp4,
// .m4v, .mkv, .avi, .mov, .webm.
bool is_video_path(const std::string& path);

// How a video is encoded (a marked video, or a platform's re-encode in transform_video).
struct VideoEncodeOptions {
  // libavcodec encoder: "libx264" (H.264), "libx265" (HEVC), "libvpx-vp9" (VP9), "libvpx"
  // (VP8), "libsvtav1" (AV1), "mpeg4" (FFmpeg's MPEG-4 Part 2), "libxvid" (MPEG-4 Part 2 by
  // libxvidcore), "msmpeg4" / "msmpeg4v2" (Microsoft MPEG-4 v3 / v2), or "same": the
  // encoder of the input's codec. A container that cannot hold the codec (VP8 in .mp4) is
  // refused; .mkv holds every one.
  std::string encoder = "libx264";
  // libx264 / libx265: constant rate factor 0..51; libvpx-vp9: 0..63; libvpx (VP8,
  // constrained quality under a cap of one bit per pixel): 4..63; libsvtav1: 1..63 (lower =
  // better quality, larger file).
  int crf = 18;
  // libx264 / libx265 speed preset (ultrafast .. veryslow).
  std::string preset = "medium";
  // The MPEG-4 Part 2 family (mpeg4, libxvid, msmpeg4*): fixed quantizer 1..31 (lower =
  // better), or 0 for rate control at bit_rate.
  int quantizer = 3;
  // MPEG-4 Part 2 family with quantizer 0: target bits per second; 0 = libavcodec's
  // default (200 kb/s, 12-frame GOP: what `ffmpeg -i in -c:v mpeg4 out` does).
  int64_t bit_rate = 0;
};

// A re-encode given as text, for the video strength search and the CLI's --video-check:
// "libx264[:crf=N][:preset=P]" and "libx265[:crf=N][:preset=P]" (CRF 0..51, default 23;
// preset default medium), "libvpx-vp9[:crf=N]" and "libvpx[:crf=N]" (VP9 0..63, VP8 4..63,
// default 31), "libsvtav1[:crf=N]" (1..63, default 35), "mpeg4[:q=N][:bitrate=B]" and
// "libxvid[:q=N][:bitrate=B]" (fixed quantizer 1..31, or 0, the default, for rate control at B
// bits/s, default libavcodec's 200 kb/s: what `ffmpeg -c:v mpeg4` does). Throws InvalidArgument
// naming the spec for an unknown encoder, parameter or value.
VideoEncodeOptions parse_video_check(const std::string& spec);
// The canonical text of a re-encode (parse_video_check's grammar, defaults left out).
std::string video_check_spec(const VideoEncodeOptions& options);

// How a video is marked.
struct VideoEmbedOptions {
  VideoEncodeOptions encode;
  // The encoder's residual is computed on every step-th frame and reused, with each
  // frame's own shaping mask, for the frames in between (1 = every frame): fewer network
  // passes and a mark that changes less between frames.
  int step = 1;
  // Also encode the unmarked frames with the same settings (not written) to report what
  // the mark costs in bitrate (VideoEmbedReport::unmarked_bits_per_pixel). Doubles the
  // encoding time.
  bool bitrate_cost = false;
  // The strength search for videos (the photos' search is Watermarker::Options::check):
  // the marked video is re-encoded with each of these settings (what a platform may do)
  // and read back window by window (check_window_seconds, extract_video's windows); the
  // frames of every window whose payload does not come back are marked again with x1.25
  // the strength (up to kMaxStrength, embedding.h) and the whole video is written anew,
  // until every window passes or none can be raised. A raise is undone, and the window
  // kept at its previous strength, when it makes flat pixels visibly changed (CIEDE2000 >
  // 2, perceptual.h) over more than max_flat_visible of the window's first frame, and more
  // than at the base strength. Each pass costs an embedding, a re-encode per check and an
  // extraction. Empty (the default) = one pass at the Watermarker's strength: on the
  // sample clips the search with the photos' visibility rule gains little (x264 CRF 40 on
  // 320x320 pan clips: 5 of 16 windows instead of 1) for 3-6 passes (docs/video.md).
  std::vector<VideoEncodeOptions> checks;
  // Length of the windows the search checks (and of the windows whose first frame is
  // measured for perceptual distance), seconds.
  double check_window_seconds = 2.0;
  // The share of a frame's area that a raise may make visibly changed in flat regions
  // (beyond the base strength's). 0, the default, is the photos' rule: no raise that makes
  // one more flat pixel visibly changed in the window's first frame.
  double max_flat_visible = 0;
  // A window passes a check when its payload comes back with a false-positive probability
  // (Extraction::false_positive, the window count included) of at most this: a margin
  // over extract's threshold (Watermarker::Options::max_false_positive, 1e-3), because a
  // re-encode by other software, settings or container timing differs a little from the
  // check's (with the 64-bit code: at most 1 bit corrected).
  double check_false_positive = 1e-5;
};

// Called after every frame: frames done, and the stream's frame count when known (0 if not).
using VideoProgress = std::function<void(int64_t frames_done, int64_t frames_total)>;

struct VideoEmbedReport {
  int64_t frames = 0;
  int width = 0, height = 0;
  double fps = 0;                 // the video stream's average frame rate
  int64_t streams_copied = 0;     // other streams (audio, subtitles) copied unchanged
  std::string encoder;            // the encoder used ("same" resolved)
  int grid = 1;                   // tiles per side of every frame's mark
  double psnr_db = 0;             // mean over frames, marked vs decoded input frame
  double ciede2000_mean = 0;      // mean over the first frame of every window (perceptual.h)
  double flat_visible_share = 0;  // pooled over the same frames
  // The input's other streams not copied, each with why (the container cannot hold it, or
  // neither audio nor subtitles).
  std::vector<std::string> streams_skipped;
  // Temporal flicker of the mark: the mean absolute change (0..255 scale) of the residual
  // (marked - input frame) between consecutive frames, averaged over frame pairs.
  double flicker = 0;
  int64_t bytes_in = 0, bytes_out = 0;  // file sizes
  // The video stream's size in bits per pixel (packets only, no container): of the marked
  // encode, and of the unmarked frames encoded alike (0 unless bitrate_cost was asked).
  double bits_per_pixel = 0;
  double unmarked_bits_per_pixel = 0;
  // The strength search: times the video was marked (1 = every window passed at once, or
  // no check), and the strength of each window of check_window_seconds, in time order.
  int passes = 1;
  std::vector<double> window_strengths;
};

// Decodes `input` frame by frame (streaming: one frame in memory at a time), embeds
// `payload` (capacity_bits() bits) into every frame with w.embed, encodes the marked
// frames with `options` into `output` (container chosen by its extension; frame rate,
// timestamps, rotation and the other streams' packets kept), and writes the file
// atomically. Throws IoError naming the file for an unreadable, corrupt or truncated
// input, one without a video stream or frames, or a failed write; InvalidArgument for bad
// options or an output name of no known container; CodecError from the encoder. No
// output file is left behind on failure. Frames are marked as w.options().grid tiles per
// side, one when it is automatic (0): docs/video.md measured one tile.
VideoEmbedReport embed_video(const Watermarker& w, const std::vector<uint8_t>& payload,
                             const std::string& input, const std::string& output,
                             const VideoEmbedOptions& options = {},
                             const VideoProgress& progress = {});

// One stretch of the video and what its frames' averaged soft bits decode to.
struct VideoWindow {
  double start_s = 0, end_s = 0;  // presentation times of its first and last frame
  int64_t frames = 0;
  Extraction extraction;
};

struct VideoExtraction {
  int64_t frames = 0;  // frames decoded
  Extraction whole;    // all frames averaged (found: false positive <= threshold)
  std::vector<VideoWindow> windows;
  double window_seconds = 0;
  // Mean over frames of the fraction of raw bits that disagree with the whole file's
  // averaged bits (how much one frame alone would get wrong).
  double frame_disagreement = 0;
};

// Reads every `sample`-th frame (1 = all) of `input`, averages the decoder's centred soft
// outputs (raw - 0.5) over the whole file and over windows of `window_seconds`, and
// decodes each average with w's payload code. A window's false-positive probability is
// multiplied by the number of windows (the chance that any unmarked window matches this
// well). Frames are read with the tiles they were marked with (embed_video).
// Throws as embed_video for bad input, and InvalidArgument for a sample below 1 or a
// window below 0.1 s.
VideoExtraction extract_video(const Watermarker& w, const std::string& input,
                              double window_seconds = 2.0, int sample = 1,
                              const VideoProgress& progress = {});

// What a platform may do to a video before a viewer (or a verifier) gets it: a re-encode,
// a smaller size, another frame rate, a cut. For robustness measurements
// (`robusthide transcode`, scripts/experiments/video-robustness.sh).
struct VideoTransform {
  VideoEncodeOptions encode;  // the new encoding
  // Downscale to this height (never up); the width keeps the aspect ratio, rounded to even.
  // 0 = keep the size.
  int height = 0;
  // A new constant frame rate: each output time shows the input frame nearest to it
  // (frames dropped or repeated, as FFmpeg's fps filter). 0 = keep the input's timing.
  double fps = 0;
  double trim_start_s = 0;  // seconds cut from the start
  double trim_end_s = 0;    // seconds cut from the end (the input must state its duration)
};

struct VideoTransformReport {
  int64_t frames_in = 0, frames_out = 0;
  int width = 0, height = 0;  // of the output
  double fps = 0;             // of the output
  int64_t streams_copied = 0;
  std::string encoder;        // the encoder used ("same" resolved)
  double bits_per_pixel = 0;  // the new video stream's packets
  // As VideoEmbedReport::streams_skipped.
  std::vector<std::string> streams_skipped;
  int64_t bytes_out = 0;
};

// Decodes `input`, applies `t` and encodes the result into `output` (atomically; audio and
// subtitle streams copied, cut alike when trimming). Throws as embed_video, and
// InvalidArgument for a negative height, frame rate or cut, or cuts that leave nothing.
VideoTransformReport transform_video(const std::string& input, const std::string& output,
                                     const VideoTransform& t, const VideoProgress& progress = {});

}  // namespace robusthide
