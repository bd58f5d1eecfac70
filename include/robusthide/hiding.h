// Image-in-image hiding (the paper's Fig. 5): a hiding net turns a secret image into a
// residual that the one embedding pipeline adds to a cover (shaped, 8-bit), and a reveal
// net recovers the secret from the container after it was recompressed.
// docs/image-hiding.md.
//
//   residual  = hider(secret[, cover]) rescaled per image to mean |r| = target_apd / 255
//   container = q8(cover + shaping_mask(cover) x strength x shape_chroma(residual))
//   revealed  = revealer(container)                                   in [0, 1]
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "robusthide/fields.h"
#include "robusthide/image.h"
#include "robusthide/model.h"

namespace robusthide {

// Everything that determines the shapes of an image-hiding model's networks.
struct HidingConfig {
  // Side S of the square images the networks work at: cover crops and secrets in
  // training; a secret of another size is resized to S x S. A multiple of
  // 2^max(hider_levels, reveal_levels).
  int image_size = 128;
  // Hiding net: a U-Net of `hider_levels` 4x4 stride-2 convolutions down (channels
  // hider_channels, doubling per level) and 4x4 transposed convolutions up, with skips.
  int hider_levels = 3;
  int hider_channels = 32;
  // true: the hider sees the cover as well as the secret; false: the residual depends on
  // the secret only (cover-independent, as the authors' deep-hiding code offers), so one
  // residual serves every cover and any cover size.
  bool cover_aware = false;
  // Reveal net: a 3x3 stem at full resolution, `reveal_levels` 4x4 stride-2 levels
  // (reveal_channels, doubling), `reveal_blocks` 3x3 blocks at the bottom, transposed
  // convolutions back up with skips, a 3x3 output and a sigmoid.
  int reveal_levels = 2;
  int reveal_channels = 32;
  int reveal_blocks = 2;
  // The container's distortion budget: the hider's residual is rescaled per image to this
  // mean absolute value (in 1/255 units) before shaping, clamping and rounding, so the
  // networks spend a fixed budget and container quality is a knob, not a loss weight.
  double target_apd = 8.0;
  // Perceptual shaping of the residual (model.h); none by default (a whole image needs
  // every channel and region the cover offers).
  Shaping shaping = Shaping::none();

  // Throws InvalidArgument naming the first field out of range and its value.
  void validate() const;
  bool operator==(const HidingConfig& o) const;
  bool operator!=(const HidingConfig& o) const { return !(*this == o); }
  // One line, e.g. "hiding 128px hider 3x32 reveal 2x32+2 apd 8".
  std::string summary() const;
  // A lower bound of the weights the two networks hold (their stride-2 levels), computed
  // without building them: a model file must store at least this many.
  int64_t min_parameters() const;
};

// Every field of HidingConfig (fields.h), in file order: file JSON, comparison, range
// checks, summary() and CLI flags derive from it.
const std::vector<ConfigField<HidingConfig>>& hiding_config_fields();

// FLOPs as in model.h: 2 x multiply-accumulates of the convolutions on one S x S image.
class HiderNet : public torch::nn::Module {
 public:
  // secret and cover (N,3,S,S) in [0,1] (the cover is used only when cover_aware) ->
  // the residual (N,3,S,S), mean |r| = target_apd / 255 per image. Throws InvalidArgument
  // for other shapes.
  virtual torch::Tensor forward(const torch::Tensor& secret, const torch::Tensor& cover) = 0;
  virtual int64_t flops() const = 0;
};

class RevealNet : public torch::nn::Module {
 public:
  // containers (N,3,H,W), H and W multiples of 2^reveal_levels -> revealed (N,3,H,W) in
  // [0,1]. Throws InvalidArgument for other shapes.
  virtual torch::Tensor forward(const torch::Tensor& container) = 0;
  virtual int64_t flops() const = 0;
};

using Hider = std::shared_ptr<HiderNet>;
using Revealer = std::shared_ptr<RevealNet>;

// A hiding model: the two networks with their config and provenance.
struct HidingModel {
  HidingConfig config;
  Provenance provenance;
  Hider hider;
  Revealer revealer;

  // Fresh networks for `config` (validated), weights from torch's generator.
  explicit HidingModel(const HidingConfig& config);
  void to(const torch::Device& device);
};

// The containers q8(cover + shaping_mask(cover) x strength x shape_chroma(residual)) of
// covers and secrets (N,3,S,S): float32 holding 8-bit values, differentiable with respect
// to the hider through the straight-through q8. `strength` must be finite and > 0.
torch::Tensor hide_batch(const HidingModel& model, const torch::Tensor& cover,
                         const torch::Tensor& secret, double strength = 1.0);

// The revealed secrets (N,3,H,W) in [0,1] of containers (N,3,H,W).
torch::Tensor reveal_batch(const HidingModel& model, const torch::Tensor& containers);

// Photos of any size (the CLI's hide and reveal). The secret is brought to S x S (area
// average when shrinking, bilinear when enlarging; its aspect ratio is not kept); the
// hider's residual is made at S x S from it (and, when cover_aware, from the cover brought
// to S x S) and enlarged bilinearly to the cover's size, where the cover's own shaping
// mask applies -- the any-size path of the bit marks (watermark.h). Throws
// InvalidArgument for an empty image or a strength outside [kMinStrength, kMaxStrength].
Image hide_image(const HidingModel& model, const Image& cover, const Image& secret,
                 double strength = 1.0);

// The secret as hide_image sees it: brought to S x S (8-bit), what a revealed image is
// compared with.
Image secret_at_model_size(const HidingModel& model, const Image& secret);

// The revealed secret (S x S, 8-bit) of a container of any size: the container is brought
// to S x S as in hide_image and revealed there.
Image reveal_image(const HidingModel& model, const Image& container);

// The shipped image-hiding model hide and reveal use when none is named: as
// default_model_path() (watermark.h) with $ROBUSTHIDE_HIDING_MODEL and models/hiding.pt.
std::string default_hiding_model_path();

// Version of the image-hiding model file format (save_hiding_model / load_hiding_model).
constexpr int kHidingFormatVersion = 1;

// Writes the model atomically in robusthide's checksummed container (util/archive.h) with
// magic "RHIDEHID": "config" and "provenance" (JSON texts) and every parameter and
// batch-norm buffer as "hider.<name>" and "revealer.<name>". Throws IoError naming
// `path` (no file is left) and refuses weights that are not finite.
void save_hiding_model(const HidingModel& model, const std::string& path);

// Reads what save_hiding_model wrote; networks on the CPU, in training mode. Throws
// IoError "cannot load hiding model 'PATH': <reason>" for a missing, truncated or corrupt
// file, a bit model's file (another magic), an unknown version, an invalid config or
// weights that do not fit it or are not finite.
HidingModel load_hiding_model(const std::string& path);

// True when `path` starts with the image-hiding model file's magic (it may still be
// corrupt: load_hiding_model checks the rest); false for any other file or none.
bool is_hiding_model_file(const std::string& path);

// The config as a JSON object (compact text), as stored in hiding model files.
std::string to_json(const HidingConfig& config);

}  // namespace robusthide
