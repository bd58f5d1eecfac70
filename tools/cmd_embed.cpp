// robusthide embed: hide a message in an image of exactly the model's size.
#include <cmath>
#include <cstdio>
#include <iostream>
#include <memory>

#include <nlohmann/json.hpp>

#include "commands.h"
#include "message_bits.h"
#include "robusthide/error.h"
#include "robusthide/image.h"
#include "robusthide/metrics.h"
#include "robusthide/model.h"
#include "robusthide/tensor.h"

namespace robusthide::cli {
namespace {

struct EmbedCommandOptions {
  std::string model;       // model file
  std::string input;       // cover image (JPEG, PNG or WebP) of the model's size
  std::string output;      // encoded image: .png (lossless) or .jpg
  std::string bits;        // the message, '0'/'1' characters, model's length
  int quality = 95;        // JPEG quality of a .jpg output (4:4:4)
  bool json = false;       // print one JSON object instead of text
};

int run_embed(const EmbedCommandOptions& o) {
  const ImageFormat format = format_from_path(o.output);  // bad names fail before any work
  if (o.quality < 1 || o.quality > 100) {
    throw InvalidArgument("--quality must be in 1..100, got " + std::to_string(o.quality));
  }
  Model model = load_model(o.model);
  const int size = model.config.image_size;
  const torch::Tensor message = parse_bits(o.bits, model.config.message_bits, "--bits");
  const Image cover = read_image(o.input);
  if (cover.width != size || cover.height != size) {
    throw InvalidArgument("cannot embed into '" + o.input + "': the image is " +
                          std::to_string(cover.width) + "x" + std::to_string(cover.height) +
                          " but the model works on " + std::to_string(size) + "x" +
                          std::to_string(size) + " images");
  }

  model.encoder->eval();
  model.decoder->eval();
  torch::NoGradGuard no_grad;
  const Image encoded = tensor_to_images(model.encoder->forward(image_to_tensor(cover), message)).at(0);
  WriteOptions write_options;
  write_options.jpeg_quality = o.quality;
  write_image(encoded, o.output, write_options);

  // Read the file back, as a user would, and check the message survives it.
  const Image written = read_image(o.output);
  const torch::Tensor decoded = model.decoder->forward(image_to_tensor(written));
  const std::string read_back = format_bits(decoded);
  int wrong = 0;
  for (size_t i = 0; i < read_back.size(); ++i) wrong += read_back[i] != o.bits[i];
  const double db = psnr(cover, written);
  const double similarity = ssim(cover, written);
  if (o.json) {
    nlohmann::json j = {{"input", o.input},
                        {"output", o.output},
                        {"format", format == ImageFormat::kPng ? "png" : "jpeg"},
                        {"bits", o.bits},
                        {"read_back", read_back},
                        {"read_back_errors", wrong},
                        {"ssim", similarity}};
    j["psnr_db"] = std::isfinite(db) ? nlohmann::json(db) : nlohmann::json();
    std::cout << j.dump(2) << "\n";
    return kExitOk;
  }
  char line[128];
  std::snprintf(line, sizeof line, "%.2f dB", db);
  std::cout << "output   " << o.output << " (" << size << "x" << size << ")\n"
            << "bits     " << o.bits << "\n"
            << "PSNR     " << (std::isfinite(db) ? line : "inf (identical)") << "\n";
  std::snprintf(line, sizeof line, "%.4f", similarity);
  std::cout << "SSIM     " << line << "\n"
            << "check    " << read_back.size() - wrong << "/" << read_back.size()
            << " bits read back from the written file\n";
  return kExitOk;
}

}  // namespace

void add_embed_command(CLI::App& app, Runner& run) {
  auto o = std::make_shared<EmbedCommandOptions>();
  CLI::App* sub = app.add_subcommand("embed", "Hide a message in an image of the model's size");
  sub->add_option("-m,--model", o->model, "model file")->required();
  sub->add_option("-i,--input", o->input, "cover image (JPEG, PNG or WebP) of the model's size")
      ->required();
  sub->add_option("-o,--output", o->output, "encoded image (.png lossless, or .jpg)")->required();
  sub->add_option("--bits", o->bits, "the message: as many 0/1 characters as the model hides")
      ->required();
  sub->add_option("--quality", o->quality, "JPEG quality of a .jpg output (4:4:4)")
      ->capture_default_str();
  sub->add_flag("--json", o->json, "print the result as JSON");
  sub->callback([o, &run] { run = [o] { return run_embed(*o); }; });
}

}  // namespace robusthide::cli
