// train(): option checks, the training loop, validation, checkpoints, the model file.
#include <ATen/CPUGeneratorImpl.h>
#include <ATen/autocast_mode.h>
#include <torch/version.h>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <mutex>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "robusthide/attack.h"
#include "robusthide/dataset.h"
#include "robusthide/device.h"
#include "robusthide/embedding.h"
#include "robusthide/error.h"
#include "robusthide/evaluate.h"
#include "robusthide/metrics.h"
#include "robusthide/progress.h"
#include "robusthide/runtime.h"
#include "robusthide/train.h"
#include "model/eval_mode.h"
#include "model/network_io.h"
#include "train/checkpoint.h"
#include "train/csv_log.h"
#include "train/options.h"
#include "train/run_info.h"

namespace robusthide {
namespace {

namespace fs = std::filesystem;
namespace F = torch::nn::functional;

constexpr uint64_t kValidationSeed = kTrainValidationSeed;

// The warm-up factor of the residual at `step` (TrainOptions::warmup_strength).
double warmup_factor(const TrainOptions& o, int64_t step) {
  if (o.warmup_steps <= 0 || step >= o.warmup_steps) return 1.0;
  return std::pow(o.warmup_strength, 1.0 - static_cast<double>(step) / o.warmup_steps);
}

std::string join(const std::vector<std::string>& parts, const char* sep) {
  std::string s;
  for (const auto& p : parts) s += (s.empty() ? "" : sep) + p;
  return s;
}

torch::Tensor rng_state() {
  at::Generator gen = at::detail::getDefaultCPUGenerator();
  std::lock_guard<std::mutex> lock(gen.mutex());
  return gen.get_state();
}

void set_rng_state(const torch::Tensor& state) {
  at::Generator gen = at::detail::getDefaultCPUGenerator();
  std::lock_guard<std::mutex> lock(gen.mutex());
  gen.set_state(state);
}

// Saves torch's global generator state and puts it back on scope exit.
class RngStateGuard {
 public:
  RngStateGuard() : state_(rng_state()) {}
  ~RngStateGuard() { set_rng_state(state_); }
  RngStateGuard(const RngStateGuard&) = delete;
  RngStateGuard& operator=(const RngStateGuard&) = delete;

 private:
  torch::Tensor state_;
};

void set_requires_grad(torch::nn::Module& module, bool on) {
  for (auto& p : module.parameters()) p.set_requires_grad(on);
}

// bfloat16 autocast on CUDA for the scope (nothing when `on` is false). The C++ autocast
// API changed in LibTorch 2.4 (per-device functions); both spellings are long-stable.
class AutocastGuard {
 public:
  explicit AutocastGuard(bool on) : on_(on) {
    if (!on_) return;
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
    previous_ = at::autocast::is_autocast_enabled(at::kCUDA);
    at::autocast::set_autocast_dtype(at::kCUDA, at::kBFloat16);
    at::autocast::set_autocast_enabled(at::kCUDA, true);
#else
    previous_ = at::autocast::is_enabled();
    at::autocast::set_autocast_gpu_dtype(at::kBFloat16);
    at::autocast::set_enabled(true);
#endif
  }
  ~AutocastGuard() {
    if (!on_) return;
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
    at::autocast::set_autocast_enabled(at::kCUDA, previous_);
#else
    at::autocast::set_enabled(previous_);
#endif
    if (!previous_) at::autocast::clear_cache();
  }
  AutocastGuard(const AutocastGuard&) = delete;
  AutocastGuard& operator=(const AutocastGuard&) = delete;

