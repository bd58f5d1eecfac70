// 8-bit RGB images and reading/writing them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace robusthide {

// An 8-bit RGB image, pixels interleaved (R,G,B), rows top to bottom, no padding.
struct Image {
  int width = 0;
  int height = 0;
  std::vector<uint8_t> pixels;  // width * height * 3 bytes

  Image() = default;
  Image(int w, int h) : width(w), height(h), pixels(static_cast<size_t>(w) * h * 3, 0) {}

  bool empty() const { return width == 0 || height == 0; }
  size_t size_bytes() const { return pixels.size(); }
  uint8_t* data() { return pixels.data(); }
  const uint8_t* data() const { return pixels.data(); }
  bool operator==(const Image& o) const {
    return width == o.width && height == o.height && pixels == o.pixels;
  }
  bool operator!=(const Image& o) const { return !(*this == o); }
};

// Largest image robusthide decodes: 2^27 pixels (e.g. 16384 x 8192). Larger images,
// and images with a zero or negative dimension, are rejected before any allocation.
constexpr int64_t kMaxImagePixels = int64_t{1} << 27;

// Decodes a JPEG, PNG or WebP file held in memory into 8-bit RGB. The format is sniffed
// from the magic bytes (FF D8 FF; 89 "PNG"; "RIFF" .... "WEBP"), never from a name.
// Conversions:
//  - grayscale (JPEG, or PNG at any bit depth) -> R = G = B;
//  - CMYK/YCCK JPEG -> RGB with R = (255 - C)(255 - K) / 255 (G from M, B from Y) on ink
//    values. Files with an Adobe APP14 marker (Photoshop, TurboJPEG/libjpeg CMYK output)
//    store inverted values C' = 255 - C, so there R = C' K' / 255 (Pillow reads CMYK JPEGs
//    the same way, as "CMYK;I"); files without the marker are taken as plain ink values.
//    No colour management (ICC profiles are ignored);
//  - palette PNG -> RGB (tRNS entries become alpha); 16-bit PNG -> 8-bit (high byte, i.e.
//    rounded down); PNG gAMA/iCCP/sRGB chunks are ignored (values are taken as stored);
//  - any alpha channel (PNG RGBA / gray+alpha / tRNS, WebP alpha) is composited over white:
//    out = round((c * a + 255 * (255 - a)) / 255);
//  - animated WebP -> its first frame as composited on the canvas by libwebp.
// Decoder warnings are errors: a truncated JPEG is rejected, not decoded with a grey bottom.
// Throws IoError "cannot read image '<name>': <problem>" for empty, truncated, corrupt,
// unsupported or oversized data (dimensions checked from the header before allocating).
Image decode_image(const uint8_t* data, size_t size, const std::string& name);

// Reads and decodes an image file (format sniffed from its first bytes, not its name).
Image read_image(const std::string& path);

// Output formats.
enum class ImageFormat { kPng, kJpeg };

// Options for writing images.
struct WriteOptions {
  // JPEG quality 1..100 (ignored for PNG).
  int jpeg_quality = 95;
  // JPEG chroma subsampling: 444, 422 or 420 (ignored for PNG).
  int jpeg_subsampling = 444;
};

// Encodes an image into memory. Throws InvalidArgument for an empty image, a pixel buffer
// that is not width * height * 3 bytes, quality outside 1..100 or another subsampling.
std::vector<uint8_t> encode_image(const Image& image, ImageFormat format,
                                  const WriteOptions& options = {});

// Format chosen from a file name's extension (.png, .jpg, .jpeg, case-insensitive).
// Throws InvalidArgument for any other extension.
ImageFormat format_from_path(const std::string& path);

// Writes an image atomically: to a temporary file in the same folder, then renamed
// over `path`, so a failure never leaves a half-written file behind. PNG: 8-bit RGB, zlib
// default level; JPEG: TurboJPEG, baseline, accurate integer DCT. Throws InvalidArgument
// for a bad extension/options (before touching the file system), IoError on write failure.
void write_image(const Image& image, const std::string& path, const WriteOptions& options = {});

}  // namespace robusthide
