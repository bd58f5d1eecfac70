// The two resamplings of the any-size watermark, computed row by row from and into 8-bit
// images, so that a photo at the pixel limit costs its bytes plus O(width) floats instead
// of several full-size float tensors (docs/image-io.md, "Memory").
#pragma once

#include <torch/torch.h>

#include "robusthide/image.h"
#include "robusthide/model.h"

namespace robusthide::detail {

// The area average of `image` (values v / 255) over out_h x out_w cells, with the cells
// of torch's adaptive_avg_pool2d (cell i covers rows floor(i H / out_h) to
// ceil((i + 1) H / out_h)). out_h <= height and out_w <= width. Returns (1, 3, out_h, out_w).
torch::Tensor area_average(const Image& image, int out_h, int out_w);

// The network's (1,3,S,S) view of an image of any size: the exact area average when
// shrinking (row by row from the bytes: no full-size float copy), bilinear when
// enlarging; the plain conversion when already S x S.
torch::Tensor to_model_size(const Image& image, int64_t size);

// Throws InvalidArgument "cannot ACTION: the image is empty or ..." for an empty image or
// one whose pixel buffer does not match its size.
void check_image(const Image& image, const char* action);

// cover + mask x residual enlarged (or shrunk) bilinearly to the cover's size (torch's
// interpolate, align_corners = false), rounded to 8 bits: round(clamp(x, 0, 1) * 255).
// The mask is the shaping mask of the full-size cover (embedding.h), computed row by
// row; with Shaping::coarse, the smaller of it and the mask of the cover at the
// residual's size, enlarged like the residual. `residual` is a CPU float (1, 3, h, w)
// tensor.
Image add_resampled(const Image& cover, const torch::Tensor& residual,
                    const Shaping& shaping = Shaping::none());

}  // namespace robusthide::detail
