// Internal: constructors of the differentiable attacks (one file per attack or family)
// and the helpers they share. make_differentiable_attack dispatches on the name.
#pragma once

#include <string>

#include "robusthide/attack.h"
#include "util/spec.h"

namespace robusthide {

Attack make_crop_attack(const SpecNode& spec);          // crop:F[:FW]        crop.cpp
Attack make_cropout_attack(const SpecNode& spec);       // cropout:F[:FW]     crop.cpp
Attack make_dropout_attack(const SpecNode& spec);       // dropout:P          dropout.cpp
Attack make_resize_attack(const SpecNode& spec);        // resize:S[:MODE]    resize.cpp
Attack make_blur_attack(const SpecNode& spec);          // blur[:SIGMA[:K]]   blur.cpp
Attack make_noise_attack(const SpecNode& spec);         // noise:STD          noise.cpp
Attack make_jpeg_mask_attack(const SpecNode& spec);     // jpeg-mask          jpeg_mask.cpp
Attack make_jpeg_drop_attack(const SpecNode& spec);     // jpeg-drop[:Q]      jpeg_drop.cpp
Attack make_quantization_attack(const SpecNode& spec);  // quant              quantization.cpp
Attack make_diff_jpeg_attack(const SpecNode& spec);     // diffjpeg:Q[:420|444] diff_jpeg.cpp

// A floating-point parameter in (0, hi]; throws InvalidArgument in SpecNode's wording.
double positive_param(const SpecNode& spec, const std::string* value, double hi,
                      const std::string& what);

// TORCH_CHECKs that `x` is a floating-point (N,3,H,W) batch; `spec` names the attack.
void check_image_batch(const torch::Tensor& x, const std::string& spec);

// As above, and that `cover` has the shape of `encoded` (attacks that mix in the cover).
void check_cover(const torch::Tensor& encoded, const torch::Tensor& cover, const std::string& spec);

}  // namespace robusthide
