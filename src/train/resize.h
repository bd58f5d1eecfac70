// Bilinear resizing of 8-bit RGB images (used to bring small photos up to the crop size).
#pragma once

#include "robusthide/image.h"

namespace robusthide {

// Resizes `image` to width x height with bilinear interpolation, pixel centres aligned
// (OpenCV INTER_LINEAR / torch interpolate align_corners=false), edges clamped, results
// rounded to nearest. No anti-aliasing: meant for enlarging. Throws InvalidArgument for
// an empty image or a size < 1.
Image resize_bilinear(const Image& image, int width, int height);

}  // namespace robusthide
