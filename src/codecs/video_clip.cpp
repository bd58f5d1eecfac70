#include "codecs/video_clip.h"

#include <algorithm>
#include <cstring>

extern "C" {
#include <libavutil/opt.h>
}

#include "codecs/av_handles.h"
#include "robusthide/error.h"

namespace robusthide {
namespace {

// Encoder, decoder and colour converters of one clip; frames in, decoded frames out.
class ClipCoder {
 public:
  ClipCoder(const VideoClipSettings& settings, const std::string& spec, int width, int height,
            size_t frame_count)
      : settings_(settings),
        spec_(spec),
        width_(width),
        height_(height),
        coded_width_(width + (width & 1)),
        coded_height_(height + (height & 1)),
        decoded_(frame_count),
        have_(frame_count, false) {
    quiet_ffmpeg_logs();
    open_encoder();
    open_decoder();
    to_yuv_.reset(sws_getContext(coded_width_, coded_height_, AV_PIX_FMT_BGR24, coded_width_,
                                 coded_height_, AV_PIX_FMT_YUV420P, SWS_BICUBIC, nullptr, nullptr,
                                 nullptr));
    to_bgr_.reset(sws_getContext(coded_width_, coded_height_, AV_PIX_FMT_YUV420P, coded_width_,
                                 coded_height_, AV_PIX_FMT_BGR24, SWS_BICUBIC, nullptr, nullptr,
                                 nullptr));
    if (!to_yuv_ || !to_bgr_) fail("creating the libswscale colour converters", 0);
    packet_.reset(av_packet_alloc());
    decoded_frame_.reset(av_frame_alloc());
    bgr_.reset(av_frame_alloc());
    if (!packet_ || !decoded_frame_ || !bgr_) fail("allocating frames", AVERROR(ENOMEM));
    bgr_->format = AV_PIX_FMT_BGR24;
    bgr_->width = coded_width_;
    bgr_->height = coded_height_;
    check(av_frame_get_buffer(bgr_.get(), 0), "allocating a BGR frame");
  }

  void encode(const Image& image, int64_t index) {
    fill_bgr(image);
    FramePtr yuv(av_frame_alloc());
    if (!yuv) fail("allocating a frame", AVERROR(ENOMEM));
    yuv->format = AV_PIX_FMT_YUV420P;
    yuv->width = coded_width_;
    yuv->height = coded_height_;
    check(av_frame_get_buffer(yuv.get(), 0), "allocating a YUV frame");
    // Zero the row padding too: SIMD input copies may read past the row ends, and such
    // reads must see the same bytes every time.
    for (AVBufferRef* buf : yuv->buf) {
      if (buf != nullptr) std::memset(buf->data, 0, buf->size);
    }
    sws_scale(to_yuv_.get(), bgr_->data, bgr_->linesize, 0, coded_height_, yuv->data,
              yuv->linesize);
    yuv->pts = index;
    check(avcodec_send_frame(encoder_.get(), yuv.get()), "sending frame " + std::to_string(index));
    drain_encoder();
  }

  // Flushes encoder and decoder; returns the decoded frames in presentation order.
  RoundTrip finish() {
    check(avcodec_send_frame(encoder_.get(), nullptr), "flushing the encoder");
    drain_encoder();
    check(avcodec_send_packet(decoder_.get(), nullptr), "flushing the decoder");
    drain_decoder();
    for (size_t i = 0; i < have_.size(); ++i) {
      if (!have_[i]) {
        throw CodecError("while decoding video '" + spec_ + "': frame " + std::to_string(i) +
                         " of " + std::to_string(have_.size()) + " did not come back");
      }
    }
    RoundTrip out;
    out.images = std::move(decoded_);
    out.compressed_bytes = bytes_ + static_cast<size_t>(std::max(encoder_->extradata_size, 0));
    return out;
  }

 private:
  [[noreturn]] void fail(const std::string& action, int err) const {
    std::string msg = "while " + action + " for video codec '" + spec_ + "'";
    if (err != 0) msg += ": " + av_error_text(err);
    throw CodecError(msg);
  }
  void check(int err, const std::string& action) const {
    if (err < 0) fail(action, err);
  }

