// ModelConfig: validation, comparison, one-line summary.
#include <cstdio>
#include <string>

#include "model/architectures.h"
#include "robusthide/error.h"
#include "robusthide/model.h"

namespace robusthide {
namespace {

void check_range(const char* field, int value, int lo, int hi) {
  if (value < lo || value > hi) {
    throw InvalidArgument("invalid model config: " + std::string(field) + " = " +
                          std::to_string(value) + " is out of range [" + std::to_string(lo) +
                          ", " + std::to_string(hi) + "]");
  }
}

std::string format_db(double db) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", db);
  return text;
}

}  // namespace

void ModelConfig::validate() const {
  const Architecture& arch = find_architecture(architecture);
  check_range("image_size", image_size, kMinImageSize, kMaxImageSize);
  check_range("message_bits", message_bits, 1, kMaxMessageBits);
  check_range("encoder_blocks", encoder_blocks, 1, kMaxBlocks);
  check_range("encoder_channels", encoder_channels, 1, kMaxChannels);
  check_range("decoder_blocks", decoder_blocks, 1, kMaxBlocks);
  check_range("decoder_channels", decoder_channels, 1, kMaxChannels);
  check_range("discriminator_blocks", discriminator_blocks, 1, kMaxBlocks);
  check_range("discriminator_channels", discriminator_channels, 1, kMaxChannels);
  if (arch.validate) arch.validate(*this);
}

bool ModelConfig::operator==(const ModelConfig& o) const {
  return architecture == o.architecture && image_size == o.image_size &&
         message_bits == o.message_bits && encoder_blocks == o.encoder_blocks &&
         encoder_channels == o.encoder_channels && decoder_blocks == o.decoder_blocks &&
         decoder_channels == o.decoder_channels &&
         discriminator_blocks == o.discriminator_blocks &&
         discriminator_channels == o.discriminator_channels && target_psnr == o.target_psnr;
}

std::string ModelConfig::summary() const {
  auto nxc = [](int n, int c) { return std::to_string(n) + "x" + std::to_string(c); };
  return architecture + " " + std::to_string(image_size) + "px " + std::to_string(message_bits) +
         " bits enc " + nxc(encoder_blocks, encoder_channels) + " dec " +
         nxc(decoder_blocks, decoder_channels) + " disc " +
         nxc(discriminator_blocks, discriminator_channels) +
         (architecture == "fast" ? " psnr " + format_db(target_psnr) : "");
}

bool Provenance::operator==(const Provenance& o) const {
  return attack == o.attack && steps == o.steps && epochs == o.epochs && data == o.data &&
         seed == o.seed && commit == o.commit && created == o.created && notes == o.notes &&
         device == o.device;
}

}  // namespace robusthide
