// ModelConfig: validation, comparison, one-line summary.
#include <algorithm>
#include <cstdio>
#include <type_traits>
#include <string>

#include "model/architectures.h"
#include "robusthide/error.h"
#include "robusthide/model.h"
#include "robusthide/text.h"
#include "util/config_fields.h"

namespace robusthide {
namespace {

void check_field(const ModelConfigField& f, const ModelConfig& c) {
  detail::check_range(f, c, "model config");
}

}  // namespace

const std::vector<ConfigField<Shaping>>& shaping_fields() {
  using S = Shaping;
  auto shaped = [](const S& s) { return !s.is_none(); };
  auto dark = [](const S& s) { return !s.is_none() && s.dark > 0; };
  static const std::vector<ConfigField<Shaping>> fields = {
      {"shaping.chroma", "--chroma",
       "share of the residual's chroma kept (0 = luminance only, 1 = off)",
       [](S& s) -> FieldRef { return &s.chroma; }, 0, 1, false, false, " shaped chroma %s", shaped},
      {"shaping.flat", "--flat",
       "residual amplitude in flat regions, relative to textured ones (1 = no texture mask)",
       [](S& s) -> FieldRef { return &s.flat; }, 0, 1, true, false, " flat %s", shaped},
      {"shaping.texture", "--texture", "5x5 luminance std (0..255) that gets the full residual",
       [](S& s) -> FieldRef { return &s.texture; }, 0.5, 255, false, false, " texture %s", shaped},
      {"shaping.luminance_adaptation", "--luminance-adaptation",
       "scale the residual by the lightness sensitivity at each grey level (true/false)",
       [](S& s) -> FieldRef { return &s.luminance_adaptation; }, 0, 0, false, false, " lum",
       shaped},
      {"shaping.dark", "--dark",
       "5x5 mean grey (0..255) below which the residual fades as (grey / dark)^2 (0 = off)",
       [](S& s) -> FieldRef { return &s.dark; }, 0, 255, false, true, " dark %s", dark},
      {"shaping.coarse", "--coarse-texture",
       "whole photos: also measure texture at the model's resolution and take the smaller "
       "mask, so fine grain does not count as texture (true/false)",
       [](S& s) -> FieldRef { return &s.coarse; }, 0, 0, false, true, " coarse", shaped},
  };
  return fields;
}

const std::vector<ModelConfigField>& model_config_fields() {
  using C = ModelConfig;
  auto fast = [](const C& c) { return c.architecture == "fast"; };
  auto tiled = [](const C& c) { return c.message_tile > 0; };
  static const std::vector<ModelConfigField> fields = [&] {
    std::vector<ModelConfigField> rows = {
        {"architecture", "--architecture", "network family",
         [](C& c) -> FieldRef { return &c.architecture; }, 0, 0, false, false, "%s"},
        {"image_size", "--image-size", "side of the training crops",
         [](C& c) -> FieldRef { return &c.image_size; }, kMinImageSize, kMaxImageSize, false, false,
         " %spx"},
        {"message_bits", "--bits", "message length L",
         [](C& c) -> FieldRef { return &c.message_bits; }, 1, kMaxMessageBits, false, false,
         " %s bits"},
        {"encoder_blocks", "--encoder-blocks", "conv blocks of the encoder",
         [](C& c) -> FieldRef { return &c.encoder_blocks; }, 1, kMaxBlocks, false, false,
         " enc %s"},
        {"encoder_channels", "--encoder-channels", "channels of the encoder's blocks",
         [](C& c) -> FieldRef { return &c.encoder_channels; }, 1, kMaxChannels, false, false,
         "x%s"},
        {"decoder_blocks", "--decoder-blocks", "conv blocks of the decoder",
         [](C& c) -> FieldRef { return &c.decoder_blocks; }, 1, kMaxBlocks, false, false,
         " dec %s"},
        {"decoder_channels", "--decoder-channels", "channels of the decoder's blocks",
         [](C& c) -> FieldRef { return &c.decoder_channels; }, 1, kMaxChannels, false, false,
         "x%s"},
        {"discriminator_blocks", "--discriminator-blocks", "conv blocks of the discriminator",
         [](C& c) -> FieldRef { return &c.discriminator_blocks; }, 1, kMaxBlocks, false, false,
         " disc %s"},
        {"discriminator_channels", "--discriminator-channels",
         "channels of the discriminator's blocks",
         [](C& c) -> FieldRef { return &c.discriminator_channels; }, 1, kMaxChannels, false, false,
         "x%s"},
        // Range checked by the "fast" architecture, the only one that uses it.
        {"target_psnr", "--target-psnr", "fast: PSNR of the encoder's residual at strength 1 (dB)",
         [](C& c) -> FieldRef { return &c.target_psnr; }, 0, 0, false, true, " psnr %s", fast},
        // Range checked by the architecture (T divides S/16; "hidden" needs 0).
        {"message_tile", "--message-tile",
         "fast: side T of the message-map tile repeated over the S/16 grid (0 = one map, no "
         "repetition)",
         [](C& c) -> FieldRef { return &c.message_tile; }, 0, 0, false, true, " tile %s", tiled},
    };
    for (auto& row : nested_fields(shaping_fields(), &ModelConfig::shaping)) rows.push_back(row);
    return rows;
  }();
  return fields;
}

void ModelConfig::validate() const {
  // The networks' fields, the architecture's own checks, then the shaping fields.
  auto check_fields = [this](bool shaping) {
    for (const ModelConfigField& f : model_config_fields()) {
      if ((std::string(f.key).rfind("shaping.", 0) == 0) == shaping) check_field(f, *this);
    }
  };
  const Architecture& arch = find_architecture(architecture);
  check_fields(false);
  if (arch.validate) arch.validate(*this);
  check_fields(true);
  const int64_t n = min_parameters();
  if (n > kMaxParameters) {
    throw InvalidArgument("invalid model config: its networks would hold at least " +
                          std::to_string(n) + " weights, more than the limit of " +
                          std::to_string(kMaxParameters) +
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
    // The message map's two linear layers: L x 16 T^2 each (T = S/16 untiled).
    const int64_t map = message_tile > 0 ? message_tile : image_size / 16;
    n += 2 * bits * 16 * map * map;
  } else {
    n += bits * bits + 9 * bits * encoder_channels;  // decoder Linear(L, L), concat block
  }
  return n;
}

bool ModelConfig::operator==(const ModelConfig& o) const {
  return detail::configs_equal(model_config_fields(), *this, o);
}

std::string ModelConfig::summary() const {
  return detail::config_summary(model_config_fields(), *this);
}

bool Provenance::operator==(const Provenance& o) const {
  return attack == o.attack && steps == o.steps && epochs == o.epochs && data == o.data &&
         seed == o.seed && commit == o.commit && created == o.created && notes == o.notes &&
         device == o.device;
}

}  // namespace robusthide
