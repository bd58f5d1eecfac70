// Format sniffing, shared decode helpers, decode_image and read_image.
#include <cstring>

#include "image/formats.h"
#include "robusthide/error.h"
#include "robusthide/file_io.h"

namespace robusthide {
namespace image_detail {

SniffedFormat sniff_format(const uint8_t* data, size_t size) {
  static const uint8_t kPngMagic[8] = {0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A};
  if (size >= 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF)
    return SniffedFormat::kJpeg;
  if (size >= 8 && std::memcmp(data, kPngMagic, 8) == 0) return SniffedFormat::kPng;
  if (size >= 12 && std::memcmp(data, "RIFF", 4) == 0 && std::memcmp(data + 8, "WEBP", 4) == 0) {
    return SniffedFormat::kWebp;
  }
  return SniffedFormat::kUnknown;
}

std::string decode_error(const std::string& name, const std::string& problem) {
  return "cannot read image '" + name + "': " + problem;
}

void check_dimensions(int64_t width, int64_t height, const char* format, const std::string& name) {
  if (width <= 0 || height <= 0) {
    throw IoError(decode_error(name, std::string("invalid ") + format + " dimensions " +
                                         std::to_string(width) + "x" + std::to_string(height)));
  }
  if (width * height > kMaxImagePixels) {
    throw IoError(decode_error(name, std::string(format) + " image too large (" +
                                         std::to_string(width) + "x" + std::to_string(height) +
                                         " exceeds the limit of " +
                                         std::to_string(kMaxImagePixels) + " pixels)"));
  }
}

void rgba_over_white(const uint8_t* rgba, size_t count, uint8_t* rgb) {
  for (size_t i = 0; i < count; ++i, rgba += 4, rgb += 3) {
    unsigned a = rgba[3];
    if (a == 255) {
      rgb[0] = rgba[0];
      rgb[1] = rgba[1];
      rgb[2] = rgba[2];
      continue;
    }
    unsigned white = 255 * (255 - a);
    // Rounded (c * a + 255 * (255 - a)) / 255.
    for (int c = 0; c < 3; ++c) rgb[c] = static_cast<uint8_t>((rgba[c] * a + white + 127) / 255);
  }
}

}  // namespace image_detail

Image decode_image(const uint8_t* data, size_t size, const std::string& name) {
  using image_detail::SniffedFormat;
  if (data == nullptr || size == 0) throw IoError(image_detail::decode_error(name, "empty file"));
  switch (image_detail::sniff_format(data, size)) {
    case SniffedFormat::kJpeg:
      return image_detail::decode_jpeg(data, size, name);
    case SniffedFormat::kPng:
      return image_detail::decode_png(data, size, name);
    case SniffedFormat::kWebp:
      return image_detail::decode_webp(data, size, name);
    case SniffedFormat::kUnknown:
      break;
  }
  throw IoError(image_detail::decode_error(
      name, "unrecognised format (not JPEG, PNG or WebP; " + std::to_string(size) + " bytes)"));
}

Image read_image(const std::string& path) {
  std::vector<uint8_t> bytes = read_file(path);
  return decode_image(bytes.data(), bytes.size(), path);
}

}  // namespace robusthide