 private:
  bool on_;
  bool previous_ = false;
};

// Moves Adam's per-parameter state (created on the CPU by a checkpoint restore) next to
// the parameters.
void optimizer_state_to(torch::optim::Optimizer& optimizer, const torch::Device& device) {
  for (auto& entry : optimizer.state()) {
    auto* s = dynamic_cast<torch::optim::AdamParamState*>(entry.second.get());
    if (s == nullptr) continue;
    if (s->exp_avg().defined()) s->exp_avg(s->exp_avg().to(device));
    if (s->exp_avg_sq().defined()) s->exp_avg_sq(s->exp_avg_sq().to(device));
    if (s->max_exp_avg_sq().defined()) s->max_exp_avg_sq(s->max_exp_avg_sq().to(device));
  }
}

// Puts the 4-D weights of a network in channels-last order (the same values).
void to_channels_last(torch::nn::Module& module) {
  torch::NoGradGuard no_grad;
  for (auto& p : module.parameters()) {
    if (p.dim() == 4) p.set_data(p.contiguous(torch::MemoryFormat::ChannelsLast));
  }
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

// The output folder of a run: created if missing, locked for the run (flock on
// OUT/.lock, so two runs cannot share it), and, when the run fails before its first
// checkpoint, emptied of what this run wrote (and removed when this run created it).
class OutputFolder {
 public:
  explicit OutputFolder(const std::string& dir) : dir_(dir) {
    std::error_code ec;
    created_ = !fs::exists(dir, ec);
    fs::create_directories(dir, ec);
    if (ec || !fs::is_directory(dir)) {
      throw IoError("cannot create output folder '" + dir + "': " +
                    (ec ? ec.message() : std::string("not a folder")));
    }
    lock_path_ = (fs::path(dir) / ".lock").string();
    fd_ = ::open(lock_path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0) {
      const std::string why = std::strerror(errno);
      discard();
      throw IoError("cannot lock output folder '" + dir + "': " + why);
    }
    if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
      ::close(fd_);
      fd_ = -1;
      throw InvalidArgument("output folder '" + dir + "' is in use by another training run "
                            "(it holds the lock on " + lock_path_ + ")");
    }
  }
  ~OutputFolder() {
    if (!kept_) discard();
    if (fd_ >= 0) ::close(fd_);  // releases the lock
  }
  OutputFolder(const OutputFolder&) = delete;
  OutputFolder& operator=(const OutputFolder&) = delete;

  // A file this run creates (removed if the run fails before keep()).
  void add_file(const std::string& path) { files_.push_back(path); }
  // The run has a checkpoint: keep everything from now on.
  void keep() { kept_ = true; }

 private:
  void discard() {
    std::error_code ec;
    for (const auto& f : files_) fs::remove(f, ec);
    if (created_) {
      if (fd_ >= 0) fs::remove(lock_path_, ec);
      fs::remove(dir_, ec);  // only if empty
    }
  }

  std::string dir_, lock_path_;
  std::vector<std::string> files_;
  bool created_ = false, kept_ = false;
  int fd_ = -1;
};

// Copies the weights of the model file `path` into `model` (TrainOptions::init_model).
void init_from(const std::string& path, Model& model) {
  const Model source = load_model(path);
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

// Thrown when the loss or the weights stop being finite.
[[noreturn]] void diverged(int64_t step, const std::string& what, int64_t last_checkpoint) {
  throw Error("training diverged at step " + std::to_string(step) + ": " + what +
              " (lower --lr?); " +
              (last_checkpoint > 0 ? "the checkpoint of step " + std::to_string(last_checkpoint) + " is kept"
                                   : std::string("no checkpoint was written")) +
              " and no model.pt is written");
}

class Trainer {
 public:
  explicit Trainer(const TrainOptions& options);
  TrainResult run();

 private:
  void train_step();
  torch::Tensor to_device(const torch::Tensor& batch) const;
  EpochRecord validate();
  void record();
  void checkpoint();
  double seconds() const;

  const TrainOptions& o_;
  torch::Device device_{torch::kCPU};
  bool cuda_ = false, channels_last_ = false, amp_ = false;
  Attack attack_;
  std::string attack_spec_;
  bool adversarial_ = false;
  std::unique_ptr<ImageFolderDataset> train_data_, val_data_;
  int64_t steps_per_epoch_ = 0, total_steps_ = 0, val_count_ = 0;
  nlohmann::json checkpoint_options_;
  std::string checkpoint_path_, model_path_, log_path_;
  std::unique_ptr<Model> model_;
  std::unique_ptr<torch::optim::Adam> optimizer_, disc_optimizer_;
  std::unique_ptr<TrainLog> log_;
  TrainState state_;
  int64_t last_checkpoint_step_ = -1;
  std::unique_ptr<ProgressBar> progress_;
  std::unique_ptr<OutputFolder> folder_;
  int64_t start_step_ = 0;
  std::chrono::steady_clock::time_point start_;
  double start_seconds_ = 0;
  TrainResult result_;
};

Trainer::Trainer(const TrainOptions& o) : o_(o) {
  // Everything is checked before anything is written.
  detail::validate_options(o);
  device_ = parse_device(o.device);
  cuda_ = device_.is_cuda();
  channels_last_ = cuda_ && o.channels_last;
  amp_ = cuda_ && o.amp;
  AttackOptions attack_options;
  attack_options.codec_threads = o.codec_threads;
  attack_ = make_attack(o.attack, attack_options);
  attack_spec_ = attack_->spec();
  adversarial_ = o.adversarial_weight > 0;

  DatasetOptions data_options;
  data_options.crop_size = o.model.image_size;
  data_options.threads = o.load_threads;
  data_options.max_images = o.max_train_images;
  train_data_ = std::make_unique<ImageFolderDataset>(o.train_folders, data_options);
  const int64_t n = static_cast<int64_t>(train_data_->size());
  if (n < o.batch_size) {
    throw InvalidArgument("cannot train: " + std::to_string(n) + " training photos in '" +
                          join(o.train_folders, "', '") + "', fewer than batch_size = " +
                          std::to_string(o.batch_size));
  }
  const ImageFolderDataset* val = train_data_.get();
  if (!o.val_folders.empty()) {
    data_options.max_images = o.val_images;
    val_data_ = std::make_unique<ImageFolderDataset>(o.val_folders, data_options);
    val = val_data_.get();
  }
  val_count_ = std::min<int64_t>(o.val_images, static_cast<int64_t>(val->size())) /
               o.batch_size * o.batch_size;
  if (val_count_ == 0) {
    throw InvalidArgument("cannot validate: " + std::to_string(val->size()) +
                          " validation photos in '" + join(o.val_folders, "', '") +
                          "', fewer than batch_size = " + std::to_string(o.batch_size));
  }
  steps_per_epoch_ = n / o.batch_size;
  total_steps_ = o.epochs > 0 ? o.epochs * steps_per_epoch_ : o.steps;

  const nlohmann::json fixed = detail::fixed_options(o, attack_spec_);
  checkpoint_options_ = {{"fixed", fixed},
                         {"train_folders", o.train_folders},
                         {"val_folders", o.val_folders},
                         {"epochs", o.epochs},
                         {"steps", o.steps},
                         {"device", device_name(device_)}};
  // Informational (not checked on resume); only what changes the numbers.
  if (amp_) checkpoint_options_["amp"] = "bfloat16";
  const fs::path out(o.out_dir);
  checkpoint_path_ = (out / "checkpoint.pt").string();
  model_path_ = (out / "model.pt").string();
  log_path_ = (out / "log.csv").string();

  // Run the attack once on a grey batch before anything is written, so that a spec that
  // cannot work with this batch (a split that does not divide it) or a failing cmd:
  // program stops the run here (torch's generator is left as it was).
  {
    RngStateGuard keep_rng;
    torch::NoGradGuard no_grad;
    const torch::Tensor grey = torch::full({o.batch_size, 3, o.model.image_size, o.model.image_size}, 0.5f,
                                           torch::TensorOptions().device(device_));
    attack_->forward(grey, grey);
  }

  if (o.tune_allocator) tune_memory_allocator();
  folder_ = std::make_unique<OutputFolder>(o.out_dir);
  std::unique_ptr<Checkpoint> resumed;
  std::error_code ec;
  if (o.resume) {
    resumed = std::make_unique<Checkpoint>(checkpoint_path_);
    const nlohmann::json stored = resumed->options().value("fixed", nlohmann::json::object());
    detail::check_resume(stored, fixed, checkpoint_path_);
    if (resumed->state().train_images != n) {
      throw InvalidArgument("cannot resume from '" + checkpoint_path_ +
                            "': the training data changed (" + std::to_string(n) +
                            " photos now, " + std::to_string(resumed->state().train_images) +
                            " in the checkpoint)");
    }
    if (resumed->state().step > total_steps_) {
      throw InvalidArgument("cannot resume from '" + checkpoint_path_ + "': the run is at step " +
                            std::to_string(resumed->state().step) + ", beyond its new length of " +
                            std::to_string(total_steps_) + " steps (nothing is changed)");
    }
    folder_->keep();
  } else if (fs::exists(checkpoint_path_, ec)) {
    throw InvalidArgument("'" + o.out_dir +
                          "' already holds a checkpoint: resume it (--resume) or choose "
                          "another output folder");
  } else {
    folder_->add_file(log_path_);
  }

  torch::manual_seed(o.seed);
  model_ = std::make_unique<Model>(o.model);
  std::vector<torch::Tensor> params = model_->encoder->parameters();
  for (const auto& p : model_->decoder->parameters()) params.push_back(p);
  optimizer_ = std::make_unique<torch::optim::Adam>(params, torch::optim::AdamOptions(o.lr));
  if (adversarial_) {
    disc_optimizer_ = std::make_unique<torch::optim::Adam>(model_->discriminator->parameters(),
                                                           torch::optim::AdamOptions(o.lr));
  }
  if (!o.init_model.empty() && !resumed) init_from(o.init_model, *model_);
  if (resumed) {
    resumed->restore(*model_, *optimizer_, disc_optimizer_.get());
    state_ = resumed->state();
    try {
      set_rng_state(state_.rng_state);
    } catch (const c10::Error& e) {
      throw IoError("cannot load checkpoint '" + checkpoint_path_ + "': bad generator state");
    }
    last_checkpoint_step_ = state_.step;
  }
  if (cuda_) {
    // Weights and Adam states move to the GPU; the optimizers keep pointing at the same
    // parameter tensors (Module::to replaces their data in place).
    model_->to(device_);
    optimizer_state_to(*optimizer_, device_);
    if (disc_optimizer_) optimizer_state_to(*disc_optimizer_, device_);
    if (channels_last_) {
      to_channels_last(*model_->encoder);
      to_channels_last(*model_->decoder);
      to_channels_last(*model_->discriminator);
    }
    // Random attacks on GPU tensors draw from the CUDA generator, which checkpoints do
    // not hold: a resumed run reseeds it from (seed, step) instead of replaying step 0's.
    if (state_.step > 0) {
      torch::cuda::manual_seed_all(o.seed ^ (0x9E3779B97F4A7C15ULL * static_cast<uint64_t>(state_.step)));
    }
  }
  if (o.report != nullptr && !cuda_ && (o.channels_last || o.amp)) {
    *o.report << "note: " << (o.channels_last ? "channels-last " : "")
              << (o.channels_last && o.amp ? "and " : "") << (o.amp ? "amp " : "")
              << "only apply on CUDA; ignored on the CPU" << std::endl;
  }
  state_.train_images = n;
  log_ = std::make_unique<TrainLog>(log_path_, o.resume, state_.step);

}

double Trainer::seconds() const {
  return start_seconds_ +
         std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

// A CPU batch on the training device (pinned memory + asynchronous copy on CUDA).
torch::Tensor Trainer::to_device(const torch::Tensor& batch) const {
  if (!cuda_) return batch;
  torch::Tensor x = batch.pin_memory().to(device_, /*non_blocking=*/true);
  return channels_last_ ? x.contiguous(torch::MemoryFormat::ChannelsLast) : x;
}

void Trainer::train_step() {
  PhaseClock clock;
  StepTimes& t = result_.times;
  const int64_t b = o_.batch_size;
  if (!state_.permutation.defined()) {
    state_.permutation = torch::randperm(state_.train_images, torch::kInt64);
  }
  const int64_t* order = state_.permutation.data_ptr<int64_t>() + state_.batch * b;
  const torch::Tensor cover =
      to_device(train_data_->random_crops(std::vector<int64_t>(order, order + b)));
  const torch::Tensor message =
      to_device(torch::randint(0, 2, {b, o_.model.message_bits}, torch::kFloat32));
  t.data += clock.lap();

  torch::Tensor encoded, decoded;
  {
    // The one embedding pipeline (embedding.h): shaped, 8-bit (straight-through), with the
    // warm-up factor as its strength.
    AutocastGuard autocast(amp_);
    encoded = embed_batch(*model_, cover, message, warmup_factor(o_, state_.step));
  }
  t.encoder_decoder += clock.lap();
  const torch::Tensor attacked = attack_->forward(encoded, cover);
  t.attack += clock.lap();
  {
    AutocastGuard autocast(amp_);
    decoded = model_->decoder->forward(attacked).to(torch::kFloat32);
  }
  const torch::Tensor image_mse = F::mse_loss(encoded, cover);
  const torch::Tensor message_mse = F::mse_loss(decoded, message);
  torch::Tensor loss = o_.image_weight * image_mse + o_.message_weight * message_mse;
  t.encoder_decoder += clock.lap();

  double adversarial = NAN, discriminator = NAN;
  if (adversarial_) {
    Discriminator& d = model_->discriminator;
    disc_optimizer_->zero_grad();
    torch::Tensor on_cover, on_encoded;
    {
      AutocastGuard autocast(amp_);
      on_cover = d->forward(cover).to(torch::kFloat32);
      on_encoded = d->forward(encoded.detach()).to(torch::kFloat32);
    }
    const torch::Tensor d_loss = F::binary_cross_entropy_with_logits(on_cover, torch::ones_like(on_cover)) +
                                 F::binary_cross_entropy_with_logits(on_encoded, torch::zeros_like(on_encoded));
    d_loss.backward();
    disc_optimizer_->step();
    discriminator = d_loss.item<double>();
    // The generator's adversarial term: no gradient is needed for D's own weights.
    set_requires_grad(*d, false);
    torch::Tensor fooled;
    {
      AutocastGuard autocast(amp_);
      fooled = d->forward(encoded).to(torch::kFloat32);
    }
    const torch::Tensor g_adv =
        F::binary_cross_entropy_with_logits(fooled, torch::ones_like(fooled));
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
  const ImageFolderDataset& data = val_data_ ? *val_data_ : *train_data_;
  EvalOptions eo;
  eo.attacks = {attack_spec_};
  if (attack_spec_ != "identity") eo.attacks.push_back("identity");
  eo.batch_size = static_cast<int>(o_.batch_size);
  eo.seed = kValidationSeed;
  eo.max_images = val_count_;
  eo.codec_threads = o_.codec_threads;
  eo.device = device_name(device_);
  const EvalReport report = evaluate(m, data, eo);
  const EvalRow& attacked = report.rows.front();
  const EvalRow& clean = report.rows.back();
  double adversarial = 0;
  if (adversarial_) {
    // The discriminator's view of the same marked images (evaluate has no discriminator).
    torch::NoGradGuard no_grad;
    EvalModeGuard encoder_mode(*m.encoder), disc_mode(*m.discriminator);
    const int64_t b = o_.batch_size, batches = val_count_ / b;
    for (int64_t i = 0; i < batches; ++i) {
      std::vector<int64_t> idx(static_cast<size_t>(b));
      for (int64_t k = 0; k < b; ++k) idx[static_cast<size_t>(k)] = i * b + k;
      const torch::Tensor cover = to_device(data.center_crops(idx));
      const torch::Tensor message = eval_messages(kValidationSeed, i * b, b, o_.model.message_bits).to(device_);
      AutocastGuard autocast(amp_);
      const torch::Tensor fooled = m.discriminator->forward(embed_batch(m, cover, message)).to(torch::kFloat32);
      adversarial += F::binary_cross_entropy_with_logits(fooled, torch::ones_like(fooled)).item<double>();
    }
    adversarial /= static_cast<double>(batches);
  }
  const double image_mse = attacked.image_mse, message_mse = attacked.message_mse;
  const double psnr_sum = attacked.psnr_db * static_cast<double>(val_count_);
  EpochRecord r;
  r.step = state_.step;
  r.epoch = state_.epoch + static_cast<double>(state_.batch) / steps_per_epoch_;
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
  r.val_adversarial = adversarial_ ? adversarial : NAN;
  r.val_loss = o_.image_weight * r.val_image_mse + o_.message_weight * r.val_message_mse +
               (adversarial_ ? o_.adversarial_weight * r.val_adversarial : 0.0);
  r.val_ber = attacked.ber;
  r.val_ber_identity = clean.ber;
  r.val_psnr = psnr_sum / static_cast<double>(val_count_);
  r.val_ciede2000 = attacked.ciede2000_mean;
  r.val_ciede2000_p99 = attacked.ciede2000_p99;
  r.val_flat_visible = attacked.flat_visible_share;
  r.seconds = seconds();
  r.device = device_name(device_);
  return r;
}

// Validates, appends the row, prints it and starts new training sums.
void Trainer::record() {
  const EpochRecord r = validate();
  log_->append(r);
  result_.records.push_back(r);
  state_.stats.zero_();
  if (o_.report) {
    progress_->clear();
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
  state_.rng_state = rng_state();
  state_.seconds = seconds();
  save_checkpoint(checkpoint_path_, checkpoint_options_, state_, *model_, *optimizer_,
                  disc_optimizer_.get());
  last_checkpoint_step_ = state_.step;
  folder_->keep();
}

TrainResult Trainer::run() {
  const bool show = o_.progress == ProgressMode::kAlways ||
                    (o_.progress == ProgressMode::kAuto && stderr_is_terminal());
  ProgressOptions bar;
  bar.enabled = show;
  bar.total = total_steps_;
  bar.first = state_.step;
  bar.items_per_unit = o_.batch_size;
  bar.time_limit_s = o_.max_minutes * 60.0;
  progress_ = std::make_unique<ProgressBar>(bar);
  start_ = std::chrono::steady_clock::now();
  start_seconds_ = state_.seconds;
  start_step_ = state_.step;
  const double budget_seconds = o_.max_minutes * 60.0;
  model_->encoder->train();
  model_->decoder->train();
  model_->discriminator->train();
  const auto cpu_start = process_cpu_seconds();
  PhaseClock loop_clock;
  while (state_.step < total_steps_) {
    train_step();
    ++state_.step;
    ++state_.batch;
    const bool epoch_end = state_.batch == steps_per_epoch_;
    if (epoch_end) {
      ++state_.epoch;
      state_.batch = 0;
      state_.permutation = torch::Tensor();
    }
    if (show) {
      const double* s = state_.stats.data_ptr<double>();
      char status[64];
      std::snprintf(status, sizeof status, "BER %.2f%%  PSNR %.1f dB", 100.0 * s[kStatBer] / s[kStatSteps],
                    10.0 * std::log10(s[kStatSteps] / s[kStatImageMse]));
      progress_->update(state_.step, status);
    }
    if (epoch_end) record();
    if (o_.checkpoint_every > 0 && state_.step % o_.checkpoint_every == 0) checkpoint();
    if (budget_seconds > 0 && state_.step < total_steps_ &&
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count() >=
            budget_seconds) {
      result_.time_limit_reached = true;
      break;
    }
  }
  // A run that stopped mid-epoch (or a resumed one that crashed before its last row)
  // still gets a final validation.
  if (log_->last_step() != state_.step && state_.stats.data_ptr<double>()[kStatSteps] > 0) {
    record();
  }
  if (last_checkpoint_step_ != state_.step) checkpoint();
  progress_->finish();
  StepTimes& t = result_.times;
  t.other = loop_clock.lap() - (t.data + t.encoder_decoder + t.attack + t.discriminator + t.backward);
  const auto cpu_end = process_cpu_seconds();
  t.cpu_user = cpu_end.first - cpu_start.first;
  t.cpu_system = cpu_end.second - cpu_start.second;

  model_->provenance.attack = attack_spec_;
  model_->provenance.steps = state_.step;
  model_->provenance.epochs = state_.epoch;
  model_->provenance.data = join(o_.train_folders, ";");
  model_->provenance.seed = o_.seed;
  model_->provenance.commit = o_.commit.empty() ? source_commit() : o_.commit;
  model_->provenance.created = utc_now_iso8601();
  model_->provenance.notes = o_.notes;
  model_->provenance.device = device_name(device_);
  std::error_code ec;
  // A resumed run that was already complete trains nothing: its model.pt stays as it is.
  if (state_.step != start_step_ || !fs::exists(model_path_, ec)) save_model(*model_, model_path_);

  result_.steps = state_.step;
  result_.epochs = state_.epoch;
  result_.model_path = model_path_;
  result_.checkpoint_path = checkpoint_path_;
  result_.log_path = log_path_;
  return result_;
}

}  // namespace

TrainResult train(const TrainOptions& options) {
  Trainer trainer(options);
  return trainer.run();
}

}  // namespace robusthide
