// Training the encoder, decoder and discriminator: options, the loop, checkpoints, the log.
//
// One step ([HiDDeN], docs/references.md):
//   cover    = random crops of a batch of training photos        (N,3,S,S) in [0,1]
//   message  = random bits from torch's generator                (N,L) of 0/1
//   encoded  = encoder(cover, message)   (residual x warm-up strength, see TrainOptions)
//   discriminator step (when adversarial_weight > 0), its own Adam:
//     BCEWithLogits(D(cover), 1) + BCEWithLogits(D(encoded.detach()), 0)
//   encoder/decoder step, one Adam over both networks:
//     decoded = decoder(attack(encoded, cover))
//     loss = image_weight * MSE(encoded, cover) + message_weight * MSE(decoded, message)
//          + adversarial_weight * BCEWithLogits(D(encoded), 1)
// An epoch is one pass over the training photos in a seeded random order, in batches of
// batch_size (the last partial batch is dropped). After every epoch (and at the end of
// a run that stops mid-epoch) the networks are validated and a row is appended to
// OUT/log.csv. docs/training.md describes the options, files and guarantees in full.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

#include "robusthide/fields.h"
#include "robusthide/model.h"

namespace robusthide {

// When the progress bar is drawn (on stderr).
enum class ProgressMode {
  kAuto,    // only when stderr is a terminal
  kAlways,  // always (also into files and pipes)
  kNever,   // never
};

// What every training run needs, whatever it trains (bit models: TrainOptions; image
// hiding: HidingTrainOptions in hiding.h). Fields marked [fixed] are stored in the
// checkpoint and must be the same when a run is resumed (the trainer refuses otherwise).
struct RunOptions {
  // Folders of training photos (JPEG, PNG, WebP; searched recursively). Required.
  std::vector<std::string> train_folders;
  // Folders of validation photos. Empty = validate on the first val_images training
  // photos (centre crops; not held out, so only a sanity check).
  std::vector<std::string> val_folders;
  // [fixed] Attack between the networks (attack.h grammar), e.g. "jpeg:50".
  std::string attack = "identity";
  // [fixed] Images per step.
  int batch_size = 32;
  // Length of the run: exactly one of epochs and steps must be > 0. Either may grow
  // when a finished run is resumed, to train further.
  int64_t epochs = 0;  // whole passes over the training photos
  int64_t steps = 0;   // optimizer steps
  // [fixed] Adam learning rate (encoder+decoder, and the discriminator's own Adam).
  double lr = 1e-3;
  // [fixed] Seed of torch's generator: initial weights, data order, crops, messages,
  // random attacks. The same seed and options give bit-identical weights.
  uint64_t seed = 0;
  // Write OUT/checkpoint.pt every this many steps (0 = only at the end of the run).
  int64_t checkpoint_every = 500;
  // Append a validation row to log.csv every this many steps (0 = at the end of every
  // epoch). Large validation sets over short epochs cost more than the steps (a lent
  // GPU trains the fast networks in ~0.05 s a step; 100 photos validate in ~8 s).
  int64_t val_every = 0;
  // Output folder (created): checkpoint.pt, model.pt, log.csv. Required.
  std::string out_dir;
  // Continue the run saved in OUT/checkpoint.pt exactly where it stopped. Without it,
  // a folder that already holds a checkpoint is refused (nothing is overwritten).
  bool resume = false;
  // Use at most this many training photos, in sorted path order (0 = all).
  int64_t max_train_images = 0;
  // Validate on at most this many photos (rounded down to a multiple of batch_size).
  int64_t val_images = 1024;
  // Threads of real-codec attacks (0 = one per core) and of photo decoding (0 = all).
  int codec_threads = 0;
  int load_threads = 0;
  // Progress bar on stderr: step/total, images/s, ETA, running BER and PSNR.
  ProgressMode progress = ProgressMode::kAuto;
  // Where one line per validation is printed (nullptr = nowhere); the CLI uses stdout.
  std::ostream* report = nullptr;
  // Free text stored in the model's provenance (the CLI stores its command line).
  std::string notes;
  // Source commit stored in the provenance; empty = `git describe --always --dirty` of
  // the source tree, taken when this library was built ("" if built without git).
  std::string commit;
  // Tell glibc's malloc to keep freed memory instead of returning it to the kernel
  // (mallopt M_MMAP_MAX = 0, M_TRIM_THRESHOLD = 2 GiB): large tensors are then reused
  // instead of being mapped and zeroed again on every step ([authors' code on this CPU],
  // docs/references.md). Process-wide and permanent once set; the memory high-water mark is kept.
  bool tune_allocator = true;
  // Where the networks and optimizers live: "cpu", "cuda" or "cuda:N" (device.h). On
  // CUDA the batch is still cut from the in-memory photos on the CPU (same crops and
  // messages from torch's CPU generator as on the CPU) and copied to the GPU; real-codec
  // attacks copy to the CPU and back. A CUDA device that is not available is
  // InvalidArgument before anything is written. Not [fixed]: a run may be resumed on
  // another device (bit-identical results are only guaranteed on the CPU).
  std::string device = "cpu";
  // CUDA only (ignored, with a note on `report`, on the CPU): keep weights and inputs in
  // channels-last memory order (faster convolutions on tensor cores; same math).
  bool channels_last = false;
  // CUDA only (ignored, with a note, on the CPU): run the network forward passes under
  // bfloat16 autocast (losses, optimizer and attacks stay float32). Changes the numbers,
  // so it is recorded in the checkpoint's options.
  bool amp = false;
  // Wall-clock budget of this call in minutes (0 = none): after the step during which it
  // runs out, the run stops as if it had reached its length -- final validation row,
  // checkpoint and model -- and TrainResult::time_limit_reached is set. `resume`
  // continues it (the budget is not stored).
  double max_minutes = 0;
};

// A bit model's training run: the run's options and the model's.
struct TrainOptions : RunOptions {
  // [fixed] Network shapes; model.image_size is the side of the training crops.
  ModelConfig model;
  // [fixed] Start from this model file's weights instead of random ones (fine-tuning).
  // Its networks must have the shapes of `model`; shaping and target_psnr may differ
  // (e.g. a model trained unshaped, fine-tuned with perceptual shaping). "" = random.
  std::string init_model;
  // [fixed] With init_model: copy only the weights whose name and shape match this run's
  // networks and keep the others freshly initialized (e.g. a new message layout on
  // trained convolutions); the networks may differ. The weights left fresh are reported.
  bool init_partial = false;
  // [fixed] Loss weights. adversarial_weight = 0 disables the discriminator entirely
  // (it is neither run nor trained).
  double image_weight = 0.7;
  double message_weight = 1.0;
  double adversarial_weight = 1e-3;
  // [fixed] Strength warm-up (0 steps = off): during training the encoder's residual
  // (encoded - cover) is multiplied by warmup_strength at step 0, a factor that falls
  // geometrically to 1 at step warmup_steps and stays 1. A louder residual early lets the
  // decoder find the message before the distortion budget tightens (the "fast" models'
  // fixed-PSNR residual needs it). Validation always runs at strength 1.
  double warmup_strength = 1.0;
  int64_t warmup_steps = 0;
  // [fixed] Video training (issue 13): this fraction of the batches are pan/zoom clips
  // (clips.h) of batch_size frames cut from one training photo along a random smooth
  // path, so that a video codec in the attack codes camera motion; the others are random
  // crops of batch_size photos. With clip_share > 0 the validation runs on pan/zoom clips of
  // the validation photos (clips of batch_size frames, a quarter as many clips as
  // validation photos). 0 = photos only.
  double clip_share = 0;
  // [fixed] Whole photos: in photo batches, each cover is with this probability the whole
  // training photo brought to the model's size as embed does it (area average, aspect not
  // kept: watermark.h) instead of a random crop, so the networks also learn the picture
  // statistics and shaping masks that embed/extract meet on whole photos (a crop keeps
  // the photo's own pixel scale; a whole photo is shrunk several times). 0 = crops only.
  double whole_share = 0;
};

// One [fixed] option of a run's options O (TrainOptions, HidingTrainOptions), described
// once: checkpoints store the fields (under "fixed", with the model's config as "model"),
// a resume compares them, the checkpoint reader restores them, and the CLI derives its
// flags from them.
template <typename O>
struct FixedField {
  const char* key;      // name in the checkpoint
  const char* flag;     // the CLI flag
  const char* help;     // its help text
  FieldRef (*ref)(O&);  // the member
  ConstFieldRef read(const O& o) const { return read_field(ref, o); }
  // nullptr: always stored. Otherwise stored only when this is true (an option added
  // after checkpoints were first written: older ones lack it and mean "off").
  bool (*stored)(const O&) = nullptr;
};
using FixedTrainField = FixedField<TrainOptions>;

// Every [fixed] field but `model` (whose fields are model_config_fields()).
const std::vector<FixedTrainField>& fixed_train_fields();

// One validation, as written to log.csv (columns in this order; docs/training.md).
// Seed of training's validation (EvalOptions::seed of the evaluate() run it is): the
// messages and the attack's randomness. `robusthide evaluate --seed 20240501` on the
// same images with the same batch size reproduces log.csv's validation figures.
constexpr uint64_t kTrainValidationSeed = 20240501;

struct EpochRecord {
  double epoch = 0;  // epochs completed (fractional for a run that stopped mid-epoch)
  int64_t step = 0;  // optimizer steps done
  // Means over the training steps since the previous record. adversarial and
  // discriminator losses are NaN (empty in the CSV) when the discriminator is off.
  double train_loss = 0, train_image_mse = 0, train_message_mse = 0;
  double train_adversarial = 0, train_discriminator = 0, train_ber = 0;
  // On the validation photos (centre crops), with fixed messages and a fixed attack seed.
  double val_loss = 0, val_image_mse = 0, val_message_mse = 0, val_adversarial = 0;
  double val_ber = 0;           // under the training attack
  double val_ber_identity = 0;  // without attack
  double val_psnr = 0;          // mean over images of batch_psnr(cover, encoded), dB
  // Perceptual distance of the validation images (EvalRow's fields): CIEDE2000 mean and
  // 99th percentile, share of flat pixels visibly changed.
  double val_ciede2000 = 0, val_ciede2000_p99 = 0, val_flat_visible = 0;
  double seconds = 0;  // training wall time so far, all resumed parts together
  std::string device;  // where the networks ran ("cpu", "cuda:0")
};

// What a finished train() did.
// Wall time of this call's training steps by phase, in seconds summed over the steps
// (on CUDA the GPU phases are asynchronous: their time shows up where the next phase
// waits for it, usually in "attack" or "backward").
struct StepTimes {
  int64_t steps = 0;           // training steps timed
  double data = 0;             // random crops, messages, copy to the device
  double encoder_decoder = 0;  // encoder and decoder forward passes, losses
  double attack = 0;           // the attack layer (real codecs: conversion + coding)
  double discriminator = 0;    // discriminator forward/backward/Adam, adversarial term
  double backward = 0;         // encoder/decoder backward pass and Adam step
  double other = 0;            // validation, checkpoints, logging
  double cpu_user = 0;         // process CPU time in user mode during the steps
  double cpu_system = 0;       // ... in the kernel (page faults from memory allocation)
};

struct TrainResult {
  int64_t steps = 0;                 // optimizer steps done in total (resumed ones included)
  int64_t epochs = 0;                // whole epochs done in total
  std::vector<EpochRecord> records;  // validations done by this call
  std::string model_path;            // OUT/model.pt
  std::string checkpoint_path;       // OUT/checkpoint.pt
  std::string log_path;              // OUT/log.csv
  bool time_limit_reached = false;   // stopped by max_minutes before the run's length
  StepTimes times;                   // where this call's time went
};

// Trains (or resumes) a model and writes OUT/model.pt (save_model, provenance filled),
// OUT/checkpoint.pt (atomically: a crash never destroys the previous one) and
// OUT/log.csv. Every option, the attack spec, the model config and both data folders
// are checked before anything is written.
// Throws InvalidArgument for bad options, an existing checkpoint without `resume`, or
// a resume whose [fixed] options or training photos differ from the checkpoint's (the
// message lists every difference); IoError for unreadable photos or checkpoints and
// failed writes; CodecError from real-codec attacks.
TrainResult train(const TrainOptions& options);

// The options a checkpoint was written with: the [fixed] ones, the data folders, epochs
// and steps; every other field keeps its default. Lets a front end resume a run without
// repeating its flags. Throws IoError "cannot load checkpoint 'PATH': <reason>".
TrainOptions read_checkpoint_options(const std::string& checkpoint_path);

// Column names of log.csv, in order.
const std::vector<std::string>& train_log_columns();

}  // namespace robusthide
