// Networks (encoder, decoder, discriminator) and model files.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "robusthide/fields.h"

namespace robusthide {

// Ranges ModelConfig::validate enforces (inclusive). The "hidden" networks are fully
// convolutional at full resolution, so any image size works; 16..1024 only keeps the
// numbers sane. Other architectures may add their own checks (e.g. a multiple of 8).
constexpr int kMinImageSize = 16;
constexpr int kMaxImageSize = 1024;
constexpr int kMaxMessageBits = 1024;
constexpr int kMaxBlocks = 64;      // every *_blocks field: 1..kMaxBlocks
constexpr int kMaxChannels = 1024;  // every *_channels field: 1..kMaxChannels

// Everything that determines the shapes of a model's networks. The defaults are the
// paper's reference configuration ([HiDDeN], docs/references.md).
// Most weights a valid config may need (ModelConfig::min_parameters): 50 million floats
// (200 MB); the reference networks hold 0.5 million, the fast default 0.65 million.
constexpr int64_t kMaxParameters = 50'000'000;

// How the encoder's residual is shaped before it is added to a photo (the one embedding
// pipeline, embedding.h): the parts of the mark that are visible are held back where the
// photo cannot mask them. Part of the model: training and embedding must shape alike.
// With all fields at their "off" values (Shaping::none(), what model files written
// before shaping existed hold) the residual is added as the encoder made it.
struct Shaping {
  // Share of the residual's chroma kept: the residual r becomes Y(r) + chroma (r - Y(r))
  // per pixel, Y = 0.299 R + 0.587 G + 0.114 B. 0 = luminance only (no colour blotches);
  // 1 = off. Range [0, 1].
  double chroma = 0.0;
  // Texture masking: the residual's amplitude is multiplied per pixel by
  //   min(1, flat + sigma5 / texture) x lum
  // where sigma5 is the standard deviation of the cover's luminance Y (0..255) over the
  // pixel's 5x5 window (clipped at the borders), computed at the photo's own resolution.
  // flat = 1 turns the texture mask off. Range (0, 1].
  double flat = 0.25;
  // The sigma5 (0..255 scale) at which a pixel gets the full residual. Range [0.5, 255].
  double texture = 8.0;
  // Luminance adaptation: lum = S_L(L*) / (dL*/dV) at the 5x5 mean grey V, relative to
  // its value at V = 128 and clipped to [0.5, 1.5], so that a residual of the same
  // amplitude gives about the same CIEDE2000 lightness difference at every brightness
  // (dL*/dV: the slope of CIELAB lightness over 8-bit sRGB grey; S_L: CIEDE2000's
  // lightness weight). false = lum is 1.
  bool luminance_adaptation = true;
  // Dark attenuation: where the 5x5 mean grey V (0..255) is below `dark`, the amplitude
  // is further multiplied by (V / dark)^2, so near-black areas carry almost no mark (one
  // 8-bit level arranged in long runs is visible there although CIEDE2000 calls it
  // sub-threshold: docs/visibility.md). 0 = off. Range [0, 255].
  double dark = 0.0;
  // Coarse texture: for a photo of another size than the model's, the texture mask is
  // also computed on the photo brought to the model's size (where the encoder makes the
  // residual, whose pattern is enlarged with it) and enlarged bilinearly; each pixel
  // takes the smaller of the two masks. Grain finer than the enlarged pattern (sensor or
  // JPEG noise in a dark, smooth background) masks fine detail only, not the mark's
  // stripes of several pixels, so it no longer counts as texture (docs/visibility.md).
  // At the model's size both masks are the same: training is unchanged. false = the
  // full-size mask alone.
  bool coarse = false;

