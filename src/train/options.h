// Training options: their validation and the [fixed] ones a resume must not change
// (stored in the checkpoint, compared on resume). The fields are fixed_train_fields()
// and model_config_fields(); nothing here lists them again.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "robusthide/train.h"

namespace robusthide::detail {

// Throws InvalidArgument "invalid training options: ..." for the first bad option.
void validate_options(const TrainOptions& o);

// The [fixed] options as stored in a checkpoint: every fixed_train_fields() entry that
// is stored, "attack" as the canonical `attack_spec`, and "model" (the config's JSON).
nlohmann::json fixed_options(const TrainOptions& o, const std::string& attack_spec);

// Throws InvalidArgument listing every fixed option of `now` that differs from the
// checkpoint's (`stored`), naming the checkpoint `path`.
void check_resume(const nlohmann::json& stored, const nlohmann::json& now, const std::string& path);

}  // namespace robusthide::detail
