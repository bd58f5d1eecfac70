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
  std::vector<std::pair<const ModelConfigField*, CLI::Option*>> flags;
  for (const ModelConfigField& f : model_config_fields()) {
    const std::string key = f.key;
    std::string help = f.help;
    if (key == "architecture") help += ": " + architectures;
    CLI::Option* flag = add_field_option(sub, f.flag, f.ref(config), help);
    flag->capture_default_str()->group(key.rfind("shaping.", 0) == 0 ? shaping_group : group);
    flags.emplace_back(&f, flag);
  }
  return flags;
}

}  // namespace robusthide::cli
