// robusthide hide / reveal: hide a whole secret image in a photo of any size, and reveal
// it from the container after it was recompressed (docs/image-hiding.md).
#include <cmath>
#include <iostream>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "batch.h"
#include "commands.h"
#include "robusthide/embedding.h"
#include "robusthide/error.h"
#include "robusthide/file_io.h"
#include "robusthide/hiding.h"
#include "robusthide/image.h"
#include "robusthide/metrics.h"
#include "robusthide/perceptual.h"
#include "robusthide/tensor.h"
#include "robusthide/text.h"

namespace robusthide::cli {
namespace {

struct HideCommand {
  std::string cover, secret, output;
  std::string model;    // empty = default_hiding_model_path()
  double strength = 1;  // multiplier of the hider's residual
  WriteOptions write;   // --quality of a .jpg container
  bool json = false;
};

struct RevealCommand {
  std::string input, output;
  std::string model;
  std::string secret;  // optional: the original secret, to report how close the reveal is
  bool json = false;
};

int run_hide(const HideCommand& c) {
  if (c.write.jpeg_quality < 1 || c.write.jpeg_quality > 100) {
    throw InvalidArgument("--quality must be in 1..100, got " +
                          std::to_string(c.write.jpeg_quality));
  }
  check_strength(c.strength, "--strength");
  const ImageFormat format = format_from_path(c.output);  // a bad name fails before any work
  check_output_is_not_input(c.cover, c.output);
  check_output_is_not_input(c.secret, c.output);
  const std::string model_path = c.model.empty() ? default_hiding_model_path() : c.model;
  const HidingModel model = load_hiding_model(model_path);
  const Image cover = read_image(c.cover);
  const Image secret = read_image(c.secret);
  const std::vector<uint8_t> bytes =
      encode_image(hide_image(model, cover, secret, c.strength), format, c.write);
  // What the file holds, revealed again: the figures the user gets from `reveal`.
  const Image written = decode_image(bytes.data(), bytes.size(), c.output);
  const Image revealed = reveal_image(model, written);
  const Image reference = secret_at_model_size(model, secret);
  write_file_atomic(c.output, bytes.data(), bytes.size());

  const PerceptualDistance p = perceptual_distance(cover, written);
  const double container_psnr = psnr(cover, written);
  const double container_ssim =
      std::min(cover.width, cover.height) >= kSsimWindow ? ssim(cover, written) : NAN;
  const double revealed_apd = mean_absolute_difference(reference, revealed);
  if (c.json) {
    const nlohmann::json j = {
        {"cover", c.cover},
        {"secret", c.secret},
        {"output", c.output},
        {"model", model_path},
        {"width", cover.width},
        {"height", cover.height},
        {"strength", c.strength},
        {"container_apd", mean_absolute_difference(cover, written)},
        {"container_psnr_db",
         std::isfinite(container_psnr) ? nlohmann::json(container_psnr) : nlohmann::json()},
        {"container_ssim",
         std::isfinite(container_ssim) ? nlohmann::json(container_ssim) : nlohmann::json()},
        {"ciede2000_mean", p.delta_e_mean},
        {"ciede2000_p99", p.delta_e_p99},
        {"flat_visible_share", p.flat_visible_share()},
        {"revealed_apd", revealed_apd},
        {"revealed_size", model.config.image_size}};
    std::cout << json_text(j) << "\n";
  } else {
    std::cout << "hid '" << c.secret << "' in '" << c.cover << "' (" << cover.width << "x"
              << cover.height << ") -> '" << c.output << "'\n"
              << "container: APD " << format_fixed(mean_absolute_difference(cover, written), 2)
              << "/255, PSNR " << format_fixed(container_psnr, 2) << " dB, CIEDE2000 mean "
              << format_fixed(p.delta_e_mean, 2) << " (p99 " << format_fixed(p.delta_e_p99, 2)
              << ")\n"
              << "revealed from the written file: APD " << format_fixed(revealed_apd, 2)
              << "/255 against the secret at " << model.config.image_size << "x"
              << model.config.image_size << "\n";
  }
  return kExitOk;
}

int run_reveal(const RevealCommand& c) {
  const ImageFormat format = format_from_path(c.output);
  check_output_is_not_input(c.input, c.output);
  const std::string model_path = c.model.empty() ? default_hiding_model_path() : c.model;
  const HidingModel model = load_hiding_model(model_path);
  const Image container = read_image(c.input);
  const Image revealed = reveal_image(model, container);
  double revealed_apd = NAN;
  if (!c.secret.empty()) {
    revealed_apd =
        mean_absolute_difference(secret_at_model_size(model, read_image(c.secret)), revealed);
  }
  const std::vector<uint8_t> bytes = encode_image(revealed, format, WriteOptions{});
  write_file_atomic(c.output, bytes.data(), bytes.size());
  if (c.json) {
    nlohmann::json j = {{"input", c.input},
                        {"output", c.output},
                        {"model", model_path},
                        {"width", revealed.width},
                        {"height", revealed.height}};
    j["revealed_apd"] =
        std::isfinite(revealed_apd) ? nlohmann::json(revealed_apd) : nlohmann::json();
    std::cout << json_text(j) << "\n";
  } else {
    std::cout << "revealed " << revealed.width << "x" << revealed.height << " from '" << c.input
              << "' -> '" << c.output << "'\n";
    if (std::isfinite(revealed_apd)) {
      std::cout << "APD against '" << c.secret << "': " << format_fixed(revealed_apd, 2)
                << "/255\n";
    }
  }
  return kExitOk;
}

}  // namespace

void add_hide_commands(CLI::App& app, Runner& run) {
  auto h = std::make_shared<HideCommand>();
  CLI::App* hide = app.add_subcommand(
      "hide",
      "Hide a whole secret image in a photo of any size with an image-hiding model "
      "(docs/image-hiding.md); the secret is brought to the model's size");
  hide->add_option("-i,--input", h->cover, "cover photo (JPEG, PNG or WebP)")->required();
  hide->add_option("--secret", h->secret, "the image to hide (any size)")->required();
  hide->add_option("-o,--output", h->output, "container image (.png lossless, or .jpg)")
      ->required();
  hide->add_option("-m,--model", h->model,
                   "image-hiding model file (default: the shipped models/hiding.pt)");
  hide->add_option("-s,--strength", h->strength,
                   "multiplier of the hidden residual: higher = better reveal, more visible")
      ->capture_default_str();
  hide->add_option("--quality", h->write.jpeg_quality, "JPEG quality of a .jpg container (4:4:4)")
      ->capture_default_str();
  hide->add_flag("--json", h->json, "print the result as JSON");
  hide->callback([h, &run] { run = [h] { return run_hide(*h); }; });

  auto r = std::make_shared<RevealCommand>();
  CLI::App* reveal =
      app.add_subcommand("reveal",
                         "Reveal the secret image hidden by `hide` from a container, also after it "
                         "was recompressed (JPEG, JPEG 2000, WebP)");
  reveal->add_option("-i,--input", r->input, "container image")->required();
  reveal->add_option("-o,--output", r->output, "revealed image (.png or .jpg)")->required();
  reveal->add_option("-m,--model", r->model,
                     "image-hiding model file (default: the shipped models/hiding.pt)");
  reveal->add_option("--secret", r->secret,
                     "the original secret, to print how close the revealed image is (APD)");
  reveal->add_flag("--json", r->json, "print the result as JSON");
  reveal->callback([r, &run] { run = [r] { return run_reveal(*r); }; });
}

}  // namespace robusthide::cli