  void open_encoder() {
    const AVCodec* codec = avcodec_find_encoder_by_name(settings_.encoder.c_str());
    if (codec == nullptr) {
      throw CodecError("video codec '" + spec_ + "': this FFmpeg build has no encoder '" +
                       settings_.encoder + "'");
    }
    encoder_.reset(avcodec_alloc_context3(codec));
    if (!encoder_) fail("allocating the encoder", AVERROR(ENOMEM));
    AVCodecContext* c = encoder_.get();
    c->codec_tag = settings_.codec_tag;
    c->width = coded_width_;
    c->height = coded_height_;
    c->pix_fmt = AV_PIX_FMT_YUV420P;
    c->time_base = AVRational{1, settings_.fps};
    c->framerate = AVRational{settings_.fps, 1};
    c->thread_count = 1;
    if (settings_.bit_rate > 0) c->bit_rate = settings_.bit_rate;
    if (settings_.bit_rate_tolerance > 0) c->bit_rate_tolerance = settings_.bit_rate_tolerance;
    if (settings_.gop_size >= 0) c->gop_size = settings_.gop_size;
    if (settings_.qmin >= 0) c->qmin = settings_.qmin;
    if (settings_.max_b_frames >= 0) c->max_b_frames = settings_.max_b_frames;
    if (settings_.global_header) c->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
    for (const auto& [key, value] : settings_.options) {
      check(av_opt_set(c->priv_data, key.c_str(), value.c_str(), 0),
            "setting encoder option " + key + "=" + value);
    }
    check(avcodec_open2(c, codec, nullptr), "opening encoder '" + settings_.encoder + "'");
  }

  void open_decoder() {
    const AVCodec* codec = avcodec_find_decoder(encoder_->codec_id);
    if (codec == nullptr) {
      throw CodecError("video codec '" + spec_ + "': this FFmpeg build has no decoder for " +
                       avcodec_get_name(encoder_->codec_id));
    }
    decoder_.reset(avcodec_alloc_context3(codec));
    if (!decoder_) fail("allocating the decoder", AVERROR(ENOMEM));
    AVCodecContext* d = decoder_.get();
    d->codec_tag = settings_.codec_tag;
    d->width = coded_width_;
    d->height = coded_height_;
    d->pkt_timebase = AVRational{1, settings_.fps};
    d->thread_count = 1;
    if (encoder_->extradata_size > 0) {
      d->extradata = static_cast<uint8_t*>(
          av_mallocz(static_cast<size_t>(encoder_->extradata_size) + AV_INPUT_BUFFER_PADDING_SIZE));
      if (d->extradata == nullptr) fail("copying the stream headers", AVERROR(ENOMEM));
      std::memcpy(d->extradata, encoder_->extradata, static_cast<size_t>(encoder_->extradata_size));
      d->extradata_size = encoder_->extradata_size;
    }
    check(avcodec_open2(d, codec, nullptr), std::string("opening decoder '") + codec->name + "'");
  }

  // RGB image -> BGR frame (OpenCV's input format), padding odd sizes by edge repetition.
  void fill_bgr(const Image& image) {
    check(av_frame_make_writable(bgr_.get()), "preparing a BGR frame");
    for (int y = 0; y < coded_height_; ++y) {
      const uint8_t* src =
          image.data() + static_cast<size_t>(std::min(y, height_ - 1)) * width_ * 3;
      uint8_t* dst = bgr_->data[0] + static_cast<ptrdiff_t>(y) * bgr_->linesize[0];
      for (int x = 0; x < coded_width_; ++x) {
        const uint8_t* p = src + static_cast<size_t>(std::min(x, width_ - 1)) * 3;
        dst[3 * x] = p[2];
        dst[3 * x + 1] = p[1];
        dst[3 * x + 2] = p[0];
      }
    }
  }