  // Every field at its "off" value: the residual passes unchanged.
  static Shaping none() { return Shaping{1.0, 1.0, 8.0, false, 0.0, false}; }
  // True when the residual passes unchanged (chroma 1, flat 1, no adaptation, no dark
  // attenuation).
  bool is_none() const {
    return chroma == 1.0 && flat == 1.0 && !luminance_adaptation && dark == 0.0;
  }
  bool operator==(const Shaping& o) const {
    return chroma == o.chroma && flat == o.flat && texture == o.texture &&
           luminance_adaptation == o.luminance_adaptation && dark == o.dark && coarse == o.coarse;
  }
  bool operator!=(const Shaping& o) const { return !(*this == o); }
};

struct ModelConfig {
  // Network family: "hidden" (the paper's reference HiDDeN networks) or "fast" (the
  // efficient ones: downsampling, spatial message map, fixed-energy residual; image_size
  // a multiple of 16, channels multiples of 4); see model_architectures().
  std::string architecture = "hidden";
  // Side of the square images the networks are trained on (and FLOPs are counted at).
  int image_size = 128;
  // Message length L in bits.
  int message_bits = 30;
  // Encoder: conv blocks on the image (3->C, then C->C) and their channels.
  int encoder_blocks = 4;
  int encoder_channels = 64;
  // Decoder: conv blocks (3->C, then C->C), then C->L, global pooling, Linear L->L.
  int decoder_blocks = 7;
  int decoder_channels = 64;
  // Discriminator: conv blocks, global pooling, Linear C->1.
  int discriminator_blocks = 3;
  int discriminator_channels = 64;
  // "fast" only: PSNR (dB, [10, 80]) of the encoder's residual at strength 1; the encoder
  // scales its residual to exactly this energy per image. Ignored by "hidden".
  double target_psnr = 38.0;
  // "fast" only: the layout of the message map (S/16 x S/16 cells at the encoder's
  // bottleneck). 0: one map over the whole image, every cell with its own values (a bit
  // may live in a few regions only). T > 0 (dividing S/16): a T x T tile repeated over
  // the grid, so every region carries every bit; the decoder averages the copies, and an
  // area the shaping empties (dark attenuation) weakens the bits instead of losing them.
  // Model files without the field load as 0. "hidden" needs 0.
  int message_tile = 0;
  // Perceptual shaping of the residual (see Shaping). Model files without this field
  // load as Shaping::none().
  Shaping shaping;

  // Throws InvalidArgument naming the first field out of range and its value
  // ("invalid model config: image_size = 8 is out of range [16, 1024]") or the unknown
  // architecture.
  // Also refuses configs whose networks would hold more than kMaxParameters weights
  // (min_parameters), so a crafted model file cannot make loading allocate gigabytes.
  void validate() const;
  // A lower bound of the weights the three networks of this config hold (their largest
  // layers), computed without building them.
  int64_t min_parameters() const;
  bool operator==(const ModelConfig& o) const;
  bool operator!=(const ModelConfig& o) const { return !(*this == o); }
  // One line from model_config_fields()' summary parts, e.g.
  // "hidden 128px 30 bits enc 4x64 dec 7x64 disc 3x64".
  std::string summary() const;
};

// One ModelConfig field (fields.h): model files (JSON), comparison, range checks,
// summary(), info's rows and train's CLI flags are derived from model_config_fields(), so
// a new field is one row there (and its member above). Shaping fields are "shaping.NAME";
// model files without the shaping object load Shaping::none().
using ModelConfigField = ConfigField<ModelConfig>;

// Every field of Shaping, keyed "shaping.NAME" (its rows in ModelConfig's and
// HidingConfig's tables).
const std::vector<ConfigField<Shaping>>& shaping_fields();

// Every field of ModelConfig, in file order.
const std::vector<ModelConfigField>& model_config_fields();

// Names of the known architectures ("hidden", ...).
std::vector<std::string> model_architectures();

// FLOPs convention of every flops() below: 2 x multiply-accumulates of the convolutions
// and Linear layers of one forward pass on one image of the configured size (C x C).
// Biases, batch norm, activations, pooling and the message expansion are not counted
// (they are < 1% of the total for the reference networks).

// Hides a message in images. Implementations are chosen by ModelConfig::architecture.
// Submodules are registered, so parameters(), named_parameters() (stable names such as
// "image_blocks.0.conv.weight"), save/load and to(device) cover the whole network.
class EncoderNet : public torch::nn::Module {
 public:
  // image (N,3,H,W) in [0,1], message (N,L) of 0/1 floats -> encoded (N,3,H,W), not
  // clamped. Training uses H = W = the configured image size; "hidden" accepts any H, W.
  // Throws InvalidArgument for wrong ranks, channel counts, batch sizes or message length.
  virtual torch::Tensor forward(const torch::Tensor& image, const torch::Tensor& message) = 0;
  // FLOPs of one forward pass on one image of the configured size.
  virtual int64_t flops() const = 0;
};

// Recovers the message from (N,3,H,W) images of any size: (N,L) raw values (no
// sigmoid); a bit is 1 when > 0.5. Throws InvalidArgument unless the input is (N,3,H,W).
class DecoderNet : public torch::nn::Module {
 public:
  virtual torch::Tensor forward(const torch::Tensor& image) = 0;
  // FLOPs of one forward pass on one image of the configured size.
  virtual int64_t flops() const = 0;
};

// Tells covers from encoded images: (N,3,H,W) -> (N,1) logits, cover = 1.
class DiscriminatorNet : public torch::nn::Module {
 public:
  virtual torch::Tensor forward(const torch::Tensor& image) = 0;
  // FLOPs of one forward pass on one image of the configured size.
  virtual int64_t flops() const = 0;
};

using Encoder = std::shared_ptr<EncoderNet>;
using Decoder = std::shared_ptr<DecoderNet>;
using Discriminator = std::shared_ptr<DiscriminatorNet>;

// Fresh networks for a validated config; weights drawn from torch's generator.
Encoder make_encoder(const ModelConfig& config);
Decoder make_decoder(const ModelConfig& config);
Discriminator make_discriminator(const ModelConfig& config);

// Where a model came from; stored in the model file.
struct Provenance {
  std::string attack;   // training attack spec
  int64_t steps = 0;    // optimizer steps done
  int64_t epochs = 0;   // whole passes over the training data
  std::string data;     // training data folders, ';'-separated
  uint64_t seed = 0;    // training seed
  std::string commit;   // source commit of the trainer (git describe), if known
  std::string created;  // UTC time the file was written, ISO 8601
  std::string notes;    // free text (e.g. the full command line)
  std::string device;   // where it was trained ("cpu", "cuda:0"); "" = not recorded

