// train_hiding(): the image-hiding training loop on the shared run machinery (src/train:
// data, placement, output folder, checkpoint, log, loop) with evaluate_hiding() as its
// validation.
#include <cmath>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "model/network_io.h"
#include "robusthide/attack.h"
#include "robusthide/device.h"
#include "robusthide/error.h"
#include "robusthide/hiding_eval.h"
#include "robusthide/hiding_train.h"
#include "robusthide/runtime.h"
#include "train/checkpoint.h"
#include "train/csv_log.h"
#include "train/options.h"
#include "train/placement.h"
#include "train/rng.h"
#include "train/run_loop.h"
#include "train/training_data.h"
#include "util/config_fields.h"

namespace robusthide {

const std::vector<FixedField<HidingTrainOptions>>& fixed_hiding_train_fields() {
  using O = HidingTrainOptions;
  static const std::vector<FixedField<O>> fields = [] {
    std::vector<FixedField<O>> f = detail::run_fixed_fields<O>();
    f.push_back({"init_model", "--init",
                 "start from this hiding model's weights (same networks; the budget may differ)",
                 [](O& o) -> FieldRef { return &o.init_model; },
                 [](const O& o) { return !o.init_model.empty(); }});
    return f;
  }();
  return fields;
}

std::vector<std::string> hiding_log_columns(const std::vector<std::string>& val_attacks) {
  std::vector<std::string> c = {"epoch",
                                "step",
                                "train_revealed_apd",
                                "val_container_apd",
                                "val_container_psnr_db",
                                "val_container_ssim",
                                "val_ciede2000",
                                "val_ciede2000_p99",
                                "val_flat_visible"};
  for (const auto& a : val_attacks) c.push_back("val_revealed_apd[" + a + "]");
  c.push_back("seconds");
  c.push_back("device");
  return c;
}

namespace {

// Sums of the training figures since the last row (TrainState::stats).
enum HidingStat : int64_t { kHidingApd, kHidingSteps, kHidingStatCount };

const HidingTrainOptions& validated(const HidingTrainOptions& o) {
  detail::validate_run_options(o);
  if (o.val_attacks.empty()) {
    throw InvalidArgument("invalid training options: no validation attack given");
  }
  o.model.validate();
  return o;
}

// The differences between two stored hiding configs, field by field.
std::vector<std::string> hiding_config_diffs(const nlohmann::json& old, const nlohmann::json& now) {
  HidingConfig was, is;
  try {
    detail::config_from_json(hiding_config_fields(), old, was);
    detail::config_from_json(hiding_config_fields(), now, is);
  } catch (const LoadFailure& e) {
    return {"model = " + now.dump() + " (checkpoint: " + old.dump() + ")"};
  }
  std::vector<std::string> diffs;
  for (const auto& f : hiding_config_fields()) {
    if (!fields_equal(f.read(was), f.read(is))) {
      diffs.push_back(std::string("model.") + f.key + " = " + field_text(f.read(is)) +
                      " (checkpoint: " + field_text(f.read(was)) + ")");
    }
  }
  return diffs;
}

nlohmann::json fixed_options(const HidingTrainOptions& o, const std::string& attack_spec) {
  nlohmann::json j = detail::fixed_fields_json(fixed_hiding_train_fields(), o, attack_spec);
  j["model"] = nlohmann::json::parse(to_json(o.model));
  j["val_attacks"] = o.val_attacks;
  j["kind"] = "image hiding";  // a bit model's checkpoint lacks it: refused on resume
  return j;
}

class HidingTrainer {
 public:
  explicit HidingTrainer(const HidingTrainOptions& o);
  HidingTrainResult run();

 private:
  void build_model();
  CheckpointContents contents();
  void train_step();
  void record();
  void checkpoint();

