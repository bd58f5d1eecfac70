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

// Decodes a JPEG, PNG or WebP file held in memory into 8-bit RGB.
// Conversions: grayscale -> R=G=B; CMYK/YCCK JPEG -> RGB (Adobe inverted CMYK handled);
// palette PNG -> RGB; 16-bit PNG -> 8-bit (high byte, i.e. rounded down); any alpha
// channel is composited over white. `name` is used in error messages.
// Throws IoError for empty, truncated, corrupt, unsupported or oversized data.
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

// Encodes an image into memory.
std::vector<uint8_t> encode_image(const Image& image, ImageFormat format,
                                  const WriteOptions& options = {});

// Format chosen from a file name's extension (.png, .jpg, .jpeg, case-insensitive).
// Throws InvalidArgument for any other extension.
ImageFormat format_from_path(const std::string& path);

// Writes an image atomically: to a temporary file in the same folder, then renamed
// over `path`, so a failure never leaves a half-written file behind.
void write_image(const Image& image, const std::string& path, const WriteOptions& options = {});

// Writes bytes atomically (temporary file + rename). Throws IoError naming `path`.
void write_file_atomic(const std::string& path, const uint8_t* data, size_t size);

// Reads a whole file. Throws IoError naming `path` if it cannot be read.
std::vector<uint8_t> read_file(const std::string& path);

}  // namespace robusthide
