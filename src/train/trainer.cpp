// train(): option checks, the training loop, validation, checkpoints, the model file.
#include <sys/resource.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <memory>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "robusthide/attack.h"
#include "robusthide/clips.h"
#include "robusthide/dataset.h"
#include "robusthide/device.h"
#include "robusthide/embedding.h"
#include "robusthide/error.h"
#include "robusthide/evaluate.h"
#include "robusthide/metrics.h"
#include "robusthide/progress.h"
#include "robusthide/runtime.h"
#include "robusthide/tensor.h"
#include "robusthide/train.h"
#include "model/eval_mode.h"
#include "model/network_io.h"
#include "train/checkpoint.h"
#include "train/csv_log.h"
#include "train/options.h"
#include "train/output_folder.h"
#include "train/placement.h"
#include "train/rng.h"
#include "train/run_info.h"
#include "train/run_loop.h"
#include "train/training_data.h"
#include "watermark/resample.h"

namespace robusthide {
namespace {

namespace F = torch::nn::functional;
using detail::AutocastGuard;
using detail::diverged;
using detail::RngStateGuard;

constexpr uint64_t kValidationSeed = kTrainValidationSeed;

// The warm-up factor of the residual at `step` (TrainOptions::warmup_strength).
double warmup_factor(const TrainOptions& o, int64_t step) {
  if (o.warmup_steps <= 0 || step >= o.warmup_steps) return 1.0;
  return std::pow(o.warmup_strength, 1.0 - static_cast<double>(step) / o.warmup_steps);
}

void set_requires_grad(torch::nn::Module& module, bool on) {
  for (auto& p : module.parameters()) p.set_requires_grad(on);
}

// Seconds since the last lap().
class PhaseClock {
 public:
  double lap() {
    const auto now = std::chrono::steady_clock::now();
    const double s = std::chrono::duration<double>(now - last_).count();
    last_ = now;
    return s;
  }

 private:
  std::chrono::steady_clock::time_point last_ = std::chrono::steady_clock::now();
};

// Process CPU time (user, system) in seconds.
std::pair<double, double> process_cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  auto sec = [](const timeval& t) { return t.tv_sec + t.tv_usec * 1e-6; };
  return {sec(u.ru_utime), sec(u.ru_stime)};
}

// Copies the weights of the model file `path` into `model` (TrainOptions::init_model):
// all of them, or with `partial` those that fit (the others are listed on `report`).
void init_from(const std::string& path, bool partial, Model& model, std::ostream* report) {
  const Model source = load_model(path);
  if (partial) {
    const std::vector<std::string> fresh = copy_matching_weights(source, model);
    if (report != nullptr) {
      *report << "init: " << fresh.size() << " weight tensor(s) of the run do not fit '" << path
              << "' and start fresh" << (fresh.empty() ? "" : ":");
      for (const auto& name : fresh) *report << " " << name;
      *report << std::endl;
    }
    return;
  }
  ModelConfig a = source.config, b = model.config;
  a.shaping = b.shaping;
  a.target_psnr = b.target_psnr;
  if (a != b) {
    throw InvalidArgument("cannot start from '" + path + "': its networks (" +
                          source.config.summary() + ") differ from the run's (" +
                          model.config.summary() + ")");
  }
  try {
    copy_networks(source, model);
  } catch (const std::runtime_error& e) {
    throw InvalidArgument("cannot start from '" + path + "': " + e.what());
  }
}

// The options, once checked (the first thing a Trainer does: nothing is read or
// written before).
const TrainOptions& validated(const TrainOptions& o) {
  detail::validate_options(o);
  return o;
}

Attack training_attack(const TrainOptions& o) {
  AttackOptions attack_options;
  attack_options.codec_threads = o.codec_threads;
  return make_attack(o.attack, attack_options);
}

// A training run: constructed, everything is checked and the run is ready (a resumed one
// restored); run() trains, validates, checkpoints and writes the model file.
class Trainer {
 public:
  explicit Trainer(const TrainOptions& options);
  TrainResult run();

 private:
  void try_attack() const;
  void open_output();
  void build_model();
  torch::Tensor training_covers(const std::vector<int64_t>& photos) const;
  void train_step();
  double discriminator_step(const torch::Tensor& cover, const torch::Tensor& encoded);
  torch::Tensor fooling_loss(const torch::Tensor& encoded);
  EpochRecord validate();
  double validation_adversarial_loss();
  void record();
  void checkpoint();
  CheckpointContents contents();

