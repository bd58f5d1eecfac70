// Evaluation of a model: bit error rate under attacks, and imperceptibility (PSNR, SSIM).
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "robusthide/dataset.h"
#include "robusthide/model.h"

namespace robusthide {

// Which message each image of a batch carries when the attack is a video codec.
enum class VideoMessages {
  kPerImage,  // an independent message per frame, as for image attacks: the authors'
              // published video protocol (reference.md), the default
  kPerClip,   // one message for the whole batch (= clip): the paper's text, "same bits
              // in every frame"; the decoder output of every frame is scored
};

// Progress of a run: images done so far (all attacks) out of the total.
using EvalProgress = std::function<void(int64_t images_done, int64_t images_total)>;

// How `evaluate` runs.
struct EvalOptions {
  // Attack specs (make_attack grammar, e.g. "identity", "jpeg:50", "mpeg4"), one result
  // row each, in this order. See eval_table() for the paper's lists.
  std::vector<std::string> attacks = {"identity"};
  // Images per batch: one encoder/decoder forward pass and one attack call. Video
  // codecs code each batch as one clip of consecutive frames. Covers that come in clips
  // (CoverSet::clip_length() > 0, e.g. clips.h) are batched clip by clip instead.
  int batch_size = 32;
  // Seed of the messages (see eval_messages) and of torch's generator for random
  // attacks (see evaluate).
  uint64_t seed = 0;
  // Evaluate at most this many images (0 = all), the first ones in dataset order (whole
  // clips for covers in clips: at least one clip).
  int64_t max_images = 0;
  // Independent messages per image (>= 1): each image is encoded and attacked this many
  // times, with the messages of seeds eval_repeat_seed(seed, 0..n-1), so that a row
  // scores images x messages_per_image x L bits and its confidence interval narrows
  // (the first repeat is exactly the run with messages_per_image = 1).
  int messages_per_image = 1;
  // Threads used by real codecs and by SSIM (0 = one per core).
  int codec_threads = 0;
  // Messages under video attacks (top-level mpeg4, xvid and h264 specs).
  VideoMessages video_messages = VideoMessages::kPerImage;
  // Called after every batch, if set (e.g. to print progress).
  EvalProgress progress;
  // Where the encoder and decoder run: "cpu", "cuda" or "cuda:N" (device.h). The
  // networks are moved there for the run and moved back afterwards (like their
  // train/eval mode); crops, messages, 8-bit rounding, metrics and real codecs stay on
  // the CPU's values, so only the network arithmetic differs between devices.
  // InvalidArgument when the device is unknown or not available.
  std::string device = "cpu";
  // Multiplier of the encoder's residual: encoded = cover + strength x (encoder(cover,
  // message) - cover), before the 8-bit rounding (as embed's --strength). 1 = as
  // trained. InvalidArgument outside [kMinStrength, kMaxStrength] (watermark.h).
  double strength = 1.0;
};

// Per-image PSNR values are capped at this many dB before averaging, so that one
// unchanged image (infinite PSNR) does not make the mean infinite.
constexpr double kEvalPsnrCap = 100.0;

// One attack's results over the whole evaluation set.
struct EvalRow {
  std::string attack;              // canonical spec of the attack
  bool per_clip_messages = false;  // true when one message was shared by each batch
  int64_t images = 0;              // images evaluated
  int64_t bits = 0;                // message bits scored (images x messages per image x L)
  int64_t bit_errors = 0;          // wrong bits after the attack
  double ber = 0.0;                // bit_errors / bits (a fraction, not a percentage)
  // 95% Wilson interval of the BER over the bits scored (metrics.h wilson_interval).
  // It treats bits as independent trials; bits of one image share its content, so read
  // it as a lower bound of the uncertainty across photos.
  double ber_ci_low = 0.0;
  double ber_ci_high = 1.0;
  // Imperceptibility, cover vs encoded image (8-bit, before the attack); the same for
  // every image attack, repeated in each row as in the paper's tables. Means over the
  // images of per-image PSNR (dB, peak 255, capped at kEvalPsnrCap) and SSIM.
  double psnr_db = 0.0;
  double ssim = 0.0;
  // Perceptual distance, cover vs encoded (perceptual.h), like PSNR: means over the images
  // of the per-image CIEDE2000 mean and 99th percentile; the flat-region visibility share
  // pooled over all images (visible flat pixels / flat pixels, 0 when none is flat).
  double ciede2000_mean = 0.0;
  double ciede2000_p99 = 0.0;
  double flat_visible_share = 0.0;
  // Mean squared errors: encoded vs cover (0..1 scale), decoded raw outputs vs message
  // bits (the training loss's message term).
  double image_mse = 0.0;
  double message_mse = 0.0;
  // Distortion the attack adds on top, cover vs attacked image: empty when the attack
  // changes the image size (crop, resize).
  std::optional<double> attacked_psnr_db;
  std::optional<double> attacked_ssim;
  // Mean compressed size in bits per pixel, for attacks that run a real codec.
  std::optional<double> bits_per_pixel;
  // Wall time spent in this attack and the decoder (not the encoder, which is shared).
  double seconds = 0.0;
};

// The results of one evaluation run.
struct EvalReport {
  std::string model;     // ModelConfig::summary() of the model
  int message_bits = 0;  // message length L
  int image_width = 0;   // size of the evaluated crops
  int image_height = 0;
  int64_t images = 0;          // images evaluated per attack
  int messages_per_image = 1;  // EvalOptions::messages_per_image
  int batch_size = 0;
  int clip_length = 0;  // frames per clip when the covers came in clips (CoverSet), else 0
  uint64_t seed = 0;
  double strength = 1.0;      // EvalOptions::strength
  std::vector<EvalRow> rows;  // one per attack, in the order of EvalOptions::attacks
};

// Evaluates `model` on the centre crops of `dataset` (crop size = the dataset's
// crop_size(); the CLI uses the model's image size) under every attack of `options`.
// For each batch of covers and each repeat r < messages_per_image, with s =
// eval_repeat_seed(seed, r):
//   1. messages: eval_messages(s, first image index, batch size, L) -- or, for video
//      attacks with VideoMessages::kPerClip, eval_clip_message(s, batch index, L) in
//      every image of the batch;
//   2. encoded = embed_batch(model, cover, message, options.strength) (embedding.h: the
//      one embedding pipeline, shaped and rounded to 8 bits as when written to a file) in
//      eval mode without gradients; each message set is encoded once per batch and
//      shared by all attacks;
//   3. for each attack: torch::manual_seed(eval_attack_seed(s, canonical attack
//      spec, batch index)), attacked = attack(encoded, cover), decoded =
//      read_batch(model, attacked); a bit is 1 when its decoded value is > 0.5. (So evaluate
//      leaves torch's global generator reseeded.)
// Results therefore depend only on the model, the images, the batch size, the seed and
// the attack itself -- not on the other attacks in the list or their order.
// The networks' training/eval mode is restored afterwards. All specs are validated
// before any work (InvalidArgument naming the spec); an empty attack list, a batch size
// < 1, messages_per_image < 1, an empty dataset or crops smaller than the 11x11 SSIM window are
// InvalidArgument; codec failures propagate (CodecError).
EvalReport evaluate(const Model& model, const CoverSet& dataset, const EvalOptions& options);

// The random messages of images first .. first+count-1: a (count, bits) float tensor of
// 0/1. Image i's message depends only on (seed, i): bit j is the top bit of the j-th
// output of SplitMix64 seeded with hash(seed, i).
torch::Tensor eval_messages(uint64_t seed, int64_t first, int64_t count, int bits);

// The message shared by every frame of batch `batch_index` for video attacks: a
// (1, bits) tensor drawn like eval_messages from a separate stream.
torch::Tensor eval_clip_message(uint64_t seed, int64_t batch_index, int bits);

// Seed of the messages and attacks of repeat r of EvalOptions::messages_per_image: `seed`
// itself for r = 0, an independent hash of (seed, r) otherwise.
uint64_t eval_repeat_seed(uint64_t seed, int repeat);

// Seed of torch's generator before attack `spec` runs on batch `batch_index`.
uint64_t eval_attack_seed(uint64_t seed, const std::string& spec, int64_t batch_index);

// True when `spec` is a top-level video codec (mpeg4, xvid, h264): such attacks get
// per-clip messages by default. Throws InvalidArgument for a malformed spec.
bool is_video_attack(const std::string& spec);

// ---- the paper's tables ------------------------------------------------------------

// Names of the attack lists of the paper's tables: "jpeg", "jpeg2000", "webp", "video".
std::vector<std::string> eval_table_names();

// The attack specs of a table:
//   jpeg      jpeg:10 jpeg:25 jpeg:50 jpeg:75 jpeg:90
//   jpeg2000  jpeg2000:100 jpeg2000:250 jpeg2000:500 jpeg2000:750 jpeg2000:900
//   webp      webp:10 webp:25 webp:50 webp:75 webp:90
//   video     mpeg4 xvid
// Throws InvalidArgument naming the unknown table and listing the known ones.
std::vector<std::string> eval_table(const std::string& name);

// ---- output --------------------------------------------------------------------------

enum class ReportFormat { kText, kCsv, kJson };

// "text", "csv" or "json"; throws InvalidArgument for anything else.
ReportFormat parse_report_format(const std::string& name);

// Formats a report (docs/evaluation.md shows each format):
//   text: a header line, then an aligned table
//         attack | BER % | BER 95% CI | PSNR dB | SSIM | dE00 | dE00 p99 | flat vis. %
//         | images | bits | att. PSNR | bpp
//   csv:  a header row, then one row per attack with the columns
//         attack,messages,images,bits,bit_errors,ber,psnr_db,ssim,ciede2000_mean,
//         ciede2000_p99,flat_visible_share,attacked_psnr_db,attacked_ssim,
//         bits_per_pixel,seconds,ber_ci_low,ber_ci_high   (RFC 4180 quoting; empty =
//         n/a; "inf" for an infinite PSNR; the interval's columns come last so that
//         older readers keep their column numbers)
//   json: {"model", "message_bits", "image_width", "image_height", "images",
//          "messages_per_image", "batch_size", "seed", "strength",
//          "rows": [{the csv columns}]} (null = n/a or infinite)
std::string format_report(const EvalReport& report, ReportFormat format);

}  // namespace robusthide
