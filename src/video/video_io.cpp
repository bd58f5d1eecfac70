#include "video/video_io.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <map>
#include <vector>

extern "C" {
#include <libavformat/avformat.h>
#include <libavutil/display.h>
#include <libavutil/opt.h>
}

#include "codecs/av_handles.h"
#include "robusthide/error.h"
#include "util/atomic_file.h"

namespace robusthide::detail {
namespace {

// An RGB24 image -> AVFrame conversion (and back), scaling bicubically (as FFmpeg's scale
// filter) when the sizes differ.
class Converter {
 public:
  SwsContext* get(int w, int h, AVPixelFormat from, AVPixelFormat to) {
    return get(w, h, from, w, h, to);
  }
  SwsContext* get(int w, int h, AVPixelFormat from, int to_w, int to_h, AVPixelFormat to) {
    ctx_ = sws_getCachedContext(ctx_, w, h, from, to_w, to_h, to, SWS_BICUBIC, nullptr, nullptr,
                                nullptr);
    return ctx_;
  }
  ~Converter() { sws_freeContext(ctx_); }

 private:
  SwsContext* ctx_ = nullptr;
};

}  // namespace

// ---- reading -------------------------------------------------------------------------

struct VideoReader::Decoder {
  CodecContextPtr context;
  FramePtr frame{av_frame_alloc()};
  Converter to_rgb;
};

VideoReader::VideoReader(const std::string& path) : path_(path) {
  quiet_ffmpeg_logs();
  auto fail = [&](const std::string& why) -> IoError {
    return IoError("cannot read video '" + path + "': " + why);
  };
  int err = avformat_open_input(&format_, path.c_str(), nullptr, nullptr);
  if (err < 0) throw fail(av_error_text(err));
  try {
    err = avformat_find_stream_info(format_, nullptr);
    if (err < 0) throw fail("cannot parse its streams (" + av_error_text(err) + ")");
    const AVCodec* codec = nullptr;
    video_index_ = av_find_best_stream(format_, AVMEDIA_TYPE_VIDEO, -1, -1, &codec, 0);
    if (video_index_ == AVERROR_STREAM_NOT_FOUND) throw fail("it has no video stream");
    if (video_index_ < 0 || codec == nullptr) {
      throw fail("no decoder for its video stream (codec " +
                 std::string(avcodec_get_name(
                     format_->streams[std::max(video_index_, 0)]->codecpar->codec_id)) +
                 ")");
    }
    const AVCodecParameters* par = format_->streams[video_index_]->codecpar;
    if (par->width <= 0 || par->height <= 0 ||
        static_cast<int64_t>(par->width) * par->height > kMaxImagePixels) {
      throw fail("its video size " + std::to_string(par->width) + "x" +
                 std::to_string(par->height) + " is empty or above the pixel limit");
    }
    decoder_ = std::make_unique<Decoder>();
    decoder_->context.reset(avcodec_alloc_context3(codec));
    if (!decoder_->context || !decoder_->frame) throw fail("out of memory");
    err = avcodec_parameters_to_context(decoder_->context.get(), par);
    if (err < 0) throw fail(av_error_text(err));
    decoder_->context->pkt_timebase = format_->streams[video_index_]->time_base;
    decoder_->context->thread_count = 0;  // automatic
    err = avcodec_open2(decoder_->context.get(), codec, nullptr);
    if (err < 0)
      throw fail("cannot open its " + std::string(codec->name) + " decoder (" + av_error_text(err) +
                 ")");
  } catch (...) {
    avformat_close_input(&format_);
    throw;
  }
}

VideoReader::~VideoReader() { avformat_close_input(&format_); }

AVStream* VideoReader::video_stream() const { return format_->streams[video_index_]; }
int VideoReader::width() const { return video_stream()->codecpar->width; }
int VideoReader::height() const { return video_stream()->codecpar->height; }

double VideoReader::fps() const {
  const AVRational r = video_stream()->avg_frame_rate;
  return r.num > 0 && r.den > 0 ? av_q2d(r) : 0.0;
}

double VideoReader::duration() const {
  const AVStream* s = video_stream();
  if (s->duration > 0) return static_cast<double>(s->duration) * av_q2d(s->time_base);
  return format_->duration > 0 ? static_cast<double>(format_->duration) / AV_TIME_BASE : 0.0;
}

int64_t VideoReader::frame_count() const {
  if (video_stream()->nb_frames > 0) return video_stream()->nb_frames;
  // Estimated from the duration when the container does not say.
  if (format_->duration > 0 && fps() > 0) {
    return static_cast<int64_t>(static_cast<double>(format_->duration) / AV_TIME_BASE * fps() +
                                0.5);
  }
  return 0;
}

VideoStreamInfo VideoReader::info() const {
  const AVStream* s = video_stream();
  AVRational rate = s->avg_frame_rate.num > 0 ? s->avg_frame_rate : s->r_frame_rate;
  if (rate.num <= 0 || rate.den <= 0) rate = AVRational{25, 1};
  VideoStreamInfo i;
  i.width = width();
  i.height = height();
  i.rate_num = rate.num;
  i.rate_den = rate.den;
  i.time_base_num = s->time_base.num;
  i.time_base_den = s->time_base.den;
  return i;
}

void VideoReader::decode(const AVPacket* packet, const std::function<void(VideoFrame&)>& on_frame) {
  AVCodecContext* c = decoder_->context.get();
  int err = avcodec_send_packet(c, packet);
  if (err < 0 && err != AVERROR_EOF) {
    throw IoError("cannot read video '" + path_ + "': corrupt or truncated video data (" +
                  av_error_text(err) + ")");
  }
  AVFrame* f = decoder_->frame.get();
  const AVStream* s = video_stream();
  for (;;) {
    err = avcodec_receive_frame(c, f);
    if (err == AVERROR(EAGAIN) || err == AVERROR_EOF) return;
    if (err < 0) {
      throw IoError("cannot read video '" + path_ + "': corrupt or truncated video data (" +
                    av_error_text(err) + ")");
    }
    if (f->width != width() || f->height != height()) {
      throw IoError("cannot read video '" + path_ + "': the frame size changes mid-stream (" +
                    std::to_string(f->width) + "x" + std::to_string(f->height) + ")");
    }
    VideoFrame out;
    out.image = Image(f->width, f->height);
    SwsContext* sws = decoder_->to_rgb.get(f->width, f->height,
                                           static_cast<AVPixelFormat>(f->format), AV_PIX_FMT_RGB24);
    if (sws == nullptr)
      throw IoError("cannot read video '" + path_ + "': unsupported pixel format");
    uint8_t* dst[4] = {out.image.data(), nullptr, nullptr, nullptr};
    int dst_stride[4] = {3 * f->width, 0, 0, 0};
    sws_scale(sws, f->data, f->linesize, 0, f->height, dst, dst_stride);
    out.pts = f->best_effort_timestamp != AV_NOPTS_VALUE ? f->best_effort_timestamp : f->pts;
    const int64_t start = s->start_time != AV_NOPTS_VALUE ? s->start_time : 0;
    out.seconds = out.pts == AV_NOPTS_VALUE ? 0.0 : (out.pts - start) * av_q2d(s->time_base);
    out.intra = f->pict_type == AV_PICTURE_TYPE_I;
    av_frame_unref(f);
    on_frame(out);
  }
}

void VideoReader::run(const std::function<void(VideoFrame&)>& on_frame,
                      const std::function<void(AVPacket*)>& on_other) {
  PacketPtr packet(av_packet_alloc());
  if (!packet) throw IoError("cannot read video '" + path_ + "': out of memory");
  for (;;) {
    const int err = av_read_frame(format_, packet.get());
    if (err == AVERROR_EOF) break;
    if (err < 0) {
      throw IoError("cannot read video '" + path_ + "': corrupt or truncated file (" +
                    av_error_text(err) + ")");
    }
    if (packet->stream_index == video_index_) {
      decode(packet.get(), on_frame);
    } else if (on_other) {
      on_other(packet.get());
    }
    av_packet_unref(packet.get());
  }
  decode(nullptr, on_frame);  // flush
}

// ---- writing -------------------------------------------------------------------------

struct VideoWriter::Impl {
  std::string path;
  AtomicFile file;
  AVFormatContext* out = nullptr;
  CodecContextPtr encoder;
  AVStream* video = nullptr;
  AVRational frame_time_base{1, 25};  // of the pts given to write()
  FramePtr yuv{av_frame_alloc()};
  PacketPtr packet{av_packet_alloc()};
  Converter to_yuv;
  std::map<int, int> stream_map;  // input stream index -> output stream index
  std::map<int, AVRational> input_time_base;
  int64_t last_pts = AV_NOPTS_VALUE;
  int64_t video_bytes = 0;  // of the encoded video packets
  std::string encoder_name;

