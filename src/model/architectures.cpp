#include "model/architectures.h"

#include <array>

#include "robusthide/error.h"

namespace robusthide {
namespace {

const std::array<Architecture, 2> kArchitectures = {{
    {"hidden", make_hidden_encoder, make_hidden_decoder, make_hidden_discriminator,
     validate_hidden},
    {"fast", make_fast_encoder, make_fast_decoder, make_hidden_discriminator, validate_fast},
}};

}  // namespace

const Architecture& find_architecture(const std::string& name) {
  for (const auto& a : kArchitectures) {
    if (name == a.name) return a;
  }
  std::string known;
  for (const auto& a : kArchitectures) known += (known.empty() ? "" : ", ") + std::string(a.name);
  throw InvalidArgument("invalid model config: unknown architecture '" + name +
                        "' (known: " + known + ")");
}

std::vector<std::string> model_architectures() {
  std::vector<std::string> names;
  for (const auto& a : kArchitectures) names.emplace_back(a.name);
  return names;
}

Encoder make_encoder(const ModelConfig& config) {
  config.validate();
  return find_architecture(config.architecture).make_encoder(config);
}

Decoder make_decoder(const ModelConfig& config) {
  config.validate();
  return find_architecture(config.architecture).make_decoder(config);
}

Discriminator make_discriminator(const ModelConfig& config) {
  config.validate();
  return find_architecture(config.architecture).make_discriminator(config);
}

}  // namespace robusthide
