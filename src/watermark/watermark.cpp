// embed_bits / extract_raw (any image size) and the Watermarker (payload on top).
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "model/eval_mode.h"
#include "robusthide/embedding.h"
#include "robusthide/error.h"
#include "robusthide/tensor.h"
#include "robusthide/watermark.h"
#include "watermark/resample.h"

namespace robusthide {
namespace {

namespace F = torch::nn::functional;

// The network's (1,3,S,S) view of an image of any size: the exact area average when
// shrinking (row by row from the bytes: no full-size float copy), bilinear when
// enlarging; the plain conversion when already S x S.
torch::Tensor to_model_size(const Image& image, int64_t size) {
  const int64_t h = image.height, w = image.width;
  if (h == size && w == size) return image_to_tensor(image);
  const int oh = static_cast<int>(std::min(h, size)), ow = static_cast<int>(std::min(w, size));
  torch::Tensor y =
      (oh == h && ow == w) ? image_to_tensor(image) : detail::area_average(image, oh, ow);
  if (oh != size || ow != size) {
    y = F::interpolate(y, F::InterpolateFuncOptions()
                              .size(std::vector<int64_t>{size, size})
                              .mode(torch::kBilinear)
                              .align_corners(false));
  }
  return y;
}

void check_image(const Image& image, const char* action) {
  if (image.empty() || image.pixels.size() != static_cast<size_t>(image.width) * image.height * 3) {
    throw InvalidArgument(std::string("cannot ") + action +
                          ": the image is empty or its pixel buffer "
                          "does not match its size");
  }
}

}  // namespace

Image embed_bits(const Model& model, const Image& cover, const std::vector<uint8_t>& bits,
                 double strength) {
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
  torch::NoGradGuard no_grad;
  EvalModeGuard eval(*model.encoder);
  const int64_t size = model.config.image_size;
  const torch::Tensor small = to_model_size(cover, size);
  const torch::Tensor message =
      torch::tensor(std::vector<float>(bits.begin(), bits.end())).view({1, bits_needed});
  // The one pipeline (embedding.h): the shaped residual at S x S, the mask of the cover
  // at its own size.
  const Shaping& shaping = model.config.shaping;
  const torch::Tensor residual = shaped_residual(model, small, message, strength).contiguous();
  if (!torch::isfinite(residual).all().item<bool>()) {
    throw Error(
        "cannot embed: the model's encoder produced non-finite values (NaN or "
        "infinity): the model is diverged or corrupt");
  }
  if (cover.width == size && cover.height == size) {
    return tensor_to_images(small + shaping_mask(small, shaping) * residual).at(0);
  }
  return detail::add_resampled(cover, residual, shaping);
}

std::vector<float> extract_raw(const Model& model, const Image& image) {
  check_image(image, "extract");
  torch::NoGradGuard no_grad;
  EvalModeGuard eval(*model.decoder);
  const torch::Tensor x = to_model_size(image, model.config.image_size);
  const torch::Tensor out = read_batch(model, x).contiguous();
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

Image Watermarker::embed(const Image& cover, const std::vector<uint8_t>& payload) const {
  return embed_bits(model_, cover, code().encode(payload), options_.strength);
}

Extraction Watermarker::extract(const Image& image) const {
  Extraction e;
  e.raw_bits = threshold_bits(extract_raw(model_, image));
  if (!code_) return e;
  const PayloadCode::Decoded d = code_->decode(e.raw_bits);
  e.decoded = d.decoded;
  e.corrected = d.corrected;
  e.false_positive = d.false_positive;
  e.found = d.decoded && d.false_positive <= options_.max_false_positive;
  if (e.found) e.payload = d.payload;
  return e;
}

std::string default_model_path() {
  namespace fs = std::filesystem;
  std::vector<std::string> candidates;
  if (const char* env = std::getenv("ROBUSTHIDE_MODEL"); env != nullptr && *env != '\0') {
    candidates.emplace_back(env);
  }
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    const fs::path dir = exe.parent_path();
    candidates.push_back(
        (dir / "../share/robusthide/models/default.pt").lexically_normal().string());
    candidates.push_back((dir / "../models/default.pt").lexically_normal().string());
  }
  std::string tried;
  for (const auto& c : candidates) {
    if (fs::is_regular_file(c, ec)) return c;
    tried += (tried.empty() ? "" : ", ") + c;
  }
  throw IoError("no model given and no default model found (looked at: " +
                (tried.empty() ? std::string("nothing") : tried) +
                "); pass --model FILE or set ROBUSTHIDE_MODEL");
}

}  // namespace robusthide
