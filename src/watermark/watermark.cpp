// embed_bits / extract_raw (any image size) and the Watermarker (payload on top).
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "model/eval_mode.h"
#include "robusthide/error.h"
#include "robusthide/tensor.h"
#include "robusthide/watermark.h"

namespace robusthide {
namespace {

namespace F = torch::nn::functional;

// (1,3,H,W) -> (1,3,S,S): box filter when shrinking (exact area average), bilinear
// when enlarging; unchanged when already S x S.
torch::Tensor to_model_size(const torch::Tensor& x, int64_t size) {
  const int64_t h = x.size(2), w = x.size(3);
  if (h == size && w == size) return x;
  torch::Tensor y = x;
  if (h > size || w > size) {
    y = F::adaptive_avg_pool2d(y, F::AdaptiveAvgPool2dFuncOptions(
                                      {std::min(h, size), std::min(w, size)}));
  }
  if (y.size(2) != size || y.size(3) != size) {
    y = F::interpolate(y, F::InterpolateFuncOptions()
                              .size(std::vector<int64_t>{size, size})
                              .mode(torch::kBilinear)
                              .align_corners(false));
  }
  return y;
}

void check_image(const Image& image, const char* action) {
  if (image.empty() || image.pixels.size() != static_cast<size_t>(image.width) * image.height * 3) {
    throw InvalidArgument(std::string("cannot ") + action + ": the image is empty or its pixel buffer "
                          "does not match its size");
  }
}

}  // namespace

void check_strength(double strength, const std::string& what) {
  if (!(strength >= kMinStrength && strength <= kMaxStrength)) {
    char text[160];
    std::snprintf(text, sizeof text, "%s must be in [%g, %g], got %g", what.c_str(), kMinStrength,
                  kMaxStrength, strength);
    throw InvalidArgument(text);
  }
}

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
  const torch::Tensor image = image_to_tensor(cover);
  const torch::Tensor small = to_model_size(image, model.config.image_size);
  const torch::Tensor message =
      torch::tensor(std::vector<float>(bits.begin(), bits.end())).view({1, bits_needed});
  torch::Tensor residual = model.encoder->forward(small, message) - small;
  residual.mul_(strength);
  if (small.sizes() != image.sizes()) {
    residual = F::interpolate(residual, F::InterpolateFuncOptions()
                                            .size(std::vector<int64_t>{cover.height, cover.width})
                                            .mode(torch::kBilinear)
                                            .align_corners(false));
  }
  return tensor_to_images(residual.add_(image)).at(0);
}

std::vector<float> extract_raw(const Model& model, const Image& image) {
  check_image(image, "extract");
  torch::NoGradGuard no_grad;
  EvalModeGuard eval(*model.decoder);
  const torch::Tensor x = to_model_size(image_to_tensor(image), model.config.image_size);
  const torch::Tensor out = model.decoder->forward(x).contiguous().to(torch::kFloat32);
  return std::vector<float>(out.data_ptr<float>(), out.data_ptr<float>() + out.numel());
}

std::vector<uint8_t> threshold_bits(const std::vector<float>& raw) {
  std::vector<uint8_t> bits(raw.size());
  for (size_t i = 0; i < raw.size(); ++i) bits[i] = raw[i] > 0.5f ? 1 : 0;
  return bits;
}

Watermarker::Watermarker(Model model, const Options& options)
    : model_(std::move(model)), code_(model_.config.message_bits, options.ecc_t), options_(options) {
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

Image Watermarker::embed(const Image& cover, const std::vector<uint8_t>& payload) const {
  return embed_bits(model_, cover, code_.encode(payload), options_.strength);
}

Extraction Watermarker::extract(const Image& image) const {
  Extraction e;
  e.raw_bits = threshold_bits(extract_raw(model_, image));
  const PayloadCode::Decoded d = code_.decode(e.raw_bits);
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
    candidates.push_back((dir / "../share/robusthide/models/default.pt").lexically_normal().string());
    candidates.push_back((dir / "../models/default.pt").lexically_normal().string());
  }
  // The source tree this library was built from (a build folder outside it).
  candidates.push_back(std::string(ROBUSTHIDE_SOURCE_DIR) + "/models/default.pt");
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
