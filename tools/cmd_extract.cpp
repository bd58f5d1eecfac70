// robusthide extract: read the message hidden in an image.
#include <cstdio>
#include <iostream>
#include <memory>
#include <vector>

#include <nlohmann/json.hpp>

#include "commands.h"
#include "message_bits.h"
#include "robusthide/image.h"
#include "robusthide/metrics.h"
#include "robusthide/model.h"
#include "robusthide/tensor.h"

namespace robusthide::cli {
namespace {

struct ExtractCommandOptions {
  std::string model;       // model file
  std::string input;       // image to read (JPEG, PNG or WebP)
  std::string expect;      // expected bits; empty = not given
  bool json = false;       // print one JSON object instead of text
};

int run_extract(const ExtractCommandOptions& o) {
  Model model = load_model(o.model);
  torch::Tensor expected;
  if (!o.expect.empty()) expected = parse_bits(o.expect, model.config.message_bits, "--expect");
  const Image image = read_image(o.input);
  model.decoder->eval();
  torch::NoGradGuard no_grad;
  const torch::Tensor decoded = model.decoder->forward(image_to_tensor(image));
  const std::string bits = format_bits(decoded);
  if (o.json) {
    nlohmann::json j = {{"input", o.input}, {"width", image.width}, {"height", image.height},
                        {"bits", bits}};
    std::vector<double> values;
    for (int64_t i = 0; i < decoded.size(1); ++i) values.push_back(decoded[0][i].item<double>());
    j["values"] = values;
    if (expected.defined()) {
      j["expected"] = o.expect;
      j["bit_errors"] = bit_errors(decoded, expected);
      j["ber"] = bit_error_rate(decoded, expected);
    }
    std::cout << j.dump(2) << "\n";
    return kExitOk;
  }
  if (!expected.defined()) {
    std::cout << bits << "\n";
    return kExitOk;
  }
  char ber[64];
  std::snprintf(ber, sizeof ber, "%.2f %%", 100.0 * bit_error_rate(decoded, expected));
  std::cout << "bits     " << bits << "\n"
            << "expected " << o.expect << "\n"
            << "BER      " << ber << " (" << bit_errors(decoded, expected) << " of " << bits.size()
            << " bits wrong)\n";
  return kExitOk;
}

}  // namespace

void add_extract_command(CLI::App& app, Runner& run) {
  auto o = std::make_shared<ExtractCommandOptions>();
  CLI::App* sub = app.add_subcommand("extract", "Read the message hidden in an image");
  sub->add_option("-m,--model", o->model, "model file")->required();
  sub->add_option("-i,--input", o->input, "image (JPEG, PNG or WebP)")->required();
  sub->add_option("--expect", o->expect, "the bits that were embedded: also print the bit error rate");
  sub->add_flag("--json", o->json, "print the result as JSON");
  sub->callback([o, &run] { run = [o] { return run_extract(*o); }; });
}

}  // namespace robusthide::cli
