// jpeg:Q[:420|422|444] — baseline JPEG through TurboJPEG (libjpeg-turbo), in memory.
//
// Settings match cjpeg/djpeg and OpenCV's defaults: libjpeg's standard tables scaled by
// Q, accurate integer DCT on both sides (TJFLAG_ACCURATEDCT: without it TurboJPEG
// compresses with the fast DCT below Q96), Huffman tables not optimised, fancy
// upsampling on decode. Each thread keeps its own compressor, decompressor and output
// buffer, so a round trip allocates nothing but the decoded image.
#include <turbojpeg.h>

#include <memory>
#include <string>

#include "codecs/factories.h"
#include "robusthide/error.h"
#include "util/turbojpeg.h"

namespace robusthide {
namespace {

struct TjBufferDeleter {
  void operator()(unsigned char* buffer) const { tjFree(buffer); }
};
using TjBuffer = std::unique_ptr<unsigned char, TjBufferDeleter>;

// Per-thread output buffer (the handles are util/turbojpeg.h's, also per thread).
struct TjState {
  TjBuffer buffer;             // compressed data, reused while large enough
  unsigned long capacity = 0;  // bytes allocated in `buffer`
};

TjState& thread_state() {
  thread_local TjState state;
  return state;
}

int subsampling_of(int code) {
  switch (code) {
    case 444:
      return TJSAMP_444;
    case 422:
      return TJSAMP_422;
    default:
      return TJSAMP_420;
  }
}

class JpegCodec : public Codec {
 public:
  JpegCodec(int quality, int subsampling) : quality_(quality), subsampling_(subsampling) {}

  std::string spec() const override {
    return "jpeg:" + std::to_string(quality_) + ":" + std::to_string(subsampling_);
  }

 protected:
  Image encode_decode(const Image& image, size_t* bytes) const override {
    if (image.empty() || image.pixels.size() != static_cast<size_t>(image.width) * image.height * 3)
      throw InvalidArgument("while encoding JPEG " + describe(image) +
                            ": empty or malformed image");
    TjState& tj = thread_state();
    const detail::TjHandle& compressor = detail::tj_compressor();
    detail::TjHandle& decompressor = detail::tj_decompressor();
    if (!compressor || !decompressor)
      throw CodecError("while encoding JPEG " + describe(image) + ": " + tjGetErrorStr2(nullptr));

    const int samp = subsampling_of(subsampling_);
    const unsigned long needed = tjBufSize(image.width, image.height, samp);
    if (needed == static_cast<unsigned long>(-1))
      throw CodecError("while encoding JPEG " + describe(image) + ": image too large");
    if (tj.capacity < needed) {
      tj.buffer.reset(tjAlloc(static_cast<int>(needed)));
      tj.capacity = tj.buffer ? needed : 0;
      if (!tj.buffer)
        throw CodecError("while encoding JPEG " + describe(image) + ": out of memory");
    }

    unsigned char* jpeg = tj.buffer.get();
    unsigned long jpeg_size = tj.capacity;
    if (tjCompress2(compressor.get(), image.data(), image.width, 0, image.height, TJPF_RGB, &jpeg,
                    &jpeg_size, samp, quality_, TJFLAG_ACCURATEDCT | TJFLAG_NOREALLOC) != 0) {
      throw CodecError("while encoding JPEG " + describe(image) + ": " +
                       tjGetErrorStr2(compressor.get()));
    }
    *bytes += jpeg_size;

    Image out(image.width, image.height);
    if (tjDecompress2(decompressor.get(), jpeg, jpeg_size, out.data(), out.width, 0, out.height,
                      TJPF_RGB, TJFLAG_ACCURATEDCT) != 0) {
      const std::string why = tjGetErrorStr2(decompressor.get());
      decompressor.reset();  // libjpeg's state may be broken after a failure
      throw CodecError("while decoding JPEG " + describe(image) + ": " + why);
    }
    return out;
  }

 private:
  std::string describe(const Image& image) const {
    return "q=" + std::to_string(quality_) + " " + std::to_string(subsampling_) + " (" +
           std::to_string(image.width) + "x" + std::to_string(image.height) + ")";
  }

  int quality_;      // 1..100
  int subsampling_;  // 420, 422 or 444
};

}  // namespace

std::unique_ptr<Codec> make_jpeg_codec(const SpecNode& spec) {
  const std::string usage = "jpeg:Q[:420|422|444] with quality Q in 1..100";
  spec.expect(2, {}, usage);
  const int quality = spec.int_param(spec.positional(0), 1, 100, "quality");
  int subsampling = 420;
  if (const std::string* s = spec.positional(1)) {
    if (*s != "420" && *s != "422" && *s != "444") {
      throw InvalidArgument("jpeg: chroma subsampling must be 420, 422 or 444, got '" + *s +
                            "' in spec '" + abbreviate(spec.text) + "'");
    }
    subsampling = std::stoi(*s);
  }
  return std::make_unique<JpegCodec>(quality, subsampling);
}

}  // namespace robusthide