  explicit Impl(const std::string& p) : path(p), file(p) {}
  ~Impl() {
    if (out != nullptr) {
      if (out->pb != nullptr) avio_closep(&out->pb);
      avformat_free_context(out);
    }
  }
  [[noreturn]] void fail(const std::string& action, int err) const {
    throw CodecError("cannot write video '" + path + "': " + action +
                     (err != 0 ? " (" + av_error_text(err) + ")" : std::string()));
  }
  void check(int err, const std::string& action) const {
    if (err < 0) fail(action, err);
  }
  void drain() {
    for (;;) {
      const int err = avcodec_receive_packet(encoder.get(), packet.get());
      if (err == AVERROR(EAGAIN) || err == AVERROR_EOF) return;
      check(err, "encoding a frame");
      video_bytes += packet->size;
      av_packet_rescale_ts(packet.get(), encoder->time_base, video->time_base);
      packet->stream_index = video->index;
      check(av_interleaved_write_frame(out, packet.get()), "writing a video packet");
    }
  }
};

VideoWriter::VideoWriter(const std::string& path, const VideoReader& input,
                         const VideoEncodeOptions& options)
    : VideoWriter(path, input.info(), options, &input) {}

namespace {

// The encoders robusthide writes with, and how each one's quality is set.
struct EncoderKind {
  const char* name;
  AVCodecID codec;
  int min_crf, max_crf;  // max_crf > 0: quality by constant rate factor min..max (--crf)
  bool tick_per_frame;   // MPEG-4 Part 2 family: a time base of one tick per frame; quality
                         // by --quantizer (or --bitrate)
};
constexpr EncoderKind kEncoders[] = {
    {"libx264", AV_CODEC_ID_H264, 0, 51, false},
    {"libx265", AV_CODEC_ID_HEVC, 0, 51, false},
    {"libvpx-vp9", AV_CODEC_ID_VP9, 0, 63, false},
    {"libvpx", AV_CODEC_ID_VP8, 4, 63, false},     // VP8: the CRF may not be below qmin (4)
    {"libsvtav1", AV_CODEC_ID_AV1, 1, 63, false},  // AV1 (SVT-AV1): FFmpeg 5.1 reads 0 as unset
    {"mpeg4", AV_CODEC_ID_MPEG4, 0, 0, true},
    {"libxvid", AV_CODEC_ID_MPEG4, 0, 0, true},
    {"msmpeg4", AV_CODEC_ID_MSMPEG4V3, 0, 0, true},
    {"msmpeg4v2", AV_CODEC_ID_MSMPEG4V2, 0, 0, true},
};

// options.encoder, or for "same" the encoder of the input's codec.
const EncoderKind& encoder_kind(const std::string& name, const VideoReader* input) {
  if (name == "same") {
    if (input == nullptr) throw InvalidArgument("the video encoder 'same' needs an input video");
    const AVCodecID id = input->video_stream()->codecpar->codec_id;
    for (const EncoderKind& k : kEncoders) {
      if (k.codec == id) return k;
    }
    throw InvalidArgument("cannot encode with the codec of video '" + input->path() + "' (" +
                          avcodec_get_name(id) + "): no encoder for it; choose --video-encoder");
  }
  for (const EncoderKind& k : kEncoders) {
    if (name == k.name) return k;
  }
  std::string known;
  for (const EncoderKind& k : kEncoders) known += std::string(known.empty() ? "" : ", ") + k.name;
  throw InvalidArgument("unknown video encoder '" + name + "' (expected " + known +
                        ", or same: the input's codec)");
}

}  // namespace

std::pair<int, int> crf_range(const std::string& encoder) {
  const EncoderKind& kind = encoder_kind(encoder, nullptr);
  if (kind.max_crf == 0) return {0, 0};
  return {kind.min_crf, kind.max_crf};
}

VideoWriter::VideoWriter(const std::string& path, const VideoStreamInfo& info,
                         const VideoEncodeOptions& options)
    : VideoWriter(path, info, options, nullptr) {}

VideoWriter::VideoWriter(const std::string& path, const VideoStreamInfo& info,
                         const VideoEncodeOptions& options, const VideoReader* input) {
  quiet_ffmpeg_logs();
  const EncoderKind& kind = encoder_kind(options.encoder, input);
  const std::string encoder = kind.name;
  const AVCodec* codec = avcodec_find_encoder_by_name(kind.name);
  if (codec == nullptr) {
    throw InvalidArgument("video encoder '" + encoder + "' is not in this FFmpeg build");
  }
  const int max_crf = kind.max_crf > 0 ? kind.max_crf : 51;
  if (options.crf < kind.min_crf || options.crf > max_crf) {
    throw InvalidArgument("--crf must be in " + std::to_string(kind.min_crf) + ".." +
                          std::to_string(max_crf) + " for " + encoder + ", got " +
                          std::to_string(options.crf));
  }
  if (options.quantizer < 0 || options.quantizer > 31) {
    throw InvalidArgument("the " + encoder + " quantizer must be in 1..31 (0: rate control), got " +
                          std::to_string(options.quantizer));
  }
  if (options.bit_rate < 0 || options.bit_rate > 1'000'000'000) {
    throw InvalidArgument("the video bit rate must be in 0..1e9 bit/s, got " +
                          std::to_string(options.bit_rate));
  }
  const AVOutputFormat* container = av_guess_format(nullptr, path.c_str(), nullptr);
  if (container == nullptr) {
    throw InvalidArgument("cannot write video '" + path +
                          "': no container is known for its extension (use .mp4, .mkv, .avi, "
                          ".mov or .webm)");
  }
  // 0 = the container cannot hold the codec (< 0: libavformat cannot tell; try).
  if (avformat_query_codec(container, kind.codec, FF_COMPLIANCE_NORMAL) == 0) {
    throw InvalidArgument("cannot write video '" + path + "': the " + container->name +
                          " container cannot hold " + avcodec_get_name(kind.codec) +
                          " video (encoder " + encoder + "); use .mkv");
  }
  const int w = info.width, h = info.height;
  const bool odd = (w & 1) || (h & 1);
  if (w <= 0 || h <= 0 || static_cast<int64_t>(w) * h > kMaxImagePixels) {
    throw InvalidArgument("cannot write video '" + path + "': the frame size " + std::to_string(w) +
                          "x" + std::to_string(h) + " is empty or above the pixel limit");
  }
  if (info.rate_num <= 0 || info.rate_den <= 0 || info.time_base_num <= 0 ||
      info.time_base_den <= 0) {
    throw InvalidArgument("cannot write video '" + path + "': invalid frame rate or time base");
  }
  if (odd && encoder != "libx264") {
    throw InvalidArgument("cannot write video '" + path + "': its size " + std::to_string(w) + "x" +
                          std::to_string(h) + " is odd, which " + encoder +
                          " (4:2:0 here) cannot code; use the libx264 encoder");
  }
  impl_ = std::make_unique<Impl>(path);
  Impl& m = *impl_;
  m.encoder_name = encoder;
  m.check(avformat_alloc_output_context2(&m.out, nullptr, nullptr, path.c_str()),
          "choosing the container");
  m.frame_time_base = AVRational{info.time_base_num, info.time_base_den};
  const AVRational rate{info.rate_num, info.rate_den};

  // The video stream.
  m.encoder.reset(avcodec_alloc_context3(codec));
  if (!m.encoder || !m.yuv || !m.packet) m.fail("allocating the encoder", AVERROR(ENOMEM));
  AVCodecContext* c = m.encoder.get();
  c->width = w;
  c->height = h;
  c->pix_fmt = odd ? AV_PIX_FMT_YUV444P : AV_PIX_FMT_YUV420P;  // 4:2:0 needs even sides
  c->framerate = rate;
  // MPEG-4 Part 2 needs a time base of at most 16 bits: one tick per frame.
  c->time_base = kind.tick_per_frame ? av_inv_q(rate) : m.frame_time_base;
  const AVStream* in = input != nullptr ? input->video_stream() : nullptr;
  if (in != nullptr) {
    const AVCodecParameters* ip = in->codecpar;
    c->color_range = ip->color_range;
    c->color_primaries = ip->color_primaries;
    c->color_trc = ip->color_trc;
    c->colorspace = ip->color_space;
    c->sample_aspect_ratio = ip->sample_aspect_ratio;
  }
  c->thread_count = 0;
  if (m.out->oformat->flags & AVFMT_GLOBALHEADER) c->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
  if (kind.max_crf > 0) {
    m.check(av_opt_set(c->priv_data, "crf", std::to_string(options.crf).c_str(), 0), "setting crf");
  }
  if (encoder == "libx264" || encoder == "libx265") {
    m.check(av_opt_set(c->priv_data, "preset", options.preset.c_str(), 0),
            "setting the preset '" + options.preset + "'");
  }
  if (encoder == "libx265") av_opt_set(c->priv_data, "x265-params", "log-level=error", 0);
  if (encoder == "libvpx-vp9" || encoder == "libvpx") {
    av_opt_set(c->priv_data, "deadline", "good", 0);
    av_opt_set_int(c->priv_data, "cpu-used", 4, 0);
    if (encoder == "libvpx-vp9") {
      c->bit_rate = 0;  // constant quality
      av_opt_set_int(c->priv_data, "row-mt", 1, 0);
    } else {
      // VP8 knows only constrained quality: the CRF under a bit-rate cap (libvpx's default
      // 256 kb/s would bind long before the CRF does), so the cap is set out of reach, one
      // bit per pixel at the frame rate.
      c->bit_rate = static_cast<int64_t>(std::min(1e9, static_cast<double>(w) * h * av_q2d(rate)));
    }
  } else if (encoder == "libsvtav1") {
    av_opt_set_int(c->priv_data, "preset", 10, 0);  // of 0 (slowest) .. 13: fast, as VP9's
    setenv("SVT_LOG", "1", 0);  // SVT-AV1 prints its configuration unless told errors only
  } else if (kind.max_crf > 0) {
    // crf above
  } else if (options.quantizer > 0) {
    c->flags |= AV_CODEC_FLAG_QSCALE;
    c->global_quality = FF_QP2LAMBDA * options.quantizer;
  } else if (options.bit_rate > 0) {
    c->bit_rate = options.bit_rate;
  }
  m.check(avcodec_open2(c, codec, nullptr), "opening the " + encoder + " encoder");
  m.video = avformat_new_stream(m.out, nullptr);
  if (m.video == nullptr) m.fail("adding the video stream", AVERROR(ENOMEM));
  m.check(avcodec_parameters_from_context(m.video->codecpar, c), "describing the video stream");
  m.video->time_base = c->time_base;
  m.video->avg_frame_rate = rate;
  if (in != nullptr) {
    m.video->sample_aspect_ratio = in->codecpar->sample_aspect_ratio;
    av_dict_copy(&m.video->metadata, in->metadata, 0);
    // Rotation and other display matrices.
    size_t matrix_size = 0;
    if (const uint8_t* matrix =
            av_stream_get_side_data(in, AV_PKT_DATA_DISPLAYMATRIX, &matrix_size)) {
      uint8_t* copy = av_stream_new_side_data(m.video, AV_PKT_DATA_DISPLAYMATRIX, matrix_size);
      if (copy != nullptr) std::memcpy(copy, matrix, matrix_size);
    }
    copied_ = copy_streams(*input);
  }
  m.check(avio_open(&m.out->pb, m.file.temp_path().c_str(), AVIO_FLAG_WRITE), "opening the output");
  m.check(avformat_write_header(m.out, nullptr), "writing the header");
}

int64_t VideoWriter::copy_streams(const VideoReader& input) {
  Impl& m = *impl_;
  // The other streams, copied packet by packet where the container can hold them.
  AVFormatContext* ifmt = input.format();
  int64_t copied = 0;
  for (unsigned i = 0; i < ifmt->nb_streams; ++i) {
    if (static_cast<int>(i) == input.video_index()) continue;
    const AVStream* s = ifmt->streams[i];
    const AVMediaType type = s->codecpar->codec_type;
    const char* kind = av_get_media_type_string(type);
    const std::string what = "stream " + std::to_string(i) + " (" + (kind ? kind : "unknown") +
                             ", " + avcodec_get_name(s->codecpar->codec_id) + ")";
    if (type != AVMEDIA_TYPE_AUDIO && type != AVMEDIA_TYPE_SUBTITLE) {
      skipped_.push_back(what + ": only audio and subtitles are copied");
      continue;
    }
    if (avformat_query_codec(m.out->oformat, s->codecpar->codec_id, FF_COMPLIANCE_NORMAL) != 1) {
      skipped_.push_back(what + ": the " + m.out->oformat->name + " container cannot hold it");
      continue;
    }
    AVStream* o = avformat_new_stream(m.out, nullptr);
    if (o == nullptr) m.fail("adding a stream", AVERROR(ENOMEM));
    m.check(avcodec_parameters_copy(o->codecpar, s->codecpar), "copying a stream's parameters");
    o->codecpar->codec_tag = 0;
    o->time_base = s->time_base;
    av_dict_copy(&o->metadata, s->metadata, 0);
    m.stream_map[static_cast<int>(i)] = o->index;
    m.input_time_base[static_cast<int>(i)] = s->time_base;
    ++copied;
  }
  av_dict_copy(&m.out->metadata, ifmt->metadata, 0);
  return copied;
}

VideoWriter::~VideoWriter() = default;

void VideoWriter::write(const VideoFrame& frame) {
  Impl& m = *impl_;
  AVCodecContext* c = m.encoder.get();
  AVFrame* f = m.yuv.get();
  av_frame_unref(f);
  f->format = c->pix_fmt;
  f->width = c->width;
  f->height = c->height;
  m.check(av_frame_get_buffer(f, 0), "allocating a frame");
  const Image& image = frame.image;
  SwsContext* sws =
      m.to_yuv.get(image.width, image.height, AV_PIX_FMT_RGB24, c->width, c->height, c->pix_fmt);
  if (sws == nullptr) m.fail("creating the colour converter", 0);
  const uint8_t* src[4] = {image.data(), nullptr, nullptr, nullptr};
  const int src_stride[4] = {3 * image.width, 0, 0, 0};
  sws_scale(sws, src, src_stride, 0, image.height, f->data, f->linesize);
  int64_t pts = frame.pts == AV_NOPTS_VALUE
                    ? (m.last_pts == AV_NOPTS_VALUE ? 0 : m.last_pts + 1)
                    : av_rescale_q(frame.pts, m.frame_time_base, c->time_base);
  if (m.last_pts != AV_NOPTS_VALUE && pts <= m.last_pts) pts = m.last_pts + 1;  // monotonic
  m.last_pts = pts;
  f->pts = pts;
  m.check(avcodec_send_frame(c, f), "encoding a frame");
  m.drain();
}

void VideoWriter::copy(AVPacket* packet, double shift_s) {
  Impl& m = *impl_;
  const auto it = m.stream_map.find(packet->stream_index);
  if (it == m.stream_map.end()) return;
  AVStream* o = m.out->streams[it->second];
  const AVRational tb = m.input_time_base[packet->stream_index];
  if (shift_s != 0) {
    const int64_t shift = static_cast<int64_t>(std::llround(shift_s / av_q2d(tb)));
    if (packet->pts != AV_NOPTS_VALUE) packet->pts -= shift;
    if (packet->dts != AV_NOPTS_VALUE) packet->dts -= shift;
  }
  av_packet_rescale_ts(packet, tb, o->time_base);
  packet->stream_index = it->second;
  packet->pos = -1;
  m.check(av_interleaved_write_frame(m.out, packet), "copying a packet");
}

void VideoWriter::close() {
  Impl& m = *impl_;
  m.check(avcodec_send_frame(m.encoder.get(), nullptr), "flushing the encoder");
  m.drain();
  m.check(av_write_trailer(m.out), "writing the trailer");
  m.check(avio_closep(&m.out->pb), "closing the output");
}

int64_t VideoWriter::video_bytes() const { return impl_->video_bytes; }

const std::string& VideoWriter::encoder() const { return impl_->encoder_name; }

std::string VideoReader::codec_name() const {
  return avcodec_get_name(video_stream()->codecpar->codec_id);
}

const std::string& VideoWriter::temp_path() const { return impl_->file.temp_path(); }

void VideoWriter::commit() { impl_->file.commit(); }

}  // namespace robusthide::detail
