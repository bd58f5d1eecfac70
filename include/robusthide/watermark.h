// Embedding and extracting watermarks in photos of any size: the everyday API.
//
// The networks work at the model's resolution S x S. An image of another size is
// resized (box filter) to S x S, the encoder's residual (encoded - cover) is computed
// there, scaled by the strength, resized back (bilinear) and added to the full-size
// image; extraction resizes the image to S x S and runs the decoder. An image of
// exactly S x S skips both resizes. docs/payload.md describes the payload layer.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "robusthide/attack.h"
#include "robusthide/embedding.h"
#include "robusthide/image.h"
#include "robusthide/model.h"
#include "robusthide/payload.h"

namespace robusthide {

// Embeds raw message bits (model.config.message_bits values, 0/1) into an image of any
// size: residual x strength, clamped and rounded to 8 bits. Throws InvalidArgument for a
// wrong message length, bits other than 0/1, an empty image or a strength outside
// [kMinStrength, kMaxStrength] (embedding.h).
// `grid`: tiles per side (mark_residual).
Image embed_bits(const Model& model, const Image& cover, const std::vector<uint8_t>& bits,
                 double strength = 1.0, int grid = 1);

// Largest grid (tiles per side) of the tiled mark.
constexpr int kMaxGrid = 8;

// Throws InvalidArgument "<what> must be in [1, 8], got G" outside that range.
void check_grid(int grid, const std::string& what = "grid");

// Pixels of a photo's longer side per tile of the automatic grid.
constexpr int kAutoGridPixels = 240;

// The automatic grid of a width x height photo: its longer side / kAutoGridPixels
// (rounded down), in [1, kMaxGrid]. A 481x321 photo gets 2 (the residual enlarged 1.9x
// along the longer side), 1920x1080 and larger 8, a 256-pixel image 1.
int auto_grid(int width, int height);

// embed_bits in two halves, for marks that reuse a residual (a video's frames):
// mark_residual is the shaped residual (1,3,S,S) at the model's size, strength included,
// computed from `cover` (same checks as embed_bits); apply_mark adds it to a cover of any
// size with that cover's own shaping mask and rounds to 8 bits. embed_bits(m, c, b, s, g) =
// apply_mark(m, c, mark_residual(m, c, b, s, g)).
//
// With grid G > 1 (the tiled mark) the cover is resized to G S x G S, cut into G x G
// tiles of S x S, each tile carries the same bits, and the residual is (1,3,G S,G S):
// enlarged G times less than one S x S residual, so the networks' finest pattern stays G
// times finer on the photo (docs/visibility.md, "The tiled mark"). extract_raw with the
// same G averages the decoder's outputs over the tiles.
torch::Tensor mark_residual(const Model& model, const Image& cover,
                            const std::vector<uint8_t>& bits, double strength = 1.0, int grid = 1);
Image apply_mark(const Model& model, const Image& cover, const torch::Tensor& residual);
// The same with another texture mask than the model's (Shaping's flat, texture, dark,
// coarse and luminance adaptation; its chroma is applied by mark_residual).
Image apply_mark(const Model& model, const Image& cover, const torch::Tensor& residual,
                 const Shaping& shaping);

// The decoder's raw outputs (message_bits values; a bit is 1 when > 0.5) for an image of
// any size; with grid G > 1 the mean over the G x G tiles of the image resized to
// G S x G S (mark_residual). Throws InvalidArgument for an empty image or a bad grid.
std::vector<float> extract_raw(const Model& model, const Image& image, int grid = 1);

// Raw outputs thresholded at 0.5.
std::vector<uint8_t> threshold_bits(const std::vector<float>& raw);

// What extraction found.
struct Extraction {
  bool found = false;             // decoded with false_positive <= the threshold
  bool decoded = false;           // the code found a codeword at all (soft decoding
                                  // reaches one for almost any input: not evidence of a
                                  // mark; `found` and false_positive are)
  int corrected = 0;              // bit errors the code corrected
  double false_positive = 1.0;    // chance an unmarked image matches this well
  std::vector<uint8_t> payload;   // payload bits (empty unless found)
  std::vector<uint8_t> raw_bits;  // the model's thresholded raw bits
  int grid = 1;                   // tiles per side it was read with
};

// A model with its payload code: what the CLI's embed and extract use.
class Watermarker {
 public:
  // Options of a Watermarker.
  struct Options {
    // BCH correction capability t (0 = the code's default, PayloadCode).
    int ecc_t = 0;
    // Residual multiplier of embed (1 = the model's trained strength).
    double strength = 1.0;
    // Largest false-positive probability extract accepts as "found" (the soft-decision
    // bound of PayloadCode::decode_soft). With the 64-bit code the default accepts up to 3
    // errors anywhere (p = 3.3e-4), or any errors among the 8 least reliable bits with at
    // most 1 more elsewhere; it rejects 4 errors among reliable bits (p = 5.1e-3).
    double max_false_positive = 1e-3;
    // The strength search of embed(): a photo whose mark is too weak gets more strength.
    // embed() tries `strength`, then x1.25 steps up to kMaxStrength, and keeps the first
    // mark whose payload reads back after each of these checks (attack specs of
    // make_attack, run in memory on the whole photo: image codecs, resize, blur, quant,
    // chained with chain(...); random attacks and video codecs are refused, so the verdict
    // is always the same); when none does, or when a raise would make a flat pixel
    // visibly changed (CIEDE2000 > 2, perceptual.h) that was not at `strength`, the mark
    // at `strength` (a mark made visible or raised in vain is worse). Photos the mark hides
    // well stay at `strength`; the few with little texture (a dark forest over snow) get
    // what they need. Empty = `strength` for every photo.
    std::vector<std::string> check = {"jpeg:50", "webp:50", "chain(resize:0.5,jpeg:85)"};
    // The quiet mark the search tries first (only with a check): the model's shaping with
    // a flat share of at most quiet_flat, dark attenuation from grey quiet_dark up and the
    // coarse texture mask (Shaping, model.h), from `strength` up in x1.25 steps to
    // kMaxStrength under the search's rule below. Smooth and dark backgrounds then carry
    // almost nothing, where the model's own mark shows as faint bars (docs/visibility.md,
    // "Session 12"); a photo whose quiet mark fails a check at every strength gets the
    // search over the model's own shaping. The decoder is the same either way. On by
    // default since the tiled mark: with the default model and checks it marked 99 of the
    // 100 val photos quietly and took the bars out of their dark backgrounds, at the cost
    // of margin against attacks that are not checked (JPEG Q10 90% -> 73% of the photos,
    // resize 75% + WebP 75 99% -> 98%; docs/visibility.md, "The tiled mark").
    bool quiet = true;
    double quiet_flat = 0.05;  // Shaping::flat of the quiet mark (the smaller of the two)
    double quiet_dark = 32;    // Shaping::dark of the quiet mark (the larger of the two)
    // Tiles per side of the mark (mark_residual), or 0 = automatic. Automatic: embed
    // marks auto_grid(photo) tiles, so that the networks' pattern is enlarged about 1.9x
    // whatever the photo's size (its bars in smooth, dark backgrounds stay fine; on the
    // 481x321 val photos: 2, and extraction averages four tiles, also more robust: JPEG
    // Q10 85% -> 90%), and extract tries every grid 1..kMaxGrid (a resized photo's size
    // no longer tells), keeps the best reading and counts kMaxGrid tests in its
    // false-positive probability. G in [1, kMaxGrid]: that grid on both sides. Video files
    // (video.h) use G, or 1 when automatic. docs/visibility.md, "The tiled mark".
    int grid = 0;
  };

