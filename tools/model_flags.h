// The model-config flags of `train` and `info`, derived from model_config_fields().
#pragma once

#include <CLI/CLI.hpp>

#include <string>
#include <utility>
#include <vector>

#include "robusthide/model.h"

namespace robusthide::cli {

// A CLI option bound to the field `ref` points at (any FieldRef type).
CLI::Option* add_field_option(CLI::App* sub, const char* flag, const FieldRef& ref,
                              const std::string& help);

// One flag per ModelConfig field, bound to `config`, defaults shown, in `group` (the
// shaping fields in `shaping_group`). Returns each field with its flag.
std::vector<std::pair<const ModelConfigField*, CLI::Option*>> add_model_config_flags(
    CLI::App* sub, ModelConfig& config, const std::string& group, const std::string& shaping_group);

}  // namespace robusthide::cli
