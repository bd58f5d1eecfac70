// Training an image-hiding model (issue 14, docs/image-hiding.md). One step:
//   cover    = random crops of a batch of training photos          (N,3,S,S) in [0,1]
//   secret   = the same crops rolled by one: another photo of the batch
//   container = hide_batch(model, cover, secret)     (8-bit, straight-through)
//   revealed = reveal_batch(model, attack(container, cover))
//   loss     = mean |revealed - secret|   (the APD the evaluation reports; the container's
//              distortion is fixed by the config's target_apd, not a loss weight)
// The run's machinery (data, epochs, checkpoints, resume, time budget, log) is the bit
// models' (train.h, docs/training.md); the validation is evaluate_hiding().
#pragma once

#include <string>
#include <vector>

#include "robusthide/hiding.h"
#include "robusthide/train.h"

namespace robusthide {

// The paper's Fig. 5 attack: its three codecs, each on a quarter of the batch, and a
// quarter unattacked.
constexpr const char* kHidingTrainAttack = "split(jpeg:50,jpeg2000:500,webp:50,identity)";

struct HidingTrainOptions : RunOptions {
  HidingTrainOptions() {
    attack = kHidingTrainAttack;
    batch_size = 16;
    val_images = 96;
  }
  // [fixed] The networks and the container budget; model.image_size is the crop side.
  HidingConfig model;
  // [fixed] Start from this hiding model's weights (e.g. another container budget): its
  // networks must have the shapes of `model`; target_apd, strength and shaping may differ.
  std::string init_model;
  // [fixed] Attacks of the validation, one revealed-APD column each in log.csv.
  std::vector<std::string> val_attacks = {"jpeg:50", "jpeg2000:500", "webp:50", "identity"};
};

// Every [fixed] field but `model` (whose fields are hiding_config_fields()) and
// `val_attacks` (stored and compared as a list).
const std::vector<FixedField<HidingTrainOptions>>& fixed_hiding_train_fields();

// Column names of a hiding run's log.csv for these validation attacks: epoch, step,
// train_revealed_apd, val_container_apd, val_container_psnr_db, val_container_ssim,
// val_ciede2000, val_ciede2000_p99, val_flat_visible, one val_revealed_apd[ATTACK] per
// attack, seconds, device.
std::vector<std::string> hiding_log_columns(const std::vector<std::string>& val_attacks);

struct HidingTrainResult {
  int64_t steps = 0, epochs = 0;
  std::string model_path, checkpoint_path, log_path;
  bool time_limit_reached = false;
  double last_train_apd = 0;  // the last log row's train_revealed_apd
  double last_val_apd = 0;    // its revealed APD under the first validation attack
};

// Trains (or resumes) an image-hiding model: OUT/model.pt (save_hiding_model),
// OUT/checkpoint.pt, OUT/log.csv, with train()'s guarantees and errors.
HidingTrainResult train_hiding(const HidingTrainOptions& options);

// The options a hiding run's checkpoint was written with (as read_checkpoint_options).
HidingTrainOptions read_hiding_checkpoint_options(const std::string& checkpoint_path);

}  // namespace robusthide