  // Members in construction order: each may use those above it.
  const TrainOptions& o_;
  const detail::Placement placement_;
  const Attack attack_;
  const std::string attack_spec_;
  const bool adversarial_;
  const detail::TrainingData data_;
  const int64_t total_steps_;
  const detail::RunPaths paths_;
  nlohmann::json checkpoint_options_;
  std::unique_ptr<detail::OutputFolder> folder_;
  std::unique_ptr<Checkpoint> resumed_;  // the checkpoint being resumed, until restored
  std::unique_ptr<Model> model_;
  std::unique_ptr<torch::optim::Adam> optimizer_, disc_optimizer_;
  std::unique_ptr<TrainLog> log_;
  TrainState state_;
  int64_t last_checkpoint_step_ = -1;
  std::unique_ptr<detail::RunLoop> loop_;
  std::unique_ptr<ClipSet> validation_clips_;  // clip_share > 0: made at the first validation
  TrainResult result_;
};

Trainer::Trainer(const TrainOptions& o)
    : o_(validated(o)),
      placement_(o),
      attack_(training_attack(o)),
      attack_spec_(attack_->spec()),
      adversarial_(o.adversarial_weight > 0),
      data_(o, o.model.image_size),
      total_steps_(data_.total_steps()),
      paths_(o.out_dir) {
  try_attack();
  if (o.tune_allocator) tune_memory_allocator();
  open_output();
  build_model();
  placement_.note_ignored(o, o.report);
  state_.train_images = data_.train_images();
  log_ = std::make_unique<TrainLog>(paths_.log, o.resume, state_.step);
}

// Runs the attack once on a grey batch before anything is written, so that a spec that
// cannot work with this batch (a split that does not divide it) or a failing cmd:
// program stops the run here (torch's generator is left as it was).
void Trainer::try_attack() const {
  RngStateGuard keep_rng;
  torch::NoGradGuard no_grad;
  const int64_t s = o_.model.image_size;
  const torch::Tensor grey = torch::full({o_.batch_size, 3, s, s}, 0.5f,
                                         torch::TensorOptions().device(placement_.device()));
  attack_->forward(grey, grey);
}

// Locks the output folder, and for --resume reads the checkpoint and checks that the
// fixed options, the data and the length allow continuing it.
void Trainer::open_output() {
  const nlohmann::json fixed = detail::fixed_options(o_, attack_spec_);
  checkpoint_options_ = detail::run_checkpoint_options(o_, fixed, device_name(placement_.device()));
  // Informational (not checked on resume); only what changes the numbers.
  if (placement_.amp()) checkpoint_options_["amp"] = "bfloat16";
  resumed_ = detail::open_run(o_, paths_, fixed, {}, data_.train_images(), total_steps_, folder_);
}

// The networks and optimizers: new (seeded, or copied from --init), or restored from the
// checkpoint being resumed; then placed on the device.
void Trainer::build_model() {
  torch::manual_seed(o_.seed);
  model_ = std::make_unique<Model>(o_.model);
  std::vector<torch::Tensor> params = model_->encoder->parameters();
  for (const auto& p : model_->decoder->parameters()) params.push_back(p);
  optimizer_ = std::make_unique<torch::optim::Adam>(params, torch::optim::AdamOptions(o_.lr));
  if (adversarial_) {
    disc_optimizer_ = std::make_unique<torch::optim::Adam>(model_->discriminator->parameters(),
                                                           torch::optim::AdamOptions(o_.lr));
  }
  if (!o_.init_model.empty() && !resumed_) {
    init_from(o_.init_model, o_.init_partial, *model_, o_.report);
  }
  if (resumed_) {
    detail::restore_run(*resumed_, contents(), kStatCount, state_);
    last_checkpoint_step_ = state_.step;
    resumed_.reset();
  }
  placement_.place({model_->encoder.get(), model_->decoder.get(), model_->discriminator.get()},
                   {optimizer_.get(), disc_optimizer_.get()}, o_.seed, state_.step);
}

CheckpointContents Trainer::contents() {
  return checkpoint_contents(*model_, *optimizer_, disc_optimizer_.get());
}

// One step of the discriminator on real covers against the (detached) marked images;
// returns its loss.
double Trainer::discriminator_step(const torch::Tensor& cover, const torch::Tensor& encoded) {
  Discriminator& d = model_->discriminator;
  disc_optimizer_->zero_grad();
  torch::Tensor on_cover, on_encoded;
  {
    AutocastGuard autocast(placement_.amp());
    on_cover = d->forward(cover).to(torch::kFloat32);
    on_encoded = d->forward(encoded.detach()).to(torch::kFloat32);
  }
  const torch::Tensor d_loss =
      F::binary_cross_entropy_with_logits(on_cover, torch::ones_like(on_cover)) +
      F::binary_cross_entropy_with_logits(on_encoded, torch::zeros_like(on_encoded));
  d_loss.backward();
  disc_optimizer_->step();
  return d_loss.item<double>();
}

// The encoder's adversarial term: how far the discriminator is from taking `encoded` for
// covers. The discriminator's own weights get no gradient (train_step turns them back on
// after the backward pass).
torch::Tensor Trainer::fooling_loss(const torch::Tensor& encoded) {
  Discriminator& d = model_->discriminator;
  set_requires_grad(*d, false);
  AutocastGuard autocast(placement_.amp());
  const torch::Tensor fooled = d->forward(encoded).to(torch::kFloat32);
  return F::binary_cross_entropy_with_logits(fooled, torch::ones_like(fooled));
}

// A batch of covers: random crops of the batch's photos (each, whole_share of the time,
// the whole photo shrunk to the model's size), or (clip_share of the time) a pan/zoom
// clip of its first photo. Randomness from torch's generator (resumable).
torch::Tensor Trainer::training_covers(const std::vector<int64_t>& photos) const {
  if (o_.clip_share <= 0 || torch::rand({1}, torch::kFloat64).item<double>() >= o_.clip_share) {
    torch::Tensor covers = data_.train().random_crops(photos);
    if (o_.whole_share > 0) {
      const torch::Tensor u = torch::rand({static_cast<int64_t>(photos.size())}, torch::kFloat64);
      for (size_t i = 0; i < photos.size(); ++i) {
        if (u[static_cast<int64_t>(i)].item<double>() >= o_.whole_share) continue;
        const Image& photo = data_.train().image(static_cast<size_t>(photos[i]));
        covers[static_cast<int64_t>(i)].copy_(
            detail::to_model_size(photo, o_.model.image_size).squeeze(0));
      }
    }
    return covers;
  }
  const Image& photo = data_.train().image(static_cast<size_t>(photos.front()));
  PanZoomOptions pan;
  pan.frames = static_cast<int>(o_.batch_size);
  pan.size = o_.model.image_size;
  const PanZoomPath path = random_pan_zoom_path(photo.width, photo.height, pan, [] {
    return torch::rand({1}, torch::kFloat64).item<double>();
  });
  return images_to_tensor(pan_zoom_clip(photo, path, pan));
}

void Trainer::train_step() {
  PhaseClock clock;
  StepTimes& t = result_.times;
  const int64_t b = o_.batch_size;
  const torch::Tensor cover = placement_.batch(training_covers(loop_->next_batch()));
  const torch::Tensor message =
      placement_.batch(torch::randint(0, 2, {b, o_.model.message_bits}, torch::kFloat32));
  t.data += clock.lap();

  torch::Tensor encoded, decoded;
  {
    // The one embedding pipeline (embedding.h): shaped, 8-bit (straight-through), with the
    // warm-up factor as its strength.
    AutocastGuard autocast(placement_.amp());
    encoded = embed_batch(*model_, cover, message, warmup_factor(o_, state_.step));
  }
  t.encoder_decoder += clock.lap();
  const torch::Tensor attacked = attack_->forward(encoded, cover);
  t.attack += clock.lap();
  {
    AutocastGuard autocast(placement_.amp());
    decoded = model_->decoder->forward(attacked).to(torch::kFloat32);
  }
  const torch::Tensor image_mse = F::mse_loss(encoded, cover);
  const torch::Tensor message_mse = F::mse_loss(decoded, message);
  torch::Tensor loss = o_.image_weight * image_mse + o_.message_weight * message_mse;
  t.encoder_decoder += clock.lap();

  double adversarial = NAN, discriminator = NAN;
  if (adversarial_) {
    discriminator = discriminator_step(cover, encoded);
    const torch::Tensor g_adv = fooling_loss(encoded);
    loss = loss + o_.adversarial_weight * g_adv;
    adversarial = g_adv.item<double>();
    t.discriminator += clock.lap();
  }
  const double loss_value = loss.item<double>();
  if (!std::isfinite(loss_value)) {
    diverged(state_.step + 1, "the loss is " + std::to_string(loss_value), last_checkpoint_step_);
  }
  optimizer_->zero_grad();
  loss.backward();
  optimizer_->step();
  if (adversarial_) set_requires_grad(*model_->discriminator, true);
  t.backward += clock.lap();
  ++t.steps;

  double* s = state_.stats.data_ptr<double>();
  s[kStatLoss] += loss_value;
  s[kStatImageMse] += image_mse.item<double>();
  s[kStatMessageMse] += message_mse.item<double>();
  s[kStatAdversarial] += adversarial;
  s[kStatDiscriminator] += discriminator;
  s[kStatBer] += bit_error_rate(decoded.detach(), message);
  s[kStatSteps] += 1;
}

EpochRecord Trainer::validate() {
  // The validation is `evaluate` itself (same pipeline, messages, attack seeds and
  // metrics), so log.csv's val_ber is what `robusthide evaluate` reports for this model,
  // these images and this batch size (seed kValidationSeed).
  RngStateGuard keep_training_rng;
  Model& m = *model_;
  if (o_.clip_share > 0 && !validation_clips_) {
    PanZoomOptions pan;
    pan.frames = static_cast<int>(o_.batch_size);
    pan.size = o_.model.image_size;
    validation_clips_ = std::make_unique<ClipSet>(
        ClipSet::pan_zoom(data_.validation(), pan, kValidationSeed,
                          std::max<int64_t>(1, data_.validation_images() / 4)));
  }
  const CoverSet& data =
      validation_clips_ ? static_cast<const CoverSet&>(*validation_clips_) : data_.validation();
  EvalOptions eo;
  eo.attacks = {attack_spec_};
  if (attack_spec_ != "identity") eo.attacks.push_back("identity");
  eo.batch_size = static_cast<int>(o_.batch_size);
  eo.seed = kValidationSeed;
  eo.max_images = validation_clips_ ? 0 : data_.validation_images();
  eo.codec_threads = o_.codec_threads;
  eo.device = device_name(placement_.device());
  const EvalReport report = evaluate(m, data, eo);
  const EvalRow& attacked = report.rows.front();
  const EvalRow& clean = report.rows.back();
  const double adversarial = adversarial_ ? validation_adversarial_loss() : NAN;
  const double image_mse = attacked.image_mse, message_mse = attacked.message_mse;

  EpochRecord r;
  r.step = state_.step;
  r.epoch = state_.epoch + static_cast<double>(state_.batch) / data_.steps_per_epoch();
  const double* s = state_.stats.data_ptr<double>();
  const double n = s[kStatSteps];
  r.train_loss = s[kStatLoss] / n;
  r.train_image_mse = s[kStatImageMse] / n;
  r.train_message_mse = s[kStatMessageMse] / n;
  r.train_adversarial = s[kStatAdversarial] / n;
  r.train_discriminator = s[kStatDiscriminator] / n;
  r.train_ber = s[kStatBer] / n;
  r.val_image_mse = image_mse;
  r.val_message_mse = message_mse;
  r.val_adversarial = adversarial;
  r.val_loss = o_.image_weight * r.val_image_mse + o_.message_weight * r.val_message_mse +
               (adversarial_ ? o_.adversarial_weight * r.val_adversarial : 0.0);
  r.val_ber = attacked.ber;
  r.val_ber_identity = clean.ber;
  r.val_psnr = attacked.psnr_db;
  r.val_ciede2000 = attacked.ciede2000_mean;
  r.val_ciede2000_p99 = attacked.ciede2000_p99;
  r.val_flat_visible = attacked.flat_visible_share;
  r.seconds = loop_->seconds();
  r.device = device_name(placement_.device());
  return r;
}

// The encoder's adversarial loss on the validation images (evaluate has no discriminator).
double Trainer::validation_adversarial_loss() {
  RngStateGuard keep_training_rng;
  torch::NoGradGuard no_grad;
  Model& m = *model_;
  EvalModeGuard encoder_mode(*m.encoder), disc_mode(*m.discriminator);
  const ImageFolderDataset& data = data_.validation();
  const int64_t b = o_.batch_size, batches = data_.validation_images() / b;
  double sum = 0;
  for (int64_t i = 0; i < batches; ++i) {
    std::vector<int64_t> idx(static_cast<size_t>(b));
    for (int64_t k = 0; k < b; ++k) idx[static_cast<size_t>(k)] = i * b + k;
    const torch::Tensor cover = placement_.batch(data.center_crops(idx));
    const torch::Tensor message =
        eval_messages(kValidationSeed, i * b, b, o_.model.message_bits).to(placement_.device());
    AutocastGuard autocast(placement_.amp());
    const torch::Tensor fooled =
        m.discriminator->forward(embed_batch(m, cover, message)).to(torch::kFloat32);
    sum += F::binary_cross_entropy_with_logits(fooled, torch::ones_like(fooled)).item<double>();
  }
  return sum / static_cast<double>(batches);
}

// Validates, appends the row, prints it and starts new training sums.
void Trainer::record() {
  const EpochRecord r = validate();
  log_->append(r);
  result_.records.push_back(r);
  state_.stats.zero_();
  if (o_.report) {
    loop_->clear_progress();
    char line[512];
    std::snprintf(line, sizeof line,
                  "epoch %.4g step %lld: train loss %.5f BER %.2f%% | val loss %.5f "
                  "BER %.2f%% (identity %.2f%%) PSNR %.2f dB CIEDE2000 %.2f (p99 %.2f) flat "
                  "visible %.2f%% | %.1f s",
                  r.epoch, static_cast<long long>(r.step), r.train_loss, 100 * r.train_ber,
                  r.val_loss, 100 * r.val_ber, 100 * r.val_ber_identity, r.val_psnr,
                  r.val_ciede2000, r.val_ciede2000_p99, 100 * r.val_flat_visible, r.seconds);
    *o_.report << line << std::endl;
  }
}

void Trainer::checkpoint() {
  if (!has_finite_weights(*model_)) {
    diverged(state_.step, "the weights hold NaN or infinity", last_checkpoint_step_);
  }
  state_.rng_state = detail::rng_state();
  state_.seconds = loop_->seconds();
  save_checkpoint(paths_.checkpoint, checkpoint_options_, state_, contents());
  last_checkpoint_step_ = state_.step;
  folder_->keep();
}

TrainResult Trainer::run() {
  loop_ = std::make_unique<detail::RunLoop>(o_, state_, total_steps_, data_.steps_per_epoch());
  model_->encoder->train();
  model_->decoder->train();
  model_->discriminator->train();
  const auto cpu_start = process_cpu_seconds();
  PhaseClock loop_clock;
  detail::LoopSteps steps;
  steps.step = [this] { train_step(); };
  steps.status = [this] {
    const double* s = state_.stats.data_ptr<double>();
    char status[64];
    std::snprintf(status, sizeof status, "BER %.2f%%  PSNR %.1f dB",
                  100.0 * s[kStatBer] / s[kStatSteps],
                  10.0 * std::log10(s[kStatSteps] / s[kStatImageMse]));
    return std::string(status);
  };
  steps.record = [this] { record(); };
  steps.checkpoint = [this] { checkpoint(); };
  result_.time_limit_reached = loop_->run(steps);
  loop_->close(*log_, state_.stats.data_ptr<double>()[kStatSteps], last_checkpoint_step_, steps);
  StepTimes& t = result_.times;
  t.other =
      loop_clock.lap() - (t.data + t.encoder_decoder + t.attack + t.discriminator + t.backward);
  const auto cpu_end = process_cpu_seconds();
  t.cpu_user = cpu_end.first - cpu_start.first;
  t.cpu_system = cpu_end.second - cpu_start.second;

  model_->provenance =
      detail::run_provenance(o_, attack_spec_, state_, device_name(placement_.device()));
  if (loop_->model_needs_writing(paths_.model)) save_model(*model_, paths_.model);

  result_.steps = state_.step;
  result_.epochs = state_.epoch;
  result_.model_path = paths_.model;
  result_.checkpoint_path = paths_.checkpoint;
  result_.log_path = paths_.log;
  return result_;
}

}  // namespace

TrainResult train(const TrainOptions& options) {
  Trainer trainer(options);
  return trainer.run();
}

}  // namespace robusthide
