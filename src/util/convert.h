// Pixel conversions between float CHW planes in [0,1] and 8-bit interleaved RGB.
#pragma once

#include <cstddef>
#include <cstdint>

#include "robusthide/image.h"

namespace robusthide {

// Converts one float (3, H, W) plane to RGB8: round(clamp(x, 0, 1) * 255), ties to even
// (the same values as torch's clamp -> mul -> round). `image` is resized to w x h.
void plane_to_image(const float* chw, int width, int height, Image* image);

// Converts RGB8 to a float (3, H, W) plane with values v / 255.
void image_to_plane(const Image& image, float* chw);

// The same for the w x h rectangle at (x, y) of `image` (which must contain it): writes a
// float (3, h, w) plane.
void crop_to_plane(const Image& image, int x, int y, int w, int h, float* chw);

// v / 255 for every byte value v (the division, exactly as image_to_plane computes it).
const float* byte_to_float_table();

// n floats to bytes: round(clamp(x, 0, 1) * 255), ties to even, NaN -> 0.
void floats_to_bytes(const float* in, size_t n, uint8_t* out);

}  // namespace robusthide