  // What embed() chose for one photo.
  struct MarkChoice {
    double strength = 1.0;  // the strength of the mark returned
    bool quiet = false;     // true: the quiet shaping (Options::quiet) was used
    int grid = 1;           // tiles per side of the mark
  };

  // Throws InvalidArgument for bad options. A model of fewer than 7 bits has no payload
  // code (has_code() is false): it embeds and extracts raw bits only.
  Watermarker(Model model, const Options& options);

  const Model& model() const { return model_; }
  bool has_code() const { return code_ != nullptr; }
  // Throws InvalidArgument when !has_code().
  const PayloadCode& code() const;
  const Options& options() const { return options_; }
  // The canonical specs of the checks (Options::check as Attack::spec() writes them);
  // empty when the model has no payload code, which is never searched.
  std::vector<std::string> check_specs() const;

  // Embeds capacity_bits() payload bits (payload_from_text / payload_from_hex), with the
  // quiet mark and strength search of Options::check; *choice (when given) receives what
  // was chosen.
  Image embed(const Image& cover, const std::vector<uint8_t>& payload,
              MarkChoice* choice = nullptr) const;
  // The shaping of the quiet mark (Options::quiet_flat, quiet_dark).
  Shaping quiet_shaping() const;
  // The grid embed() uses for this cover: Options::grid, or auto_grid of its size.
  int embed_grid(const Image& cover) const;
  // The residual embed() adds for this payload, from `cover` (mark_residual): apply it
  // with apply_mark(model(), image, residual) to this or a similar image.
  torch::Tensor residual(const Image& cover, const std::vector<uint8_t>& payload) const;
  // Raw bits always; the payload when has_code() (else found and decoded stay false).
  // With the automatic grid, the best of the readings at every grid (a found one first,
  // then the smallest false-positive probability), each counted as kMaxGrid tests.
  Extraction extract(const Image& image) const;
  // The same from the decoder's raw outputs (e.g. averaged over video frames). The
  // false-positive probability is multiplied by `tests` (capped at 1): the chance that
  // any of that many unmarked inputs matches this well.
  Extraction extract_from_raw(const std::vector<float>& raw, double tests = 1) const;

 private:
  // The first strength from `start` up (x1.25 steps to kMaxStrength) whose mark with
  // `shaping` passes the checks, with that mark; none when a raise would make a flat pixel
  // visibly changed that was not at `start`, or when no strength passes.
  std::optional<std::pair<Image, double>> search(const Image& cover, const torch::Tensor& unit,
                                                 const Shaping& shaping, double start,
                                                 const std::vector<uint8_t>& payload,
                                                 int grid) const;
  // True when the payload reads back at `grid` after every check.
  bool survives_checks(const Image& marked, const std::vector<uint8_t>& payload, int grid) const;
  // The reading at one grid, false positives counted for the grids extract() tries.
  Extraction extract_at(const Image& image, int grid) const;

  Model model_;
  std::shared_ptr<const PayloadCode> code_;
  Options options_;
  std::vector<std::string> check_specs_;  // Options::check, canonical (Attack::spec())
};

// Where the CLI looks for a model when none is named, in order: $ROBUSTHIDE_MODEL; next
// to the executable: ../share/robusthide/models/default.pt (`cmake --install`), ../models/
// default.pt (a build folder inside the source tree). The library knows no source path.
// Returns the first file that exists; throws IoError listing the places looked at and
// naming --model and ROBUSTHIDE_MODEL.
std::string default_model_path();

}  // namespace robusthide
