// Training options: validation, the [fixed] field table, checkpoint options and the
// resume check (options.h).
#include "train/options.h"

#include <cmath>
#include <string>
#include <vector>

#include "robusthide/error.h"
#include "train/checkpoint.h"

namespace robusthide {

const std::vector<FixedTrainField>& fixed_train_fields() {
  using O = TrainOptions;
  auto warmup_on = [](const O& o) { return o.warmup_steps > 0; };
  static const std::vector<FixedTrainField> fields = [&] {
    std::vector<FixedTrainField> f = detail::run_fixed_fields<O>();
    const std::vector<FixedTrainField> own = {
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
         [](O& o) -> FieldRef { return &o.init_partial; },
         [](const O& o) { return o.init_partial; }},
        {"warmup_strength", "--warmup-strength",
         "residual multiplier at step 0, falling to 1 at --warmup-steps",
         [](O& o) -> FieldRef { return &o.warmup_strength; }, warmup_on},
        {"warmup_steps", "--warmup-steps", "length of the strength warm-up (0 = off)",
         [](O& o) -> FieldRef { return &o.warmup_steps; }, warmup_on},
        {"clip_share", "--clip-share",
         "video training: fraction of batches that are pan/zoom clips of one photo (0 = none)",
         [](O& o) -> FieldRef { return &o.clip_share; },
         [](const O& o) { return o.clip_share > 0; }},
        {"whole_share", "--whole-photo-share",
         "fraction of photo covers that are whole photos shrunk to the model's size as embed "
         "does (0 = crops only)",
         [](O& o) -> FieldRef { return &o.whole_share; },
         [](const O& o) { return o.whole_share > 0; }},
    };
    f.insert(f.end(), own.begin(), own.end());
    return f;
  }();
  return fields;
}

