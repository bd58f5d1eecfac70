// Training options: validation, the [fixed] field table, checkpoint options and the
// resume check (options.h).
#include "train/options.h"

#include <cmath>
#include <string>
#include <vector>

#include "robusthide/error.h"
#include "train/checkpoint.h"
#include "util/fields_json.h"

namespace robusthide {

const std::vector<FixedTrainField>& fixed_train_fields() {
  using O = TrainOptions;
  auto warmup_on = [](const O& o) { return o.warmup_steps > 0; };
  static const std::vector<FixedTrainField> fields = {
      {"attack", "-a,--attack",
       "attack between encoder and decoder, e.g. jpeg:50, "
       "split(jpeg:10,jpeg:25,jpeg:50,jpeg:75,jpeg:90), diffjpeg:50",
       [](O& o) -> FieldRef { return &o.attack; }},
      {"batch_size", "--batch-size", "images per step",
       [](O& o) -> FieldRef { return &o.batch_size; }},
      {"lr", "--lr", "Adam learning rate", [](O& o) -> FieldRef { return &o.lr; }},
      {"seed", "--seed", "seed of weights, data order, crops, messages",
       [](O& o) -> FieldRef { return &o.seed; }},
      {"image_weight", "--image-weight", "weight of MSE(encoded, cover)",
       [](O& o) -> FieldRef { return &o.image_weight; }},
      {"message_weight", "--message-weight", "weight of MSE(decoded, message)",
       [](O& o) -> FieldRef { return &o.message_weight; }},
      {"adversarial_weight", "--adversarial-weight",
       "weight of the discriminator term (0 = no discriminator)",
       [](O& o) -> FieldRef { return &o.adversarial_weight; }},
      {"init_model", "--init",
       "start from this model file's weights (fine-tuning; same network shapes, shaping and "
       "target PSNR may differ)",
       [](O& o) -> FieldRef { return &o.init_model; },
       [](const O& o) { return !o.init_model.empty(); }},
      {"init_partial", "--init-partial",
       "with --init: copy only the weights whose name and shape match, keep the others fresh",
       [](O& o) -> FieldRef { return &o.init_partial; }, [](const O& o) { return o.init_partial; }},
      {"warmup_strength", "--warmup-strength",
       "residual multiplier at step 0, falling to 1 at --warmup-steps",
       [](O& o) -> FieldRef { return &o.warmup_strength; }, warmup_on},
      {"warmup_steps", "--warmup-steps", "length of the strength warm-up (0 = off)",
       [](O& o) -> FieldRef { return &o.warmup_steps; }, warmup_on},
  };
  return fields;
}

TrainOptions read_checkpoint_options(const std::string& checkpoint_path) {
  const Checkpoint checkpoint(checkpoint_path);
  TrainOptions o;
  try {
    const nlohmann::json& j = checkpoint.options();
    const nlohmann::json& f = j.at("fixed");
    for (const FixedTrainField& field : fixed_train_fields()) {
      if (field.stored && !f.contains(field.key)) continue;  // off when written
      detail::field_from_json(f.at(field.key), field.ref(o));
    }
    o.model = model_config_from_json(f.at("model").dump());
    j.at("train_folders").get_to(o.train_folders);
    j.at("val_folders").get_to(o.val_folders);
    j.at("epochs").get_to(o.epochs);
    j.at("steps").get_to(o.steps);
  } catch (const nlohmann::json::exception& e) {
    throw IoError("cannot load checkpoint '" + checkpoint_path + "': bad options entry (" +
                  e.what() + ")");
  } catch (const InvalidArgument& e) {
    throw IoError("cannot load checkpoint '" + checkpoint_path + "': bad options entry (" +
                  e.what() + ")");
  }
  return o;
}

namespace detail {
namespace {

void bad_option(const std::string& what) {
  throw InvalidArgument("invalid training options: " + what);
}

std::string join_parts(const std::vector<std::string>& parts, const char* sep) {
  std::string s;
  for (const auto& p : parts) s += (s.empty() ? "" : sep) + p;
  return s;
}

}  // namespace

void validate_options(const TrainOptions& o) {
  if (o.train_folders.empty()) bad_option("no training folder given");
  if (o.out_dir.empty()) bad_option("no output folder given");
  if (o.init_partial && o.init_model.empty()) bad_option("init_partial needs init_model (--init)");
  if (o.batch_size < 1)
    bad_option("batch_size = " + std::to_string(o.batch_size) + " (expected >= 1)");
  if (o.epochs < 0 || o.steps < 0 || (o.epochs > 0) == (o.steps > 0)) {
    bad_option("epochs = " + std::to_string(o.epochs) + ", steps = " + std::to_string(o.steps) +
               " (expected exactly one of them > 0)");
  }
  auto check_weight = [](const char* name, double v, bool positive) {
    if (!std::isfinite(v) || v < 0 || (positive && v == 0)) {
      bad_option(
          std::string(name) + " = " + std::to_string(v) +
          (positive ? " (expected a finite number > 0)" : " (expected a finite number >= 0)"));
    }
  };
  check_weight("lr", o.lr, true);
  check_weight("image_weight", o.image_weight, false);
  check_weight("message_weight", o.message_weight, false);
  check_weight("adversarial_weight", o.adversarial_weight, false);
  if (!(o.warmup_strength >= 1 && o.warmup_strength <= 100)) {
    bad_option("warmup_strength = " + std::to_string(o.warmup_strength) + " (expected 1..100)");
  }
  if (o.warmup_steps < 0)
    bad_option("warmup_steps = " + std::to_string(o.warmup_steps) + " (expected >= 0)");
  if (o.checkpoint_every < 0) {
    bad_option("checkpoint_every = " + std::to_string(o.checkpoint_every) + " (expected >= 0)");
  }
  if (o.max_train_images < 0) {
    bad_option("max_train_images = " + std::to_string(o.max_train_images) + " (expected >= 0)");
  }
  if (o.val_images < o.batch_size) {
    bad_option("val_images = " + std::to_string(o.val_images) +
               " is below batch_size = " + std::to_string(o.batch_size));
  }
  if (o.codec_threads < 0 || o.load_threads < 0) bad_option("thread counts must be >= 0");
  if (!std::isfinite(o.max_minutes) || o.max_minutes < 0) {
    bad_option("max_minutes = " + std::to_string(o.max_minutes) +
               " (expected a finite number >= 0)");
  }
  o.model.validate();
}

nlohmann::json fixed_options(const TrainOptions& options, const std::string& attack_spec) {
  TrainOptions o = options;  // with the canonical attack spec
  o.attack = attack_spec;
  nlohmann::json j = nlohmann::json::object();
  for (const FixedTrainField& f : fixed_train_fields()) {
    if (!f.stored || f.stored(o)) j[f.key] = field_json(f.read(o));
  }
  j["model"] = nlohmann::json::parse(to_json(o.model));
  return j;
}

void check_resume(const nlohmann::json& stored, const nlohmann::json& now,
                  const std::string& path) {
  std::vector<std::string> diffs;
  auto compare = [&diffs](const std::string& name, const nlohmann::json& a,
                          const nlohmann::json& b) {
    if (a != b) diffs.push_back(name + " = " + b.dump() + " (checkpoint: " + a.dump() + ")");
  };
  for (const auto& [key, value] : now.items()) {
    const nlohmann::json old = stored.contains(key) ? stored.at(key) : nlohmann::json();
    if (key == "model" && old.is_object()) {
      // Field by field, through the model file's reader: a field the checkpoint lacks
      // (written before it existed) has the value such files load with.
      const ModelConfig was = model_config_from_json(old.dump()),
                        is = model_config_from_json(value.dump());
      for (const ModelConfigField& f : model_config_fields()) {
        if (!fields_equal(f.read(was), f.read(is))) {
          diffs.push_back(std::string("model.") + f.key + " = " + field_text(f.read(is)) +
                          " (checkpoint: " + field_text(f.read(was)) + ")");
        }
      }
    } else {
      compare(key, old, value);
    }
  }
  // Options only stored when on (the warm-up) and off now.
  for (const auto& [key, value] : stored.items()) {
    if (!now.contains(key)) diffs.push_back(key + " = off (checkpoint: " + value.dump() + ")");
  }
  if (!diffs.empty()) {
    throw InvalidArgument("cannot resume from '" + path +
                          "': options differ from the checkpoint's: " + join_parts(diffs, "; "));
  }
}

}  // namespace detail
}  // namespace robusthide
