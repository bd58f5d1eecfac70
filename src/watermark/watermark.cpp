// embed_bits / extract_raw (any image size) and the Watermarker (payload on top).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "model/eval_mode.h"
#include "robusthide/attack.h"
#include "robusthide/embedding.h"
#include "robusthide/error.h"
#include "robusthide/perceptual.h"
#include "robusthide/tensor.h"
#include "robusthide/watermark.h"
#include "util/model_search.h"
#include "watermark/resample.h"

namespace robusthide {
namespace {

// A strength-search check must give the same verdict every time for the same photo:
// an attack whose output depends on the image alone (AttackImpl::deterministic). Returns
// its canonical spec; throws InvalidArgument naming the spec otherwise.
std::string check_spec(const std::string& spec) {
  const Attack attack = make_attack(spec);
  if (!attack->deterministic()) {
    throw InvalidArgument("strength-search check '" + spec +
                          "' is random or depends on the rest of a batch; a check takes image "
                          "codecs, resize, blur, quant, jpeg-mask or diffjpeg, chained with "
                          "chain(...), not crops, dropout, noise, choice, split or video codecs");
  }
  return attack->spec();
}

// (1,3,G S,G S) -> (G G,3,S,S), tiles in row-major order, and back.
torch::Tensor to_tiles(const torch::Tensor& x, int64_t grid, int64_t size) {
  return x.reshape({3, grid, size, grid, size})
      .permute({1, 3, 0, 2, 4})
      .reshape({grid * grid, 3, size, size});
}

// Tiles per network pass: bounds the activations' memory (64 tiles at once would hold
// several hundred MiB more) without changing the result.
constexpr int64_t kTilesPerPass = 8;

// f applied to the tiles (N,3,S,S) kTilesPerPass at a time, outputs concatenated.
template <typename F>
torch::Tensor by_chunks(const torch::Tensor& tiles, F f) {
  std::vector<torch::Tensor> parts;
  for (int64_t i = 0; i < tiles.size(0); i += kTilesPerPass) {
    parts.push_back(f(tiles.slice(0, i, std::min(tiles.size(0), i + kTilesPerPass))));
  }
  return torch::cat(parts, 0);
}

torch::Tensor from_tiles(const torch::Tensor& tiles, int64_t grid, int64_t size) {
  return tiles.reshape({grid, grid, 3, size, size})
      .permute({2, 0, 3, 1, 4})
      .reshape({1, 3, grid * size, grid * size});
}

}  // namespace

void check_grid(int grid, const std::string& what) {
  if (grid < 1 || grid > kMaxGrid) {
    throw InvalidArgument(what + " must be in [1, " + std::to_string(kMaxGrid) + "], got " +
                          std::to_string(grid));
  }
}

int auto_grid(int width, int height) {
  return std::clamp(std::max(width, height) / kAutoGridPixels, 1, kMaxGrid);
}

using detail::check_image;
using detail::to_model_size;

torch::Tensor mark_residual(const Model& model, const Image& cover,
                            const std::vector<uint8_t>& bits, double strength, int grid) {
  check_image(cover, "embed");
  const int bits_needed = model.config.message_bits;
  if (bits.size() != static_cast<size_t>(bits_needed)) {
    throw InvalidArgument("cannot embed: the model hides " + std::to_string(bits_needed) +
                          " bits, got a message of " + std::to_string(bits.size()));
  }
  for (const uint8_t b : bits) {
    if (b > 1) throw InvalidArgument("cannot embed: message bits must be 0 or 1");
  }
  check_strength(strength, "cannot embed: strength");
  check_grid(grid, "cannot embed: grid");
  torch::NoGradGuard no_grad;
  EvalModeGuard eval(*model.encoder);
  const int64_t size = model.config.image_size;
  const torch::Tensor tiles = to_tiles(to_model_size(cover, grid * size), grid, size);
  const torch::Tensor message =
      torch::tensor(std::vector<float>(bits.begin(), bits.end())).view({1, bits_needed});
  // The one pipeline (embedding.h): the shaped residual at S x S, per tile.
  const torch::Tensor residual =
      from_tiles(by_chunks(tiles,
                           [&](const torch::Tensor& part) {
                             return shaped_residual(model, part,
                                                    message.expand({part.size(0), bits_needed}),
                                                    strength);
                           }),
                 grid, size)
          .contiguous();
  if (!torch::isfinite(residual).all().item<bool>()) {
    throw Error(
        "cannot embed: the model's encoder produced non-finite values (NaN or "
        "infinity): the model is diverged or corrupt");
  }
  return residual;
}

Image apply_mark(const Model& model, const Image& cover, const torch::Tensor& residual) {
  return apply_mark(model, cover, residual, model.config.shaping);
}

Image apply_mark(const Model& model, const Image& cover, const torch::Tensor& residual,
                 const Shaping& shaping) {
  check_image(cover, "embed");
  const int64_t size = model.config.image_size;
  const int64_t side = residual.dim() == 4 ? residual.size(3) : 0;
  if (residual.dim() != 4 || residual.size(0) != 1 || residual.size(1) != 3 ||
      residual.size(2) != side || side % size != 0 || side / size < 1 || side / size > kMaxGrid) {
    throw InvalidArgument("cannot embed: the residual is not 1x3x(G S)x(G S) for the model's S = " +
                          std::to_string(size) + " and a grid G in [1, " +
                          std::to_string(kMaxGrid) + "]");
  }
  // The mask of the cover at its own size.
  if (cover.width == side && cover.height == side) {
    const torch::Tensor small = image_to_tensor(cover);
    return tensor_to_images(small + shaping_mask(small, shaping) * residual).at(0);
  }
  return detail::add_resampled(cover, residual, shaping);
}

Image embed_bits(const Model& model, const Image& cover, const std::vector<uint8_t>& bits,
                 double strength, int grid) {
  return apply_mark(model, cover, mark_residual(model, cover, bits, strength, grid));
}

std::vector<float> extract_raw(const Model& model, const Image& image, int grid) {
  check_image(image, "extract");
  check_grid(grid, "cannot extract: grid");
  torch::NoGradGuard no_grad;
  EvalModeGuard eval(*model.decoder);
  const int64_t size = model.config.image_size;
  const torch::Tensor x = to_tiles(to_model_size(image, grid * size), grid, size);
  const torch::Tensor out =
      by_chunks(x, [&](const torch::Tensor& part) { return read_batch(model, part); })
          .mean(0)
          .contiguous();
  return std::vector<float>(out.data_ptr<float>(), out.data_ptr<float>() + out.numel());
}

std::vector<uint8_t> threshold_bits(const std::vector<float>& raw) {
  std::vector<uint8_t> bits(raw.size());
  for (size_t i = 0; i < raw.size(); ++i) bits[i] = raw[i] > 0.5f ? 1 : 0;
  return bits;
}

Watermarker::Watermarker(Model model, const Options& options)
    : model_(std::move(model)), options_(options) {
  if (options.ecc_t < 0) {
    throw InvalidArgument("BCH t (--ecc-t) must be >= 0 (0 = the code's default), got " +
                          std::to_string(options.ecc_t));
  }
  if (model_.config.message_bits >= kMinPayloadCodeBits) {
    code_ = std::make_shared<const PayloadCode>(model_.config.message_bits, options.ecc_t);
  } else if (options.ecc_t != 0) {
    throw InvalidArgument("a " + std::to_string(model_.config.message_bits) +
                          "-bit model has no payload code (BCH needs at least " +
                          std::to_string(kMinPayloadCodeBits) + " bits): --ecc-t does not apply");
  }
  check_strength(options.strength);
  if (options.grid != 0) check_grid(options.grid, "grid (0 = automatic, or tiles per side)");
  for (const std::string& spec : options.check) {
    check_specs_.push_back(check_spec(spec));
  }
  if (!(options.quiet_flat > 0 && options.quiet_flat <= 1) ||
      !(options.quiet_dark >= 0 && options.quiet_dark <= 255)) {
    char text[160];
    std::snprintf(text, sizeof text,
                  "quiet mark: flat share must be in (0, 1] and dark grey in [0, 255], got %g "
                  "and %g",
                  options.quiet_flat, options.quiet_dark);
    throw InvalidArgument(text);
  }
  if (!(options.max_false_positive > 0 && options.max_false_positive <= 1)) {
    char text[160];
    std::snprintf(text, sizeof text, "max false-positive probability must be in (0, 1], got %g",
                  options.max_false_positive);
    throw InvalidArgument(text);
  }
  model_.encoder->eval();
  model_.decoder->eval();
}

const PayloadCode& Watermarker::code() const {
  if (!code_) {
    throw InvalidArgument("a " + std::to_string(model_.config.message_bits) +
                          "-bit model carries no text or hex payload (the payload code needs at "
                          "least " +
                          std::to_string(kMinPayloadCodeBits) + " bits): give raw bits (--bits)");
  }
  return *code_;
}

std::vector<std::string> Watermarker::check_specs() const {
  if (!code_) return {};
  return check_specs_;
}

// Strength steps of the search (Options::check).
constexpr double kStrengthStep = 1.25;

bool Watermarker::survives_checks(const Image& marked, const std::vector<uint8_t>& payload,
                                  int grid) const {
  torch::NoGradGuard no_grad;
  const torch::Tensor image = image_to_tensor(marked);
  // Built per call: an attack keeps per-call state (its last compressed size), and embed()
  // may run on several threads at once.
  for (const std::string& spec : check_specs_) {
    const Extraction x =
        extract_at(tensor_to_images(make_attack(spec)->forward(image, image)).at(0), grid);
    if (!x.found || x.payload != payload) return false;
  }
  return true;
}

Shaping Watermarker::quiet_shaping() const {
  Shaping quiet = model_.config.shaping;
  quiet.flat = std::min(quiet.flat, options_.quiet_flat);
  quiet.dark = std::max(quiet.dark, options_.quiet_dark);
  quiet.coarse = true;
  return quiet;
}

int Watermarker::embed_grid(const Image& cover) const {
  return options_.grid != 0 ? options_.grid : auto_grid(cover.width, cover.height);
}

std::optional<std::pair<Image, double>> Watermarker::search(const Image& cover,
                                                            const torch::Tensor& unit,
                                                            const Shaping& shaping, double start,
                                                            const std::vector<uint8_t>& payload,
                                                            int grid) const {
  int64_t visible = -1;  // flat pixels the mark at `start` changes visibly
  for (double s = start;; s = std::min(kMaxStrength, s * kStrengthStep)) {
    Image marked = apply_mark(model_, cover, unit * s, shaping);
    if (visible >= 0 && perceptual_distance(cover, marked).flat_visible > visible) break;
    if (survives_checks(marked, payload, grid)) return std::make_pair(std::move(marked), s);
    if (s >= kMaxStrength) break;
    if (visible < 0) visible = perceptual_distance(cover, marked).flat_visible;
  }
  return std::nullopt;
}

Image Watermarker::embed(const Image& cover, const std::vector<uint8_t>& payload,
                         MarkChoice* choice) const {
  const std::vector<uint8_t> bits = code().encode(payload);
  MarkChoice chosen;
  chosen.strength = options_.strength;
  chosen.grid = embed_grid(cover);
  // The residual is computed once: the strength only scales it (embedding.h).
  const torch::Tensor unit = mark_residual(model_, cover, bits, 1.0, chosen.grid);
  std::optional<std::pair<Image, double>> found;
  if (!check_specs_.empty() && options_.quiet) {
    found = search(cover, unit, quiet_shaping(), chosen.strength, payload, chosen.grid);
    chosen.quiet = found.has_value();
  }
  if (!found && !check_specs_.empty()) {
    found = search(cover, unit, model_.config.shaping, chosen.strength, payload, chosen.grid);
  }
  if (choice) {
    if (found) chosen.strength = found->second;
    *choice = chosen;
  }
  // None passes: the mark at the given strength (a mark raised in vain is only more visible).
  return found ? std::move(found->first) : apply_mark(model_, cover, unit * chosen.strength);
}

torch::Tensor Watermarker::residual(const Image& cover, const std::vector<uint8_t>& payload) const {
  return mark_residual(model_, cover, code().encode(payload), options_.strength, embed_grid(cover));
}

Extraction Watermarker::extract_at(const Image& image, int grid) const {
  Extraction x =
      extract_from_raw(extract_raw(model_, image, grid), options_.grid != 0 ? 1 : kMaxGrid);
  x.grid = grid;
  return x;
}

Extraction Watermarker::extract(const Image& image) const {
  if (options_.grid != 0) return extract_at(image, options_.grid);
  // The likeliest grids first (the image's own, then that of the image at twice its size,
  // as after a 50% downscale), stopping at the first found: whether any grid matches, and
  // so the false-positive bound over kMaxGrid tests, does not depend on the order.
  const int own = auto_grid(image.width, image.height);
  std::vector<int> order = {own};
  if (own * 2 <= kMaxGrid) order.push_back(own * 2);
  for (int g = 1; g <= kMaxGrid; ++g) {
    if (std::find(order.begin(), order.end(), g) == order.end()) order.push_back(g);
  }
  Extraction best;
  for (const int g : order) {
    Extraction x = extract_at(image, g);
    if (x.found) return x;
    if (g == order.front() || x.false_positive < best.false_positive) best = std::move(x);
  }
  return best;
}

Extraction Watermarker::extract_from_raw(const std::vector<float>& raw, double tests) const {
  if (raw.size() != static_cast<size_t>(model_.config.message_bits)) {
    throw InvalidArgument("cannot extract: the model reads " +
                          std::to_string(model_.config.message_bits) + " bits, got " +
                          std::to_string(raw.size()) + " raw values");
  }
  Extraction e;
  e.raw_bits = threshold_bits(raw);
  if (!code_) return e;
  const PayloadCode::Decoded d = code_->decode_soft(raw);
  e.decoded = d.decoded;
  e.corrected = d.corrected;
  e.false_positive = std::min(1.0, d.false_positive * std::max(1.0, tests));
  e.found = d.decoded && e.false_positive <= options_.max_false_positive;
  if (e.found) e.payload = d.payload;
  return e;
}

std::string default_model_path() {
  return detail::find_shipped_model("default.pt", "ROBUSTHIDE_MODEL", "model", "--model");
}

}  // namespace robusthide
