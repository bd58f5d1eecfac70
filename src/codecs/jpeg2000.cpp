// jpeg2000:R — JPEG 2000 through OpenJPEG, in memory, with OpenCV's encoder settings.
//
// OpenCV's imwrite/imencode(".jp2", IMWRITE_JPEG2000_COMPRESSION_X1000 = R) writes a JP2
// file with opj_set_default_encoder_parameters() plus tcp_rates[0] = 1000/R (float),
// tcp_numlayers = 1, cp_disto_alloc = 1 — nothing else. Those defaults mean: reversible
// 5/3 wavelet, 6 resolutions, 64x64 code blocks, one tile, LRCP, and tcp_mct = 0, i.e. NO
// colour transform (R, G and B are coded as independent components; opj_compress would
// switch RCT on for 3 components). We do exactly that, except that the number of
// resolutions is lowered for images smaller than 32 pixels in a dimension, where
// OpenJPEG refuses 6 (OpenCV fails there). Streams are memory buffers with custom
// read/write/skip/seek callbacks; OpenJPEG's own worker threads are disabled since
// batches are already parallel.
#include <openjpeg.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "codecs/factories.h"
#include "robusthide/error.h"

namespace robusthide {
namespace {

struct CodecDeleter {
  void operator()(opj_codec_t* codec) const { opj_destroy_codec(codec); }
};
struct StreamDeleter {
  void operator()(opj_stream_t* stream) const { opj_stream_destroy(stream); }
};
struct ImageDeleter {
  void operator()(opj_image_t* image) const { opj_image_destroy(image); }
};
using OpjCodec = std::unique_ptr<opj_codec_t, CodecDeleter>;
using OpjStream = std::unique_ptr<opj_stream_t, StreamDeleter>;
using OpjImage = std::unique_ptr<opj_image_t, ImageDeleter>;

constexpr OPJ_SIZE_T kStreamChunk = 64 * 1024;  // OpenJPEG's internal stream buffer
constexpr int kDefaultResolutions = 6;          // opj_set_default_encoder_parameters

// A growable byte buffer with a cursor, behind both the write and the read stream.
struct MemoryBuffer {
  std::vector<uint8_t> data;
  size_t pos = 0;
};

OPJ_SIZE_T write_fn(void* src, OPJ_SIZE_T n, void* user) {
  auto* buf = static_cast<MemoryBuffer*>(user);
  if (buf->pos + n > buf->data.size()) buf->data.resize(buf->pos + n);
  std::memcpy(buf->data.data() + buf->pos, src, n);
  buf->pos += n;
  return n;
}

OPJ_SIZE_T read_fn(void* dst, OPJ_SIZE_T n, void* user) {
  auto* buf = static_cast<MemoryBuffer*>(user);
  if (buf->pos >= buf->data.size()) return static_cast<OPJ_SIZE_T>(-1);
  const size_t count = std::min<size_t>(n, buf->data.size() - buf->pos);
  std::memcpy(dst, buf->data.data() + buf->pos, count);
  buf->pos += count;
  return count;
}

// Writing may skip past the end (the gap is filled on a later write); reading may not.
OPJ_OFF_T write_skip_fn(OPJ_OFF_T n, void* user) {
  auto* buf = static_cast<MemoryBuffer*>(user);
  if (n < 0 && static_cast<size_t>(-n) > buf->pos) return -1;
  buf->pos = static_cast<size_t>(static_cast<OPJ_OFF_T>(buf->pos) + n);
  return n;
}

OPJ_OFF_T read_skip_fn(OPJ_OFF_T n, void* user) {
  auto* buf = static_cast<MemoryBuffer*>(user);
  if (n < 0 || buf->pos + static_cast<size_t>(n) > buf->data.size()) return -1;
  buf->pos += static_cast<size_t>(n);
  return n;
}

OPJ_BOOL write_seek_fn(OPJ_OFF_T n, void* user) {
  if (n < 0) return OPJ_FALSE;
  static_cast<MemoryBuffer*>(user)->pos = static_cast<size_t>(n);
  return OPJ_TRUE;
}

OPJ_BOOL read_seek_fn(OPJ_OFF_T n, void* user) {
  auto* buf = static_cast<MemoryBuffer*>(user);
  if (n < 0 || static_cast<size_t>(n) > buf->data.size()) return OPJ_FALSE;
  buf->pos = static_cast<size_t>(n);
  return OPJ_TRUE;
}

OpjStream make_stream(MemoryBuffer* buf, bool input) {
  OpjStream stream(opj_stream_create(kStreamChunk, input ? OPJ_STREAM_READ : OPJ_STREAM_WRITE));
  if (!stream) return stream;
  opj_stream_set_user_data(stream.get(), buf, nullptr);
  if (input) {
    opj_stream_set_user_data_length(stream.get(), buf->data.size());
    opj_stream_set_read_function(stream.get(), read_fn);
    opj_stream_set_skip_function(stream.get(), read_skip_fn);
    opj_stream_set_seek_function(stream.get(), read_seek_fn);
  } else {
    opj_stream_set_write_function(stream.get(), write_fn);
    opj_stream_set_skip_function(stream.get(), write_skip_fn);
    opj_stream_set_seek_function(stream.get(), write_seek_fn);
  }
  return stream;
}

// Keeps OpenJPEG's first error message for the exception.
void error_handler(const char* msg, void* user) {
  auto* out = static_cast<std::string*>(user);
  if (!out->empty()) return;
  *out = msg;
  while (!out->empty() && (out->back() == '\n' || out->back() == ' ')) out->pop_back();
}
void quiet_handler(const char*, void*) {}

void attach_handlers(opj_codec_t* codec, std::string* error) {
  opj_set_error_handler(codec, error_handler, error);
  opj_set_warning_handler(codec, quiet_handler, nullptr);
  opj_set_info_handler(codec, quiet_handler, nullptr);
}

// Largest resolution count <= 6 that OpenJPEG accepts: 2^(n-1) must not exceed either
// dimension of the (single) tile.
int resolutions_for(int width, int height) {
  int n = kDefaultResolutions;
  while (n > 1 && ((1 << (n - 1)) > width || (1 << (n - 1)) > height)) --n;
  return n;
}

class Jpeg2000Codec : public Codec {
 public:
  explicit Jpeg2000Codec(int rate_x1000) : rate_x1000_(rate_x1000) {}

