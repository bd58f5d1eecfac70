// Binary PPM/PGM (netpbm P6/P5), the format cjpeg reads and djpeg writes by default.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "robusthide/image.h"

namespace robusthide {

// True when `data` starts like a binary PPM or PGM ("P6" or "P5" and whitespace).
bool looks_like_pnm(const uint8_t* data, size_t size);

// Encodes an image as binary PPM (P6, maxval 255).
std::vector<uint8_t> encode_ppm(const Image& image);

// Decodes P6 (RGB) or P5 (gray -> R=G=B), maxval 1..65535 (rescaled to 0..255 with
// rounding; 16-bit samples are big-endian). Header comments are allowed. Data after the
// raster is ignored. Throws IoError naming `name` for malformed or truncated data.
Image decode_pnm(const uint8_t* data, size_t size, const std::string& name);

}  // namespace robusthide
