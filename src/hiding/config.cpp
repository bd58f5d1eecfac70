// HidingConfig: its field table, validation, comparison and summary.
#include <algorithm>
#include <string>

#include "robusthide/error.h"
#include "robusthide/hiding.h"
#include "util/config_fields.h"

namespace robusthide {

namespace {
constexpr int kMaxLevels = 6;
constexpr int kMaxHidingChannels = 256;
constexpr int kMaxBottomChannels = 2048;  // channels << (levels - 1)
}  // namespace

const std::vector<ConfigField<HidingConfig>>& hiding_config_fields() {
  using C = HidingConfig;
  static const std::vector<ConfigField<HidingConfig>> fields = [] {
    std::vector<ConfigField<HidingConfig>> rows = {
        {"image_size", "--image-size", "side of the training crops and secrets",
         [](C& c) -> FieldRef { return &c.image_size; }, kMinImageSize, kMaxImageSize, false, false,
         "hiding %spx"},
        {"hider_levels", "--hider-levels", "stride-2 levels of the hiding U-Net",
         [](C& c) -> FieldRef { return &c.hider_levels; }, 1, kMaxLevels, false, false,
         " hider %s"},
        {"hider_channels", "--hider-channels", "channels of the hiding U-Net's first level",
         [](C& c) -> FieldRef { return &c.hider_channels; }, 1, kMaxHidingChannels, false, false,
         "x%s"},
        {"cover_aware", "--cover-aware",
         "the hider sees the cover too (false: the residual depends on the secret only)",
         [](C& c) -> FieldRef { return &c.cover_aware; }, 0, 0, false, false, " cover-aware"},
        {"reveal_levels", "--reveal-levels", "stride-2 levels of the reveal U-Net",
         [](C& c) -> FieldRef { return &c.reveal_levels; }, 1, kMaxLevels, false, false,
         " reveal %s"},
        {"reveal_channels", "--reveal-channels", "channels of the reveal U-Net's first level",
         [](C& c) -> FieldRef { return &c.reveal_channels; }, 1, kMaxHidingChannels, false, false,
         "x%s"},
        {"reveal_blocks", "--reveal-blocks", "3x3 conv blocks at the reveal U-Net's bottom",
         [](C& c) -> FieldRef { return &c.reveal_blocks; }, 0, kMaxBlocks, false, false, "+%s"},
        {"target_apd", "--target-apd",
         "mean absolute value of the residual per image, x255 (the container's budget)",
         [](C& c) -> FieldRef { return &c.target_apd; }, 0, 64, true, false, " apd %s"},
    };
    for (auto& row : nested_fields(shaping_fields(), &HidingConfig::shaping)) rows.push_back(row);
    return rows;
  }();
  return fields;
}

void HidingConfig::validate() const {
  for (const auto& f : hiding_config_fields()) detail::check_range(f, *this, "hiding config");
  const int levels = std::max(hider_levels, reveal_levels);
  if (image_size % (1 << levels) != 0) {
    throw InvalidArgument("invalid hiding config: image_size = " + std::to_string(image_size) +
                          " must be a multiple of 2^" + std::to_string(levels) + " = " +
                          std::to_string(1 << levels) + " (the U-Nets' levels)");
  }
  for (const auto& [name, channels, n] : {std::tuple{"hider", hider_channels, hider_levels},
                                          std::tuple{"reveal", reveal_channels, reveal_levels}}) {
    if (static_cast<int64_t>(channels) << (n - 1) > kMaxBottomChannels) {
      throw InvalidArgument(std::string("invalid hiding config: the ") + name + " U-Net's " +
                            "bottom would have " + std::to_string(int64_t{channels} << (n - 1)) +
                            " channels, more than " + std::to_string(kMaxBottomChannels));
    }
  }
}

int64_t HidingConfig::min_parameters() const {
  // The 4x4 stride-2 convolutions down, in -> c -> 2c -> ...
  auto levels = [](int64_t in, int64_t c, int64_t n) {
    int64_t total = 16 * in * c;
    for (int64_t i = 1; i < n; ++i) total += 16 * (c << (i - 1)) * (c << i);
    return total;
  };
  return levels(cover_aware ? 6 : 3, hider_channels, hider_levels) +
         levels(reveal_channels, reveal_channels, reveal_levels);
}

bool HidingConfig::operator==(const HidingConfig& o) const {
  return detail::configs_equal(hiding_config_fields(), *this, o);
}

std::string HidingConfig::summary() const {
  return detail::config_summary(hiding_config_fields(), *this);
}

}  // namespace robusthide