  std::string spec() const override { return "jpeg2000:" + std::to_string(rate_x1000_); }

 protected:
  Image encode_decode(const Image& image, size_t* bytes) const override {
    if (image.empty() || image.pixels.size() != static_cast<size_t>(image.width) * image.height * 3)
      throw InvalidArgument("while encoding " + describe(image) + ": empty or malformed image");
    MemoryBuffer buf;
    buf.data.reserve(image.size_bytes() * rate_x1000_ / 1000 + 4096);  // target + headers
    encode(image, &buf);
    *bytes += buf.data.size();
    return decode(image, &buf);
  }

 private:
  std::string describe(const Image& image) const {
    return "JPEG 2000 rate " + std::to_string(rate_x1000_) + " (" + std::to_string(image.width) +
           "x" + std::to_string(image.height) + ")";
  }

  [[noreturn]] void fail(const std::string& action, const Image& image, const char* step,
                         const std::string& detail) const {
    throw CodecError("while " + action + " " + describe(image) + ": " + step +
                     (detail.empty() ? std::string() : ": " + detail));
  }

  void encode(const Image& image, MemoryBuffer* buf) const {
    const std::string action = "encoding";
    opj_cparameters_t params;
    opj_set_default_encoder_parameters(&params);
    params.tcp_rates[0] = 1000.0f / static_cast<float>(rate_x1000_);
    params.tcp_numlayers = 1;
    params.cp_disto_alloc = 1;
    params.numresolution = resolutions_for(image.width, image.height);

    opj_image_cmptparm_t comp_params[3];
    std::memset(comp_params, 0, sizeof comp_params);
    for (auto& c : comp_params) {
      c.dx = 1;
      c.dy = 1;
      c.w = static_cast<OPJ_UINT32>(image.width);
      c.h = static_cast<OPJ_UINT32>(image.height);
      c.prec = 8;
      c.sgnd = 0;
    }
    OpjImage opj_image(opj_image_create(3, comp_params, OPJ_CLRSPC_SRGB));
    if (!opj_image) fail(action, image, "opj_image_create failed", "out of memory");
    opj_image->x0 = 0;
    opj_image->y0 = 0;
    opj_image->x1 = static_cast<OPJ_UINT32>(image.width);
    opj_image->y1 = static_cast<OPJ_UINT32>(image.height);
    const size_t pixels = static_cast<size_t>(image.width) * image.height;
    const uint8_t* src = image.data();
    OPJ_INT32* planes[3] = {opj_image->comps[0].data, opj_image->comps[1].data,
                            opj_image->comps[2].data};
    for (size_t i = 0; i < pixels; ++i) {
      planes[0][i] = src[3 * i];
      planes[1][i] = src[3 * i + 1];
      planes[2][i] = src[3 * i + 2];
    }

    std::string error;
    OpjCodec codec(opj_create_compress(OPJ_CODEC_JP2));
    if (!codec) fail(action, image, "opj_create_compress failed", "");
    attach_handlers(codec.get(), &error);
    if (!opj_setup_encoder(codec.get(), &params, opj_image.get()))
      fail(action, image, "opj_setup_encoder failed", error);
    opj_codec_set_threads(codec.get(), 0);
    OpjStream stream = make_stream(buf, false);
    if (!stream) fail(action, image, "opj_stream_create failed", "");
    if (!opj_start_compress(codec.get(), opj_image.get(), stream.get()))
      fail(action, image, "opj_start_compress failed", error);
    if (!opj_encode(codec.get(), stream.get())) fail(action, image, "opj_encode failed", error);
    if (!opj_end_compress(codec.get(), stream.get()))
      fail(action, image, "opj_end_compress failed", error);
  }

