// robusthide attack: run one attack (a real codec or a differentiable layer) on a photo.
#include <cmath>
#include <iostream>
#include <memory>

#include <nlohmann/json.hpp>

#include "batch.h"
#include "commands.h"
#include "robusthide/attack.h"
#include "robusthide/image.h"
#include "robusthide/metrics.h"
#include "robusthide/tensor.h"
#include "robusthide/text.h"

namespace robusthide::cli {
namespace {

struct AttackCommandOptions {
  std::string input;   // image to attack (JPEG, PNG or WebP)
  std::string output;  // where to write the result (.png or .jpg)
  std::string attack;  // attack spec, e.g. jpeg:50
  uint64_t seed = 0;   // seed of torch's generator (random attacks)
  int threads = 0;     // codec threads (0 = one per core)
  bool json = false;   // print one JSON object instead of text
};

int run_attack(const AttackCommandOptions& o) {
  torch::manual_seed(o.seed);
  AttackOptions attack_options;
  attack_options.codec_threads = o.threads;
  const Attack attack = make_attack(o.attack, attack_options);
  format_from_path(o.output);  // an unsupported output name fails before any work
  check_output_is_not_input(o.input, o.output);
  const Image input = read_image(o.input);
  torch::NoGradGuard no_grad;
  const torch::Tensor x = image_to_tensor(input);
  const Image result = tensor_to_images(attack->forward(x, x)).at(0);
  write_image(result, o.output, WriteOptions{});

  const bool same_size = result.width == input.width && result.height == input.height;
  const double db = same_size ? psnr(input, result) : NAN;
  const auto bytes = attack->last_compressed_bytes();
  if (o.json) {
    nlohmann::json j = {{"input", o.input},
                        {"output", o.output},
                        {"attack", attack->spec()},
                        {"width", result.width},
                        {"height", result.height}};
    j["psnr_db"] = same_size && std::isfinite(db) ? nlohmann::json(db) : nlohmann::json();
    if (bytes) {
      j["compressed_bytes"] = *bytes;
      j["bits_per_pixel"] = 8.0 * *bytes / (static_cast<double>(input.width) * input.height);
    }
    std::cout << json_text(j) << "\n";
    return kExitOk;
  }
  std::cout << "attack   " << attack->spec() << "\n"
            << "input    " << o.input << " (" << input.width << "x" << input.height << ")\n"
            << "output   " << o.output << " (" << result.width << "x" << result.height << ")\n";
  if (same_size) {
    std::cout << "PSNR     "
              << (std::isfinite(db) ? format_fixed(db, 2) + " dB" : "inf (identical)") << "\n";
  } else {
    std::cout << "PSNR     n/a (the attack changed the size)\n";
  }
  if (bytes) {
    const double bpp = 8.0 * *bytes / (static_cast<double>(input.width) * input.height);
    std::cout << "size     " << *bytes << " bytes compressed (" << format_fixed(bpp, 3)
              << " bits/pixel)\n";
  }
  return kExitOk;
}

}  // namespace

void add_attack_command(CLI::App& app, Runner& run) {
  auto o = std::make_shared<AttackCommandOptions>();
  CLI::App* sub = app.add_subcommand(
      "attack", "Apply an attack (real codec or differentiable layer) to an image");
  sub->add_option("-i,--input", o->input, "input image (JPEG, PNG or WebP)")->required();
  sub->add_option("-o,--output", o->output, "output image (.png or .jpg)")->required();
  sub->add_option("-a,--attack", o->attack,
                  "attack spec, e.g. jpeg:50, webp:25, jpeg2000:500, mpeg4, h264:crf=30, "
                  "cmd:\"cjpeg -quality 30 | djpeg\":format=ppm, blur:2, jpeg-mask")
      ->required();
  sub->add_option("--seed", o->seed, "seed for random attacks")->capture_default_str();
  sub->add_option("--threads", o->threads, "codec threads (0 = all cores)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  sub->add_flag("--json", o->json, "print the result as JSON");
  sub->callback([o, &run] { run = [o] { return run_attack(*o); }; });
}

}  // namespace robusthide::cli
