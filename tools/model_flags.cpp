#include "model_flags.h"

#include <variant>

namespace robusthide::cli {

CLI::Option* add_field_option(CLI::App* sub, const char* flag, const FieldRef& ref,
                              const std::string& help) {
  return std::visit([&](auto* p) { return sub->add_option(flag, *p, help); }, ref);
}

std::vector<std::pair<const ModelConfigField*, CLI::Option*>> add_model_config_flags(
    CLI::App* sub, ModelConfig& config, const std::string& group,
    const std::string& shaping_group) {
  std::string architectures;
  for (const auto& a : model_architectures())
    architectures += (architectures.empty() ? "" : ", ") + a;
  return add_config_flags<ModelConfig>(
      sub, config, model_config_fields(), group, shaping_group, [&](const ModelConfigField& f) {
        const std::string key = f.key;
        return key == "architecture" ? std::string(f.help) + ": " + architectures
                                     : std::string(f.help);
      });
}

}  // namespace robusthide::cli