  void drain_encoder() {
    while (true) {
      const int err = avcodec_receive_packet(encoder_.get(), packet_.get());
      if (err == AVERROR(EAGAIN) || err == AVERROR_EOF) return;
      check(err, "encoding");
      bytes_ += static_cast<size_t>(packet_->size);
      const int sent = avcodec_send_packet(decoder_.get(), packet_.get());
      av_packet_unref(packet_.get());
      check(sent, "decoding a packet");
      drain_decoder();
    }
  }

  void drain_decoder() {
    while (true) {
      const int err = avcodec_receive_frame(decoder_.get(), decoded_frame_.get());
      if (err == AVERROR(EAGAIN) || err == AVERROR_EOF) return;
      check(err, "decoding");
      store(decoded_frame_.get());
      av_frame_unref(decoded_frame_.get());
    }
  }

  void store(const AVFrame* frame) {
    int64_t index = frame->pts;
    if (index == AV_NOPTS_VALUE) index = frame->best_effort_timestamp;
    if (index == AV_NOPTS_VALUE) index = static_cast<int64_t>(next_in_order_);
    ++next_in_order_;
    if (index < 0 || index >= static_cast<int64_t>(have_.size()) || have_[index]) {
      throw CodecError("while decoding video '" + spec_ + "': unexpected frame with pts " +
                       std::to_string(index));
    }
    if (frame->width != coded_width_ || frame->height != coded_height_ ||
        frame->format != AV_PIX_FMT_YUV420P) {
      throw CodecError("while decoding video '" + spec_ + "': decoder returned a " +
                       std::to_string(frame->width) + "x" + std::to_string(frame->height) +
                       " frame in pixel format " + std::to_string(frame->format) +
                       ", expected yuv420p " + std::to_string(coded_width_) + "x" +
                       std::to_string(coded_height_));
    }
    check(av_frame_make_writable(bgr_.get()), "preparing a BGR frame");
    sws_scale(to_bgr_.get(), frame->data, frame->linesize, 0, coded_height_, bgr_->data,
              bgr_->linesize);
    Image out(width_, height_);
    for (int y = 0; y < height_; ++y) {
      const uint8_t* src = bgr_->data[0] + static_cast<ptrdiff_t>(y) * bgr_->linesize[0];
      uint8_t* dst = out.data() + static_cast<size_t>(y) * width_ * 3;
      for (int x = 0; x < width_; ++x) {
        dst[3 * x] = src[3 * x + 2];
        dst[3 * x + 1] = src[3 * x + 1];
        dst[3 * x + 2] = src[3 * x];
      }
    }
    decoded_[index] = std::move(out);
    have_[index] = true;
  }

  const VideoClipSettings& settings_;
  const std::string& spec_;
  const int width_, height_, coded_width_, coded_height_;
  CodecContextPtr encoder_, decoder_;
  SwsContextPtr to_yuv_, to_bgr_;
  PacketPtr packet_;
  FramePtr decoded_frame_, bgr_;
  std::vector<Image> decoded_;
  std::vector<bool> have_;
  size_t next_in_order_ = 0;
  size_t bytes_ = 0;
};

}  // namespace

RoundTrip round_trip_clip(const std::vector<Image>& frames, const VideoClipSettings& settings,
                          const std::string& spec) {
  if (frames.empty()) return {};
  const Image& first = frames.front();
  for (size_t i = 0; i < frames.size(); ++i) {
    const Image& f = frames[i];
    if (f.empty() || f.pixels.size() != static_cast<size_t>(f.width) * f.height * 3) {
      throw InvalidArgument("video codec '" + spec + "': frame " + std::to_string(i) +
                            " is empty or its pixel buffer does not match its size");
    }
    if (f.width != first.width || f.height != first.height) {
      throw InvalidArgument("video codec '" + spec +
                            "': all frames of a clip must have the "
                            "same size; frame 0 is " +
                            std::to_string(first.width) + "x" + std::to_string(first.height) +
                            " but frame " + std::to_string(i) + " is " + std::to_string(f.width) +
                            "x" + std::to_string(f.height));
    }
  }
  ClipCoder coder(settings, spec, first.width, first.height, frames.size());
  for (size_t i = 0; i < frames.size(); ++i) coder.encode(frames[i], static_cast<int64_t>(i));
  return coder.finish();
}

}  // namespace robusthide
