// WebP decode with libwebp (lossy, lossless, alpha; animations give their first frame).
#include <webp/decode.h>
#include <webp/demux.h>

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
    case VP8_STATUS_OK: return "ok";
    case VP8_STATUS_OUT_OF_MEMORY: return "out of memory";
    case VP8_STATUS_INVALID_PARAM: return "invalid parameter";
    case VP8_STATUS_BITSTREAM_ERROR: return "bitstream error";
    case VP8_STATUS_UNSUPPORTED_FEATURE: return "unsupported feature";
    case VP8_STATUS_SUSPENDED: return "suspended";
    case VP8_STATUS_USER_ABORT: return "user abort";
    case VP8_STATUS_NOT_ENOUGH_DATA: return "not enough data";
  }
  return "status " + std::to_string(static_cast<int>(status));
}

std::string problem(VP8StatusCode status) {
  const char* kind = status == VP8_STATUS_NOT_ENOUGH_DATA ? "truncated" : "corrupt";
  return std::string(kind) + " WebP data (libwebp: " + status_text(status) + ")";
}

struct AnimDecoderDeleter {
  void operator()(WebPAnimDecoder* decoder) const { WebPAnimDecoderDelete(decoder); }
};

// First frame of an animation, composited on its canvas by libwebp's animation decoder.
Image decode_first_frame(const uint8_t* data, size_t size, const std::string& name) {
  WebPAnimDecoderOptions options;
  if (!WebPAnimDecoderOptionsInit(&options)) throw IoError(decode_error(name, "libwebp version mismatch"));
  options.color_mode = MODE_RGBA;
  options.use_threads = 0;
  WebPData webp_data = {data, size};
  std::unique_ptr<WebPAnimDecoder, AnimDecoderDeleter> decoder(WebPAnimDecoderNew(&webp_data, &options));
  if (!decoder) throw IoError(decode_error(name, "corrupt or truncated animated WebP data"));
  WebPAnimInfo info;
  if (!WebPAnimDecoderGetInfo(decoder.get(), &info)) {
    throw IoError(decode_error(name, "corrupt animated WebP data"));
  }
  check_dimensions(info.canvas_width, info.canvas_height, "WebP", name);
  uint8_t* rgba = nullptr;
  int timestamp = 0;
  if (!WebPAnimDecoderGetNext(decoder.get(), &rgba, &timestamp) || rgba == nullptr) {
    throw IoError(decode_error(name, "corrupt or truncated animated WebP data (first frame)"));
  }
  Image image(static_cast<int>(info.canvas_width), static_cast<int>(info.canvas_height));
  rgba_over_white(rgba, static_cast<size_t>(image.width) * image.height, image.data());
  return image;
}

}  // namespace

Image decode_webp(const uint8_t* data, size_t size, const std::string& name) {
  WebPDecoderConfig config;
  if (!WebPInitDecoderConfig(&config)) throw IoError(decode_error(name, "libwebp version mismatch"));
  VP8StatusCode status = WebPGetFeatures(data, size, &config.input);
  if (status != VP8_STATUS_OK) throw IoError(decode_error(name, problem(status)));
  check_dimensions(config.input.width, config.input.height, "WebP", name);
  if (config.input.has_animation) return decode_first_frame(data, size, name);

  Image image(config.input.width, config.input.height);
  const bool alpha = config.input.has_alpha != 0;
  const size_t count = static_cast<size_t>(image.width) * image.height;
  std::vector<uint8_t> rgba(alpha ? count * 4 : 0);
  config.output.colorspace = alpha ? MODE_RGBA : MODE_RGB;
  config.output.is_external_memory = 1;
  config.output.u.RGBA.rgba = alpha ? rgba.data() : image.data();
  config.output.u.RGBA.stride = image.width * (alpha ? 4 : 3);
  config.output.u.RGBA.size = alpha ? rgba.size() : image.size_bytes();
  status = WebPDecode(data, size, &config);
  WebPFreeDecBuffer(&config.output);  // no-op for external memory, kept for symmetry
  if (status != VP8_STATUS_OK) throw IoError(decode_error(name, problem(status)));
  if (alpha) rgba_over_white(rgba.data(), count, image.data());
  return image;
}

}  // namespace image_detail
}  // namespace robusthide
