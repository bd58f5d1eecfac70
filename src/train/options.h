// Training options: their validation and the [fixed] ones a resume must not change
// (stored in the checkpoint, compared on resume). The fields are the FixedField tables
// (run_fixed_fields() for every run, fixed_train_fields() and fixed_hiding_train_fields()
// add their own) and the model configs' tables; nothing here lists them again.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "robusthide/train.h"
#include "util/fields_json.h"

namespace robusthide::detail {

// The [fixed] fields every run has (attack, batch size, learning rate, seed), for any
// options type O derived from RunOptions.
template <typename O>
std::vector<FixedField<O>> run_fixed_fields() {
  return {
      {"attack", "-a,--attack",
       "attack between the networks, e.g. jpeg:50, split(jpeg:10,jpeg:25,jpeg:50,jpeg:75,jpeg:90), "
       "diffjpeg:50",
       [](O& o) -> FieldRef { return &o.attack; }},
      {"batch_size", "--batch-size", "images per step",
       [](O& o) -> FieldRef { return &o.batch_size; }},
      {"lr", "--lr", "Adam learning rate", [](O& o) -> FieldRef { return &o.lr; }},
      {"seed", "--seed", "seed of weights, data order, crops, messages",
       [](O& o) -> FieldRef { return &o.seed; }},
  };
}

// The stored fields of `table` as a JSON object, "attack" as the canonical `attack_spec`.
template <typename O>
nlohmann::json fixed_fields_json(const std::vector<FixedField<O>>& table, const O& options,
                                 const std::string& attack_spec) {
  O o = options;
  o.attack = attack_spec;
  nlohmann::json j = nlohmann::json::object();
  for (const FixedField<O>& f : table) {
    if (!f.stored || f.stored(o)) j[f.key] = field_json(f.read(o));
  }
  return j;
}

// Reads a checkpoint's "fixed" object into `o` through `table` (fields stored only when
// on are left as they are when absent); throws nlohmann::json::exception.
template <typename O>
void fixed_fields_from_json(const std::vector<FixedField<O>>& table, const nlohmann::json& fixed,
                            O& o) {
  for (const FixedField<O>& field : table) {
    if (field.stored && !fixed.contains(field.key)) continue;  // off when written
    field_from_json(fixed.at(field.key), field.ref(o));
  }
}

// Throws InvalidArgument "invalid training options: ..." for the first bad option.
void validate_run_options(const RunOptions& o);
void validate_options(const TrainOptions& o);

// The [fixed] options as stored in a checkpoint: every fixed_train_fields() entry that
// is stored, "attack" as the canonical `attack_spec`, and "model" (the config's JSON).
nlohmann::json fixed_options(const TrainOptions& o, const std::string& attack_spec);

// What a checkpoint stores of a run besides the [fixed] options (data folders, length,
// device), and its reader: the non-fixed fields read back into `o`. The reader throws
// nlohmann::json::exception.
nlohmann::json run_checkpoint_options(const RunOptions& o, const nlohmann::json& fixed,
                                      const std::string& device);
void read_run_checkpoint_options(const nlohmann::json& stored, RunOptions& o);

// The differences "field = now (checkpoint: was)" between two stored model configs.
using ModelConfigDiff =
    std::function<std::vector<std::string>(const nlohmann::json& was, const nlohmann::json& is)>;

// Throws InvalidArgument listing every fixed option of `now` that differs from the
// checkpoint's (`stored`), naming the checkpoint `path`. "model" is compared by
// `model_diff` (a bit model's config by default).
void check_resume(const nlohmann::json& stored, const nlohmann::json& now, const std::string& path,
                  const ModelConfigDiff& model_diff = {});

}  // namespace robusthide::detail
