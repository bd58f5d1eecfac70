// The model-config flags of `train` and `info`, derived from model_config_fields().
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "robusthide/model.h"

namespace robusthide::cli {

// A CLI option bound to the field `ref` points at (any FieldRef type).
CLI::Option* add_field_option(CLI::App* sub, const char* flag, const FieldRef& ref,
                              const std::string& help);

// One flag per field of a config table (ModelConfig, HidingConfig), bound to `config`,
// defaults shown, in `group` (the shaping fields in `shaping_group`); `help_for` may add
// to a field's help. Returns each field with its flag.
template <typename T>
std::vector<std::pair<const ConfigField<T>*, CLI::Option*>> add_config_flags(
    CLI::App* sub, T& config, const std::vector<ConfigField<T>>& fields, const std::string& group,
    const std::string& shaping_group,
    const std::function<std::string(const ConfigField<T>&)>& help_for = {}) {
  std::vector<std::pair<const ConfigField<T>*, CLI::Option*>> flags;
  for (const ConfigField<T>& f : fields) {
    const std::string key = f.key;
    const std::string help = help_for ? help_for(f) : std::string(f.help);
    CLI::Option* flag = add_field_option(sub, f.flag, f.ref(config), help);
    flag->capture_default_str()->group(key.rfind("shaping.", 0) == 0 ? shaping_group : group);
    flags.emplace_back(&f, flag);
  }
  return flags;
}

// add_config_flags for ModelConfig (the architecture's help lists the architectures).
std::vector<std::pair<const ModelConfigField*, CLI::Option*>> add_model_config_flags(
    CLI::App* sub, ModelConfig& config, const std::string& group, const std::string& shaping_group);

}  // namespace robusthide::cli
