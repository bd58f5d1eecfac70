// WebP decode with libwebp (lossy, lossless, alpha; animations give their first frame).
#include <webp/decode.h>
#include <webp/demux.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "image/formats.h"
#include "robusthide/error.h"

namespace robusthide {
namespace image_detail {
namespace {

std::string status_text(VP8StatusCode status) {
  switch (status) {
    case VP8_STATUS_OK:
      return "ok";
    case VP8_STATUS_OUT_OF_MEMORY:
      return "out of memory";
    case VP8_STATUS_INVALID_PARAM:
      return "invalid parameter";
    case VP8_STATUS_BITSTREAM_ERROR:
      return "bitstream error";
    case VP8_STATUS_UNSUPPORTED_FEATURE:
      return "unsupported feature";
    case VP8_STATUS_SUSPENDED:
      return "suspended";
    case VP8_STATUS_USER_ABORT:
      return "user abort";
    case VP8_STATUS_NOT_ENOUGH_DATA:
      return "not enough data";
  }
  return "status " + std::to_string(static_cast<int>(status));
}

std::string problem(VP8StatusCode status) {
  const char* kind = status == VP8_STATUS_NOT_ENOUGH_DATA ? "truncated" : "corrupt";
  return std::string(kind) + " WebP data (libwebp: " + status_text(status) + ")";
}

struct DemuxDeleter {
  void operator()(WebPDemuxer* demux) const { WebPDemuxDelete(demux); }
};

// Releases a frame iterator.
class FrameIterator {
 public:
  FrameIterator() = default;
  ~FrameIterator() { WebPDemuxReleaseIterator(&iter_); }
  FrameIterator(const FrameIterator&) = delete;
  FrameIterator& operator=(const FrameIterator&) = delete;
  WebPIterator* get() { return &iter_; }

 private:
  WebPIterator iter_{};
};

// Decodes a still WebP bitstream (w x h) into `out` at `stride` bytes per row: RGB
// directly, or RGBA into a frame-sized buffer composited over white when it has alpha.
void decode_into(const uint8_t* data, size_t size, int w, int h, bool alpha, uint8_t* out,
                 size_t stride, const std::string& name) {
  WebPDecoderConfig config;
  if (!WebPInitDecoderConfig(&config))
    throw IoError(decode_error(name, "libwebp version mismatch"));
  const size_t count = static_cast<size_t>(w) * h;
  std::vector<uint8_t> rgba(alpha ? count * 4 : 0);
  config.output.colorspace = alpha ? MODE_RGBA : MODE_RGB;
  config.output.is_external_memory = 1;
  config.output.u.RGBA.rgba = alpha ? rgba.data() : out;
  config.output.u.RGBA.stride = alpha ? w * 4 : static_cast<int>(stride);
  config.output.u.RGBA.size = alpha ? rgba.size() : stride * (h - 1) + static_cast<size_t>(w) * 3;
  const VP8StatusCode status = WebPDecode(data, size, &config);
  WebPFreeDecBuffer(&config.output);  // no-op for external memory, kept for symmetry
  if (status != VP8_STATUS_OK) throw IoError(decode_error(name, problem(status)));
  if (!alpha) return;
  for (int y = 0; y < h; ++y) {
    rgba_over_white(rgba.data() + static_cast<size_t>(y) * w * 4, static_cast<size_t>(w),
                    out + static_cast<size_t>(y) * stride);
  }
}

// First frame of an animation as libwebp's animation decoder composites it on the
// canvas: on a transparent canvas, so the frame's rectangle holds the frame (over white)
// and the rest is white. Decoded from the frame alone: memory is the canvas's RGB plus
// the frame's RGBA at most (libwebp's decoder holds two RGBA canvases).
Image decode_first_frame(const uint8_t* data, size_t size, const std::string& name) {
  WebPData webp_data = {data, size};
  std::unique_ptr<WebPDemuxer, DemuxDeleter> demux(WebPDemux(&webp_data));
  if (!demux) throw IoError(decode_error(name, "corrupt or truncated animated WebP data"));
  const uint32_t cw = WebPDemuxGetI(demux.get(), WEBP_FF_CANVAS_WIDTH);
  const uint32_t ch = WebPDemuxGetI(demux.get(), WEBP_FF_CANVAS_HEIGHT);
  check_dimensions(cw, ch, "WebP", name);
  FrameIterator frame;
  if (!WebPDemuxGetFrame(demux.get(), 1, frame.get())) {
    throw IoError(decode_error(name, "corrupt or truncated animated WebP data (no first frame)"));
  }
  const WebPIterator& f = *frame.get();
  if (f.width <= 0 || f.height <= 0 || f.x_offset < 0 || f.y_offset < 0 ||
      static_cast<int64_t>(f.x_offset) + f.width > cw ||
      static_cast<int64_t>(f.y_offset) + f.height > ch) {
    throw IoError(
        decode_error(name, "corrupt animated WebP data (first frame outside the canvas)"));
  }
  Image image(static_cast<int>(cw), static_cast<int>(ch));
  std::fill(image.pixels.begin(), image.pixels.end(), 255);
  const size_t stride = static_cast<size_t>(image.width) * 3;
  uint8_t* origin =
      image.data() + static_cast<size_t>(f.y_offset) * stride + static_cast<size_t>(f.x_offset) * 3;
  WebPBitstreamFeatures features;
  const VP8StatusCode status = WebPGetFeatures(f.fragment.bytes, f.fragment.size, &features);
  if (status != VP8_STATUS_OK) throw IoError(decode_error(name, problem(status)));
  if (features.width != f.width || features.height != f.height) {
    throw IoError(decode_error(name, "corrupt animated WebP data (first frame size mismatch)"));
  }
  decode_into(f.fragment.bytes, f.fragment.size, f.width, f.height, features.has_alpha != 0, origin,
              stride, name);
  return image;
}

}  // namespace

Image decode_webp(const uint8_t* data, size_t size, const std::string& name) {
  WebPDecoderConfig config;
  if (!WebPInitDecoderConfig(&config))
    throw IoError(decode_error(name, "libwebp version mismatch"));
  VP8StatusCode status = WebPGetFeatures(data, size, &config.input);
  if (status != VP8_STATUS_OK) throw IoError(decode_error(name, problem(status)));
  check_dimensions(config.input.width, config.input.height, "WebP", name);
  if (config.input.has_animation) return decode_first_frame(data, size, name);

  Image image(config.input.width, config.input.height);
  decode_into(data, size, image.width, image.height, config.input.has_alpha != 0, image.data(),
              static_cast<size_t>(image.width) * 3, name);
  return image;
}

}  // namespace image_detail
}  // namespace robusthide
