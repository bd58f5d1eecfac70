// webp:Q — lossy WebP through libwebp, in memory.
//
// Encoding does exactly what the simple API WebPEncodeRGB (used by OpenCV's imwrite)
// does inside libwebp — WebPConfigPreset(WEBP_PRESET_DEFAULT, Q), lossy, RGB imported
// straight to YUV 4:2:0 (use_argb = 0), WebPEncode into a memory writer — but through
// the advanced API so that failures report libwebp's error code and the writer's buffer
// is reused per thread. Decoding is WebPDecodeRGBInto (fancy upsampling).
#include <webp/decode.h>
#include <webp/encode.h>

#include <memory>
#include <string>

#include "codecs/factories.h"
#include "robusthide/error.h"

namespace robusthide {
namespace {

const char* encode_error_name(WebPEncodingError code) {
  switch (code) {
    case VP8_ENC_OK:
      return "ok";
    case VP8_ENC_ERROR_OUT_OF_MEMORY:
      return "out of memory";
    case VP8_ENC_ERROR_BITSTREAM_OUT_OF_MEMORY:
      return "out of memory while flushing bits";
    case VP8_ENC_ERROR_NULL_PARAMETER:
      return "null parameter";
    case VP8_ENC_ERROR_INVALID_CONFIGURATION:
      return "invalid configuration";
    case VP8_ENC_ERROR_BAD_DIMENSION:
      return "bad dimension (at most 16383x16383)";
    case VP8_ENC_ERROR_PARTITION0_OVERFLOW:
      return "partition 0 overflow (over 512 KiB)";
    case VP8_ENC_ERROR_PARTITION_OVERFLOW:
      return "partition overflow (over 16 MiB)";
    case VP8_ENC_ERROR_BAD_WRITE:
      return "write error";
    case VP8_ENC_ERROR_FILE_TOO_BIG:
      return "file too big (over 4 GiB)";
    case VP8_ENC_ERROR_USER_ABORT:
      return "aborted";
    default:
      return "unknown error";
  }
}

// Per-thread memory writer whose buffer is kept between round trips.
struct Writer {
  WebPMemoryWriter writer;
  Writer() { WebPMemoryWriterInit(&writer); }
  ~Writer() { WebPMemoryWriterClear(&writer); }
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;
};

struct PictureDeleter {
  void operator()(WebPPicture* picture) const { WebPPictureFree(picture); }
};

class WebpCodec : public Codec {
 public:
  explicit WebpCodec(int quality) : quality_(quality) {}

  std::string spec() const override { return "webp:" + std::to_string(quality_); }

 protected:
  Image encode_decode(const Image& image, size_t* bytes) const override {
    if (image.empty() || image.pixels.size() != static_cast<size_t>(image.width) * image.height * 3)
      throw InvalidArgument("while encoding WebP " + describe(image) +
                            ": empty or malformed image");

    thread_local Writer out;
    out.writer.size = 0;

    WebPConfig config;
    WebPPicture picture;
    if (!WebPConfigPreset(&config, WEBP_PRESET_DEFAULT, static_cast<float>(quality_)) ||
        !WebPPictureInit(&picture)) {
      throw CodecError("while encoding WebP " + describe(image) + ": libwebp version mismatch");
    }
    config.lossless = 0;
    picture.use_argb = 0;
    picture.width = image.width;
    picture.height = image.height;
    picture.writer = WebPMemoryWrite;
    picture.custom_ptr = &out.writer;
    std::unique_ptr<WebPPicture, PictureDeleter> guard(&picture);
    if (!WebPPictureImportRGB(&picture, image.data(), image.width * 3) ||
        !WebPEncode(&config, &picture)) {
      throw CodecError("while encoding WebP " + describe(image) + ": " +
                       encode_error_name(picture.error_code));
    }
    *bytes += out.writer.size;

    Image decoded(image.width, image.height);
    int width = 0, height = 0;
    if (!WebPGetInfo(out.writer.mem, out.writer.size, &width, &height) || width != image.width ||
        height != image.height ||
        WebPDecodeRGBInto(out.writer.mem, out.writer.size, decoded.data(), decoded.size_bytes(),
                          decoded.width * 3) == nullptr) {
      throw CodecError("while decoding WebP " + describe(image) +
                       ": libwebp could not decode its own output");
    }
    return decoded;
  }

 private:
  std::string describe(const Image& image) const {
    return "q=" + std::to_string(quality_) + " (" + std::to_string(image.width) + "x" +
           std::to_string(image.height) + ")";
  }

  int quality_;  // 1..100
};

}  // namespace

std::unique_ptr<Codec> make_webp_codec(const SpecNode& spec) {
  spec.expect(1, {}, "webp:Q with quality Q in 1..100");
  return std::make_unique<WebpCodec>(spec.int_param(spec.positional(0), 1, 100, "quality"));
}

}  // namespace robusthide