  Image decode(const Image& image, MemoryBuffer* buf) const {
    const std::string action = "decoding";
    buf->pos = 0;
    std::string error;
    OpjCodec codec(opj_create_decompress(OPJ_CODEC_JP2));
    if (!codec) fail(action, image, "opj_create_decompress failed", "");
    attach_handlers(codec.get(), &error);
    opj_dparameters_t params;
    opj_set_default_decoder_parameters(&params);
    if (!opj_setup_decoder(codec.get(), &params))
      fail(action, image, "opj_setup_decoder failed", error);
    opj_codec_set_threads(codec.get(), 0);
    OpjStream stream = make_stream(buf, true);
    if (!stream) fail(action, image, "opj_stream_create failed", "");
    opj_image_t* raw = nullptr;
    if (!opj_read_header(stream.get(), codec.get(), &raw))
      fail(action, image, "opj_read_header failed", error);
    OpjImage decoded(raw);
    if (!opj_decode(codec.get(), stream.get(), decoded.get()))
      fail(action, image, "opj_decode failed", error);
    if (!opj_end_decompress(codec.get(), stream.get()))
      fail(action, image, "opj_end_decompress failed", error);

    if (decoded->numcomps != 3) fail(action, image, "unexpected component count", "");
    for (int c = 0; c < 3; ++c) {
      const opj_image_comp_t& comp = decoded->comps[c];
      if (comp.w != static_cast<OPJ_UINT32>(image.width) ||
          comp.h != static_cast<OPJ_UINT32>(image.height) || comp.prec != 8 || comp.sgnd ||
          comp.data == nullptr) {
        fail(action, image, "decoded image has an unexpected layout", "");
      }
    }
    Image out(image.width, image.height);
    const size_t pixels = static_cast<size_t>(image.width) * image.height;
    uint8_t* dst = out.data();
    for (int c = 0; c < 3; ++c) {
      const OPJ_INT32* plane = decoded->comps[c].data;
      for (size_t i = 0; i < pixels; ++i)
        dst[3 * i + c] = static_cast<uint8_t>(std::clamp<OPJ_INT32>(plane[i], 0, 255));
    }
    return out;
  }

  int rate_x1000_;  // 1..1000: target size rate_x1000_/1000 of the raw 24-bit image
};

}  // namespace

std::unique_ptr<Codec> make_jpeg2000_codec(const SpecNode& spec) {
  spec.expect(1, {}, "jpeg2000:R with R in 1..1000 (target size R/1000 of the raw image)");
  return std::make_unique<Jpeg2000Codec>(
      spec.int_param(spec.positional(0), 1, 1000, "rate (x1000)"));
}

}  // namespace robusthide
