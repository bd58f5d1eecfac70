// JPEG decode/encode with the TurboJPEG API (the shared per-thread handles, warnings are errors).
#include <turbojpeg.h>

#include <cstring>
#include <memory>
#include <string>

#include "image/formats.h"
#include "robusthide/error.h"
#include "util/turbojpeg.h"

namespace robusthide {
namespace image_detail {
namespace {

tjhandle decompressor() {
  const detail::TjHandle& handle = detail::tj_decompressor();
  if (!handle)
    throw IoError(std::string("cannot create a JPEG decompressor: ") + tjGetErrorStr2(nullptr));
  return handle.get();
}

tjhandle compressor() {
  const detail::TjHandle& handle = detail::tj_compressor();
  if (!handle)
    throw IoError(std::string("cannot create a JPEG compressor: ") + tjGetErrorStr2(nullptr));
  return handle.get();
}

// Describes a TurboJPEG failure; libjpeg's "Premature end of JPEG file" means truncation.
std::string describe_failure(tjhandle handle) {
  std::string message = tjGetErrorStr2(handle);
  bool truncated = message.find("Premature end") != std::string::npos ||
                   message.find("no image") != std::string::npos;
  return std::string(truncated ? "truncated" : "corrupt") + " JPEG data (" + message + ")";
}

// True when an Adobe APP14 marker precedes the first scan. Adobe's CMYK/YCCK JPEGs
// (Photoshop, ImageMagick, libjpeg when it writes CMYK) store inverted ink values.
bool has_adobe_marker(const uint8_t* data, size_t size) {
  size_t pos = 2;  // after SOI
  while (pos + 4 <= size) {
    if (data[pos] != 0xFF) return false;
    uint8_t marker = data[pos + 1];
    if (marker == 0xFF) {  // fill byte
      ++pos;
      continue;
    }
    if (marker == 0xDA || marker == 0xD9) return false;  // SOS / EOI
    if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD8)) {
      pos += 2;
      continue;
    }
    size_t length = (static_cast<size_t>(data[pos + 2]) << 8) | data[pos + 3];
    if (marker == 0xEE && length >= 7 && pos + 9 <= size &&
        std::memcmp(data + pos + 4, "Adobe", 5) == 0) {
      return true;
    }
    pos += 2 + length;
  }
  return false;
}

// CMYK -> RGB, R = (255 - C) * (255 - K) / 255 (and G from M, B from Y) on true ink values.
// Adobe-inverted files store 255 - ink, so there R = C' * K' / 255 on the stored values.
void cmyk_to_rgb(const uint8_t* cmyk, size_t count, bool inverted, uint8_t* rgb) {
  for (size_t i = 0; i < count; ++i, cmyk += 4, rgb += 3) {
    unsigned k = inverted ? cmyk[3] : 255u - cmyk[3];
    for (int c = 0; c < 3; ++c) {
      unsigned v = inverted ? cmyk[c] : 255u - cmyk[c];
      rgb[c] = static_cast<uint8_t>((v * k + 127) / 255);
    }
  }
}

}  // namespace

Image decode_jpeg(const uint8_t* data, size_t size, const std::string& name) {
  tjhandle handle = decompressor();
  // After a failure libjpeg's state in the handle may stay broken: drop the handle so
  // the next image on this thread gets a fresh one.
  auto failed = [&](const std::string& why) {
    IoError error(decode_error(name, why));
    detail::tj_decompressor().reset();
    return error;
  };
  int width = 0, height = 0, subsampling = 0, colorspace = 0;
  if (tjDecompressHeader3(handle, data, static_cast<unsigned long>(size), &width, &height,
                          &subsampling, &colorspace) != 0) {
    throw failed(describe_failure(handle));
  }
  if (width <= 0 || height <= 0) {  // the data ended (or broke) before a frame header
    throw failed("truncated or corrupt JPEG data (no frame header before the end of data)");
  }
  check_dimensions(width, height, "JPEG", name);
  const int flags = TJFLAG_STOPONWARNING | TJFLAG_LIMITSCANS;
  Image image(width, height);
  if (colorspace == TJCS_CMYK || colorspace == TJCS_YCCK) {
    std::unique_ptr<uint8_t[]> cmyk(new uint8_t[static_cast<size_t>(width) * height * 4]);
    if (tjDecompress2(handle, data, static_cast<unsigned long>(size), cmyk.get(), width, 0, height,
                      TJPF_CMYK, flags) != 0) {
      throw failed(describe_failure(handle));
    }
    cmyk_to_rgb(cmyk.get(), static_cast<size_t>(width) * height, has_adobe_marker(data, size),
                image.data());
    return image;
  }
  // Grayscale JPEGs are expanded to R = G = B by libjpeg itself.
  if (tjDecompress2(handle, data, static_cast<unsigned long>(size), image.data(), width, 0, height,
                    TJPF_RGB, flags) != 0) {
    throw failed(describe_failure(handle));
  }
  return image;
}

std::vector<uint8_t> encode_jpeg(const Image& image, int quality, int subsampling) {
  int tj_subsampling = subsampling == 444   ? TJSAMP_444
                       : subsampling == 422 ? TJSAMP_422
                                            : TJSAMP_420;
  tjhandle handle = compressor();
  // Compress straight into a vector sized for the worst case (no realloc, no copy).
  std::vector<uint8_t> out(tjBufSize(image.width, image.height, tj_subsampling));
  unsigned char* buffer = out.data();
  unsigned long size = static_cast<unsigned long>(out.size());
  if (tjCompress2(handle, image.data(), image.width, 0, image.height, TJPF_RGB, &buffer, &size,
                  tj_subsampling, quality, TJFLAG_ACCURATEDCT | TJFLAG_NOREALLOC) != 0) {
    throw IoError("while encoding JPEG q=" + std::to_string(quality) + " " +
                  std::to_string(image.width) + "x" + std::to_string(image.height) + ": " +
                  tjGetErrorStr2(handle));
  }
  out.resize(size);
  return out;
}

}  // namespace image_detail
}  // namespace robusthide
