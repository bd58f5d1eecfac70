// ModelConfig: validation, comparison, one-line summary.
#include <cstdio>
#include <string>

#include "model/architectures.h"
#include "robusthide/error.h"
#include "robusthide/model.h"
#include "robusthide/text.h"

namespace robusthide {
namespace {

void check_range(const char* field, int value, int lo, int hi) {
  if (value < lo || value > hi) {
    throw InvalidArgument("invalid model config: " + std::string(field) + " = " +
                          std::to_string(value) + " is out of range [" + std::to_string(lo) +
                          ", " + std::to_string(hi) + "]");
  }
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
  const Shaping& s = shaping;
  if (!(s.chroma >= 0 && s.chroma <= 1)) {
    throw InvalidArgument("invalid model config: shaping chroma = " + format_number(s.chroma) +
                          " is out of range [0, 1]");
  }
  if (!(s.flat > 0 && s.flat <= 1)) {
    throw InvalidArgument("invalid model config: shaping flat = " + format_number(s.flat) +
                          " is out of range (0, 1]");
  }
  if (!(s.texture >= 0.5 && s.texture <= 255)) {
    throw InvalidArgument("invalid model config: shaping texture = " + format_number(s.texture) +
                          " is out of range [0.5, 255]");
  }
  if (!(s.dark >= 0 && s.dark <= 255)) {
    throw InvalidArgument("invalid model config: shaping dark = " + format_number(s.dark) +
                          " is out of range [0, 255]");
  }
  const int64_t n = min_parameters();
  if (n > kMaxParameters) {
    throw InvalidArgument("invalid model config: its networks would hold at least " + std::to_string(n) +
                          " weights, more than the limit of " + std::to_string(kMaxParameters) +
                          " (fewer channels, blocks, bits or a smaller image size)");
  }
}

int64_t ModelConfig::min_parameters() const {
  // The 3x3 convolutions between blocks of equal width, in every family.
  auto stack = [](int64_t blocks, int64_t channels) {
    return 9 * channels * channels * (blocks - 1) + 9 * 3 * channels;
  };
  int64_t n = stack(encoder_blocks, encoder_channels) + stack(decoder_blocks, decoder_channels) +
              stack(discriminator_blocks, discriminator_channels);
  const int64_t bits = message_bits;
  if (architecture == "fast") {
    // The message map's two linear layers: L x 16 (S/16)^2 each.
    const int64_t map = image_size / 16;
    n += 2 * bits * 16 * map * map;
  } else {
    n += bits * bits + 9 * bits * encoder_channels;  // decoder Linear(L, L), concat block
  }
  return n;
}

bool ModelConfig::operator==(const ModelConfig& o) const {
  return architecture == o.architecture && image_size == o.image_size &&
         message_bits == o.message_bits && encoder_blocks == o.encoder_blocks &&
         encoder_channels == o.encoder_channels && decoder_blocks == o.decoder_blocks &&
         decoder_channels == o.decoder_channels &&
         discriminator_blocks == o.discriminator_blocks &&
         discriminator_channels == o.discriminator_channels && target_psnr == o.target_psnr &&
         shaping == o.shaping;
}

std::string ModelConfig::summary() const {
  auto nxc = [](int n, int c) { return std::to_string(n) + "x" + std::to_string(c); };
  return architecture + " " + std::to_string(image_size) + "px " + std::to_string(message_bits) +
         " bits enc " + nxc(encoder_blocks, encoder_channels) + " dec " +
         nxc(decoder_blocks, decoder_channels) + " disc " +
         nxc(discriminator_blocks, discriminator_channels) +
         (architecture == "fast" ? " psnr " + format_number(target_psnr) : "") +
         (shaping.is_none() ? "" : " shaped chroma " + format_number(shaping.chroma) + " flat " +
                                       format_number(shaping.flat) + " texture " +
                                       format_number(shaping.texture) +
                                       (shaping.luminance_adaptation ? " lum" : "") +
                                       (shaping.dark > 0 ? " dark " + format_number(shaping.dark) : ""));
}

bool Provenance::operator==(const Provenance& o) const {
  return attack == o.attack && steps == o.steps && epochs == o.epochs && data == o.data &&
         seed == o.seed && commit == o.commit && created == o.created && notes == o.notes &&
         device == o.device;
}

}  // namespace robusthide
