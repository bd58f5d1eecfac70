// Internal per-format decoders/encoders behind robusthide/image.h.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "robusthide/image.h"

namespace robusthide {
namespace image_detail {

enum class SniffedFormat { kUnknown, kJpeg, kPng, kWebp };

// Format from magic bytes: FF D8 FF (JPEG), 89 'PNG' 0D 0A 1A 0A, 'RIFF' .... 'WEBP'.
SniffedFormat sniff_format(const uint8_t* data, size_t size);

// "cannot read image '<name>': <problem>" — the prefix of every decode error.
std::string decode_error(const std::string& name, const std::string& problem);

// Throws IoError unless 0 < width, height and width * height <= kMaxImagePixels.
void check_dimensions(int64_t width, int64_t height, const char* format, const std::string& name);

// Composites `count` RGBA pixels over white into RGB (dst may not alias src).
void rgba_over_white(const uint8_t* rgba, size_t count, uint8_t* rgb);

// Per-format decoders; `data` has already been sniffed as the right format.
Image decode_jpeg(const uint8_t* data, size_t size, const std::string& name);
Image decode_png(const uint8_t* data, size_t size, const std::string& name);
Image decode_webp(const uint8_t* data, size_t size, const std::string& name);

// Per-format encoders; `image` has already been validated (non-empty, consistent size).
std::vector<uint8_t> encode_png(const Image& image);
std::vector<uint8_t> encode_jpeg(const Image& image, int quality, int subsampling);

}  // namespace image_detail
}  // namespace robusthide