  const HidingTrainOptions& o_;
  const detail::Placement placement_;
  const Attack attack_;
  const std::string attack_spec_;
  const detail::TrainingData data_;
  const int64_t total_steps_;
  const detail::RunPaths paths_;
  nlohmann::json checkpoint_options_;
  std::unique_ptr<detail::OutputFolder> folder_;
  std::unique_ptr<Checkpoint> resumed_;
  std::unique_ptr<HidingModel> model_;
  std::unique_ptr<torch::optim::Adam> optimizer_;
  std::unique_ptr<TrainLog> log_;
  TrainState state_;
  int64_t last_checkpoint_step_ = -1;
  std::unique_ptr<detail::RunLoop> loop_;
  HidingTrainResult result_;
};

Attack make_training_attack(const HidingTrainOptions& o) {
  AttackOptions attack_options;
  attack_options.codec_threads = o.codec_threads;
  return make_attack(o.attack, attack_options);
}

HidingTrainer::HidingTrainer(const HidingTrainOptions& o)
    : o_(validated(o)),
      placement_(o),
      attack_(make_training_attack(o)),
      attack_spec_(attack_->spec()),
      data_(o, o.model.image_size),
      total_steps_(data_.total_steps()),
      paths_(o.out_dir) {
  {
    // The attack once on a grey batch, and each validation attack's spec, before anything
    // is written (a split that does not divide the batch stops the run here).
    detail::RngStateGuard keep_rng;
    torch::NoGradGuard no_grad;
    const int64_t s = o.model.image_size;
    const torch::Tensor grey = torch::full({o.batch_size, 3, s, s}, 0.5f);
    attack_->forward(grey, grey);
    for (const auto& spec : o.val_attacks) make_attack(spec);
  }
  if (o.tune_allocator) tune_memory_allocator();
  const nlohmann::json fixed = fixed_options(o, attack_spec_);
  checkpoint_options_ = detail::run_checkpoint_options(o, fixed, device_name(placement_.device()));
  if (placement_.amp()) checkpoint_options_["amp"] = "bfloat16";
  resumed_ = detail::open_run(o, paths_, fixed, hiding_config_diffs, data_.train_images(),
                              total_steps_, folder_);
  state_.stats = torch::zeros({kHidingStatCount}, torch::kFloat64);
  build_model();  // a resumed run's state replaces the fresh one
  placement_.note_ignored(o, o.report);
  state_.train_images = data_.train_images();
  log_ = std::make_unique<TrainLog>(paths_.log, o.resume, state_.step,
                                    hiding_log_columns(o.val_attacks));
}

void HidingTrainer::build_model() {
  torch::manual_seed(o_.seed);
  model_ = std::make_unique<HidingModel>(o_.model);
  std::vector<torch::Tensor> params = model_->hider->parameters();
  for (const auto& p : model_->revealer->parameters()) params.push_back(p);
  optimizer_ = std::make_unique<torch::optim::Adam>(
      params, torch::optim::AdamOptions(o_.lr).betas({0.5, 0.999}));
  if (!o_.init_model.empty() && !resumed_) {
    const HidingModel source = load_hiding_model(o_.init_model);
    HidingConfig a = source.config;
    a.target_apd = o_.model.target_apd;
    a.shaping = o_.model.shaping;
    if (a != o_.model) {
      throw InvalidArgument("cannot start from '" + o_.init_model + "': its networks (" +
                            source.config.summary() + ") differ from the run's (" +
                            o_.model.summary() + ")");
    }
    try {
      copy_network(*source.hider, "hider", *model_->hider);
      copy_network(*source.revealer, "revealer", *model_->revealer);
    } catch (const std::runtime_error& e) {
      throw InvalidArgument("cannot start from '" + o_.init_model + "': " + e.what());
    }
  }
  if (resumed_) {
    detail::restore_run(*resumed_, contents(), kHidingStatCount, state_);
    last_checkpoint_step_ = state_.step;
    resumed_.reset();
  }
  placement_.place({model_->hider.get(), model_->revealer.get()}, {optimizer_.get()}, o_.seed,
                   state_.step);
}

CheckpointContents HidingTrainer::contents() {
  return {{{"hider", model_->hider.get()}, {"revealer", model_->revealer.get()}},
          {{"optimizer", optimizer_.get()}}};
}

void HidingTrainer::train_step() {
  const torch::Tensor cover = placement_.batch(data_.train().random_crops(loop_->next_batch()));
  const torch::Tensor secret = torch::roll(cover, 1, 0);  // another photo of the batch
  torch::Tensor revealed;
  {
    detail::AutocastGuard autocast(placement_.amp());
    const torch::Tensor container = hide_batch(*model_, cover, secret);
    const torch::Tensor attacked = attack_->forward(container, cover);
    revealed = reveal_batch(*model_, attacked);
  }
  const torch::Tensor loss = (revealed - secret).abs().mean();
  const double apd = 255.0 * loss.item<double>();
  if (!std::isfinite(apd)) {
    detail::diverged(state_.step + 1, "the loss is " + std::to_string(apd), last_checkpoint_step_);
  }
  optimizer_->zero_grad();
  loss.backward();
  optimizer_->step();
  double* s = state_.stats.data_ptr<double>();
  s[kHidingApd] += apd;
  s[kHidingSteps] += 1;
}

void HidingTrainer::record() {
  detail::RngStateGuard keep_training_rng;
  HidingEvalOptions eo;
  eo.attacks = o_.val_attacks;
  eo.batch_size = o_.batch_size;
  eo.max_images = data_.validation_images();
  eo.seed = kTrainValidationSeed;
  eo.codec_threads = o_.codec_threads;
  eo.device = device_name(placement_.device());
  const HidingEvalReport r = evaluate_hiding(*model_, data_.validation(), eo);
  const double* s = state_.stats.data_ptr<double>();
  const double train_apd = s[kHidingSteps] > 0 ? s[kHidingApd] / s[kHidingSteps] : NAN;
  const double epoch = state_.epoch + static_cast<double>(state_.batch) /
                                          static_cast<double>(data_.steps_per_epoch());
  const ContainerQuality& c = r.container;
  std::string row = log_number(epoch) + "," + std::to_string(state_.step);
  for (double v : {train_apd, c.apd, c.psnr_db, c.ssim, c.ciede2000_mean, c.ciede2000_p99,
                   c.flat_visible_share}) {
    row += "," + log_number(v);
  }
  for (const auto& rr : r.rows) row += "," + log_number(rr.revealed_apd);
  row += "," + log_number(loop_->seconds()) + "," + device_name(placement_.device());
  log_->append_row(state_.step, row);
  state_.stats.zero_();
  result_.last_train_apd = train_apd;
  result_.last_val_apd = r.rows.front().revealed_apd;
  if (o_.report) {
    loop_->clear_progress();
    std::string revealed;
    for (const auto& rr : r.rows) {
      char part[96];
      std::snprintf(part, sizeof part, "%s%s %.2f", revealed.empty() ? "" : ", ", rr.attack.c_str(),
                    rr.revealed_apd);
      revealed += part;
    }
    char line[256];
    std::snprintf(line, sizeof line,
                  "epoch %.4g step %lld: train revealed APD %.2f | val container APD %.2f PSNR "
                  "%.2f dB CIEDE2000 %.2f | revealed APD ",
                  epoch, static_cast<long long>(state_.step), train_apd, c.apd, c.psnr_db,
                  c.ciede2000_mean);
    *o_.report << line << revealed << " | " << loop_->seconds() << " s" << std::endl;
  }
}

void HidingTrainer::checkpoint() {
  if (!network_is_finite(*model_->hider) || !network_is_finite(*model_->revealer)) {
    detail::diverged(state_.step, "the weights hold NaN or infinity", last_checkpoint_step_);
  }
  state_.rng_state = detail::rng_state();
  state_.seconds = loop_->seconds();
  save_checkpoint(paths_.checkpoint, checkpoint_options_, state_, contents());
  last_checkpoint_step_ = state_.step;
  folder_->keep();
}

HidingTrainResult HidingTrainer::run() {
  loop_ = std::make_unique<detail::RunLoop>(o_, state_, total_steps_, data_.steps_per_epoch());
  model_->hider->train();
  model_->revealer->train();
  detail::LoopSteps steps;
  steps.step = [this] { train_step(); };
  steps.status = [this] {
    const double* s = state_.stats.data_ptr<double>();
    char status[64];
    std::snprintf(status, sizeof status, "revealed APD %.2f", s[kHidingApd] / s[kHidingSteps]);
    return std::string(status);
  };
  steps.record = [this] { record(); };
  steps.checkpoint = [this] { checkpoint(); };
  result_.time_limit_reached = loop_->run(steps);
  loop_->close(*log_, state_.stats.data_ptr<double>()[kHidingSteps], last_checkpoint_step_, steps);
  model_->provenance =
      detail::run_provenance(o_, attack_spec_, state_, device_name(placement_.device()));
  if (loop_->model_needs_writing(paths_.model)) save_hiding_model(*model_, paths_.model);
  result_.steps = state_.step;
  result_.epochs = state_.epoch;
  result_.model_path = paths_.model;
  result_.checkpoint_path = paths_.checkpoint;
  result_.log_path = paths_.log;
  return result_;
}

}  // namespace

HidingTrainResult train_hiding(const HidingTrainOptions& options) {
  HidingTrainer trainer(options);
  return trainer.run();
}

HidingTrainOptions read_hiding_checkpoint_options(const std::string& checkpoint_path) {
  const Checkpoint checkpoint(checkpoint_path);
  HidingTrainOptions o;
  try {
    const nlohmann::json& j = checkpoint.options();
    const nlohmann::json& f = j.at("fixed");
    if (f.value("kind", "") != "image hiding") {
      throw IoError("cannot load checkpoint '" + checkpoint_path +
                    "': it is a bit model's training run, not an image-hiding one");
    }
    detail::fixed_fields_from_json(fixed_hiding_train_fields(), f, o);
    detail::config_from_json(hiding_config_fields(), f.at("model"), o.model);
    f.at("val_attacks").get_to(o.val_attacks);
    detail::read_run_checkpoint_options(j, o);
  } catch (const nlohmann::json::exception& e) {
    throw IoError("cannot load checkpoint '" + checkpoint_path + "': bad options entry (" +
                  e.what() + ")");
  } catch (const LoadFailure& e) {
    throw IoError("cannot load checkpoint '" + checkpoint_path + "': bad options entry (" +
                  e.reason + ")");
  }
  return o;
}

}  // namespace robusthide