TrainOptions read_checkpoint_options(const std::string& checkpoint_path) {
  const Checkpoint checkpoint(checkpoint_path);
  TrainOptions o;
  try {
    const nlohmann::json& j = checkpoint.options();
    const nlohmann::json& f = j.at("fixed");
    if (f.contains("kind")) {
      throw IoError("cannot load checkpoint '" + checkpoint_path + "': it is an " +
                    f.at("kind").get<std::string>() + " run, not a bit model's");
    }
    detail::fixed_fields_from_json(fixed_train_fields(), f, o);
    o.model = model_config_from_json(f.at("model").dump());
    detail::read_run_checkpoint_options(j, o);
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

void check_weight(const char* name, double v, bool positive) {
  if (!std::isfinite(v) || v < 0 || (positive && v == 0)) {
    bad_option(std::string(name) + " = " + std::to_string(v) +
               (positive ? " (expected a finite number > 0)" : " (expected a finite number >= 0)"));
  }
}

}  // namespace

void validate_run_options(const RunOptions& o) {
  if (o.train_folders.empty()) bad_option("no training folder given");
  if (o.out_dir.empty()) bad_option("no output folder given");
  if (o.batch_size < 1)
    bad_option("batch_size = " + std::to_string(o.batch_size) + " (expected >= 1)");
  if (o.epochs < 0 || o.steps < 0 || (o.epochs > 0) == (o.steps > 0)) {
    bad_option("epochs = " + std::to_string(o.epochs) + ", steps = " + std::to_string(o.steps) +
               " (expected exactly one of them > 0)");
  }
  check_weight("lr", o.lr, true);
  if (o.checkpoint_every < 0) {
    bad_option("checkpoint_every = " + std::to_string(o.checkpoint_every) + " (expected >= 0)");
  }
  if (o.val_every < 0) {
    bad_option("val_every = " + std::to_string(o.val_every) + " (expected >= 0)");
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
}

void validate_options(const TrainOptions& o) {
  validate_run_options(o);
  if (o.init_partial && o.init_model.empty()) bad_option("init_partial needs init_model (--init)");
  check_weight("image_weight", o.image_weight, false);
  check_weight("message_weight", o.message_weight, false);
  check_weight("adversarial_weight", o.adversarial_weight, false);
  if (!(o.warmup_strength >= 1 && o.warmup_strength <= 100)) {
    bad_option("warmup_strength = " + std::to_string(o.warmup_strength) + " (expected 1..100)");
  }
  if (o.warmup_steps < 0)
    bad_option("warmup_steps = " + std::to_string(o.warmup_steps) + " (expected >= 0)");
  if (!(o.clip_share >= 0 && o.clip_share <= 1)) {
    bad_option("clip_share = " + std::to_string(o.clip_share) + " (expected 0..1)");
  }
  if (!(o.whole_share >= 0 && o.whole_share <= 1)) {
    bad_option("whole_share = " + std::to_string(o.whole_share) + " (expected 0..1)");
  }
  o.model.validate();
}

nlohmann::json fixed_options(const TrainOptions& o, const std::string& attack_spec) {
  nlohmann::json j = fixed_fields_json(fixed_train_fields(), o, attack_spec);
  j["model"] = nlohmann::json::parse(to_json(o.model));
  return j;
}

nlohmann::json run_checkpoint_options(const RunOptions& o, const nlohmann::json& fixed,
                                      const std::string& device) {
  return {{"fixed", fixed},
          {"train_folders", o.train_folders},
          {"val_folders", o.val_folders},
          {"epochs", o.epochs},
          {"steps", o.steps},
          {"checkpoint_every", o.checkpoint_every},
          {"val_every", o.val_every},
          {"device", device}};
}

void read_run_checkpoint_options(const nlohmann::json& stored, RunOptions& o) {
  // Stored since resumes keep the checkpoint interval; older checkpoints lack it.
  if (stored.contains("checkpoint_every")) stored.at("checkpoint_every").get_to(o.checkpoint_every);
  if (stored.contains("val_every")) stored.at("val_every").get_to(o.val_every);
  stored.at("train_folders").get_to(o.train_folders);
  stored.at("val_folders").get_to(o.val_folders);
  stored.at("epochs").get_to(o.epochs);
  stored.at("steps").get_to(o.steps);
}

namespace {

// A bit model's stored configs compared field by field, through the model file's reader:
// a field the checkpoint lacks (written before it existed) has the value such files load
// with.
std::vector<std::string> bit_model_diffs(const nlohmann::json& old, const nlohmann::json& now) {
  std::vector<std::string> diffs;
  ModelConfig was, is;
  try {
    was = model_config_from_json(old.dump());
    is = model_config_from_json(now.dump());
  } catch (const std::exception&) {  // not a bit model's config (another kind of run)
    return {"model = " + now.dump() + " (checkpoint: " + old.dump() + ")"};
  }
  for (const ModelConfigField& f : model_config_fields()) {
    if (!fields_equal(f.read(was), f.read(is))) {
      diffs.push_back(std::string("model.") + f.key + " = " + field_text(f.read(is)) +
                      " (checkpoint: " + field_text(f.read(was)) + ")");
    }
  }
  return diffs;
}

}  // namespace

void check_resume(const nlohmann::json& stored, const nlohmann::json& now, const std::string& path,
                  const ModelConfigDiff& model_diff) {
  std::vector<std::string> diffs;
  auto compare = [&diffs](const std::string& name, const nlohmann::json& a,
                          const nlohmann::json& b) {
    if (a != b) diffs.push_back(name + " = " + b.dump() + " (checkpoint: " + a.dump() + ")");
  };
  for (const auto& [key, value] : now.items()) {
    const nlohmann::json old = stored.contains(key) ? stored.at(key) : nlohmann::json();
    if (key == "model" && old.is_object()) {
      const std::vector<std::string> d = (model_diff ? model_diff : bit_model_diffs)(old, value);
      diffs.insert(diffs.end(), d.begin(), d.end());
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