  bool operator==(const Provenance& o) const;
  bool operator!=(const Provenance& o) const { return !(*this == o); }
};

// A trained encoder/decoder pair (and the discriminator, which only training uses).
struct Model {
  ModelConfig config;
  Provenance provenance;
  Encoder encoder;
  Decoder decoder;
  Discriminator discriminator;

  // Fresh networks for `config` (validated), weights from torch's generator.
  explicit Model(const ModelConfig& config);
  // Moves all networks to `device`.
  void to(const torch::Device& device);
};

// The config and the provenance as JSON objects (compact text), as stored in model files.
std::string to_json(const ModelConfig& config);
std::string to_json(const Provenance& provenance);
// Parses what to_json(ModelConfig) wrote; throws InvalidArgument naming the missing or
// mistyped field. Does not validate the values (ModelConfig::validate does).
ModelConfig model_config_from_json(const std::string& json);

// Version of the model file format written and read by save_model / load_model. Version
// 1 (a LibTorch zip archive) is no longer read: LibTorch's reader runs TorchScript's type
// parser, which crafted files crash (docs/reliability.md).
constexpr int kModelFormatVersion = 2;

// Writes the model atomically (temporary file + rename): robusthide's checksummed
// container (src/util/archive.h) with magic "RHIDEMDL", "config" and "provenance" (JSON
// texts) and every parameter and batch-norm buffer as "encoder.<name>", "decoder.<name>",
// "discriminator.<name>". Throws IoError naming `path`; a failed save leaves no file.
// Refuses a model whose weights are not finite (a diverged training run).
void save_model(const Model& model, const std::string& path);

// Reads a model written by save_model; the networks are on the CPU, in training mode.
// Throws IoError "cannot load model 'PATH': <reason>" when the file is missing, empty,
// truncated or corrupt (checksums included), not a robusthide model, of an unknown
// format version, holds an invalid config, or weights that do not fit its config, or that
// are not finite (NaN, infinity). The config is checked against the stored weights before
// any network is built. Files over kMaxFileBytes are refused.
Model load_model(const std::string& path);

// True when every weight and buffer of the model is finite (no NaN or infinity).
bool has_finite_weights(const Model& model);

// Number of parameters (weights and biases; not batch-norm running statistics).
int64_t parameter_count(const torch::nn::Module& module);

}  // namespace robusthide
