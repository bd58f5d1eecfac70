// The one embedding pipeline: how a message becomes a mark in an image, used alike by
// training, its validation, `evaluate`, and embed/extract (watermark.h, any image size).
//
//   residual = encoder(cover, message) - cover                       (model resolution)
//   shaped   = strength x shape_chroma(residual)                     (Shaping::chroma)
//   marked   = q8(cover + shaping_mask(cover) x shaped)              (photo resolution)
//   q8(x)    = round(clamp(x, 0, 1) x 255) / 255, ties to even, as when written to a file
//
// At the model's resolution S x S, embed_batch computes exactly this on tensors; for a
// photo of another size (watermark.h) the shaped residual is enlarged bilinearly to the
// photo's size and the mask is computed from the full-size photo, row by row. In
// training q8 is straight-through (value rounded, gradient of the clamp), so every BER the
// project reports -- training's validation, `evaluate`, whole photos -- is measured on
// 8-bit images. docs/visibility.md explains the shaping and its measurements.
#pragma once

#include <torch/torch.h>

#include <string>

#include "robusthide/model.h"

namespace robusthide {

// Strengths embed and evaluate accept (inclusive). Chosen from measurements of the
// default model (docs/results.md, "Strength"): over this range more strength never
// means more bit errors under JPEG; above about 2 the 8-bit clamp and the decoder
// saturate and errors rise again, while the mark is plainly visible (CIEDE2000 > 2).
constexpr double kMinStrength = 0.05;
constexpr double kMaxStrength = 2.0;

// Throws InvalidArgument "<what> must be in [0.05, 2], got X" outside that range.
void check_strength(double strength, const std::string& what = "strength");

// Per-pixel amplitude factor of the shaping (Shaping's texture mask x luminance
// adaptation) for covers (N,3,H,W) in [0,1]: (N,1,H,W), no gradient. All ones when the
// shaping has neither (flat = 1, no luminance adaptation).
torch::Tensor shaping_mask(const torch::Tensor& cover, const Shaping& shaping);

// The residual (N,3,H,W) with its chroma scaled by shaping.chroma: Y + chroma (r - Y),
// Y = 0.299 R + 0.587 G + 0.114 B of the residual. Differentiable.
torch::Tensor shape_chroma(const torch::Tensor& residual, const Shaping& shaping);

// q8 with a straight-through rounding: the value of round(clamp(x, 0, 1) x 255) / 255,
// the gradient of clamp(x, 0, 1) (the rounding passes the gradient unchanged; a value
// clamped away has none, as nothing the encoder does there reaches the image).
torch::Tensor quantize_8bit(const torch::Tensor& x);

// strength x shape_chroma(encoder(cover, message) - cover) for covers (N,3,S,S): the
// residual before the mask, at the model's resolution (float32). The networks' train/
// eval mode and gradient mode are the caller's.
torch::Tensor shaped_residual(const Model& model, const torch::Tensor& cover,
                              const torch::Tensor& message, double strength);

// q8(cover + shaping_mask(cover) x strength x shape_chroma(residual)) for covers and
// residuals (N,3,S,S): the last step of every mark, bits (embed_batch) or a hidden image
// (hiding.h). Differentiable with respect to the residual (straight-through q8).
// `strength` must be finite and > 0; throws InvalidArgument otherwise.
torch::Tensor add_residual(const torch::Tensor& cover, const torch::Tensor& residual,
                           const Shaping& shaping, double strength);

// The marked images q8(cover + shaping_mask(cover) x shaped_residual(...)) of covers
// (N,3,S,S) with messages (N,L): float32 holding 8-bit values, differentiable with
// respect to the encoder through the straight-through q8. `strength` must be finite and
// > 0 (the CLI's range is checked by its callers with check_strength; training's
// warm-up goes above it). Throws InvalidArgument otherwise.
torch::Tensor embed_batch(const Model& model, const torch::Tensor& cover,
                          const torch::Tensor& message, double strength = 1.0);

// The decoder's raw outputs (N,L) for images (N,3,H,W) (a bit is 1 when > 0.5), float32.
torch::Tensor read_batch(const Model& model, const torch::Tensor& images);

}  // namespace robusthide
