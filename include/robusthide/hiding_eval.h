// Evaluation of an image-hiding model (issue 14, docs/image-hiding.md): how far the
// 8-bit container is from the cover, and how well the secret comes back after each
// attack. Training's validation is this function too.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "robusthide/dataset.h"
#include "robusthide/evaluate.h"
#include "robusthide/hiding.h"

namespace robusthide {

struct HidingEvalOptions {
  // Attack specs (make_attack grammar), one revealed row each, in this order; each codec
  // separately (hiding_eval_table() is the full list).
  std::vector<std::string> attacks = {"identity", "jpeg:50", "jpeg2000:500", "webp:50"};
  // Images per forward pass.
  int batch_size = 16;
  // At most this many images (0 = all), the first ones in dataset order.
  int64_t max_images = 0;
  // Seed of torch's generator for random attacks (restored afterwards).
  uint64_t seed = 0;
  // Threads of real codecs and of the per-image metrics (0 = one per core).
  int codec_threads = 0;
  // Multiplier of the hider's residual (as hide's --strength); 1 = as trained.
  double strength = 1.0;
  // "cpu", "cuda" or "cuda:N": where the networks run (moved back afterwards).
  std::string device = "cpu";
  // Called after every batch of every attack, if set.
  EvalProgress progress;
};

// Cover vs 8-bit container, means over the images (perceptual.h for the CIEDE2000 and
// flat-visible definitions; APD = mean absolute difference on the 0..255 scale).
struct ContainerQuality {
  double apd = 0, psnr_db = 0, ssim = 0;
  double ciede2000_mean = 0, ciede2000_p99 = 0, flat_visible_share = 0;
};

// Secret vs revealed (rounded to 8 bits, what a user saves) under one attack.
struct HidingEvalRow {
  std::string attack;  // canonical spec
  double revealed_apd = 0, revealed_psnr_db = 0, revealed_ssim = 0;
  double bits_per_pixel = 0;  // mean coded size of the attacked container (0: no codec)
};

struct HidingEvalReport {
  std::string model;  // the config's summary()
  int64_t images = 0;
  int batch_size = 0;
  uint64_t seed = 0;
  double strength = 1;
  ContainerQuality container;
  std::vector<HidingEvalRow> rows;
  // Reference points for the revealed APD: the secret's 64x64 thumbnail enlarged back
  // (a revealed image must beat it to carry more than a thumbnail), and an unrelated
  // image (the cover itself, what "nothing revealed" scores).
  double thumbnail_apd = 0, unrelated_apd = 0;
};

// Each image i of `data` (centre crops of the model's size, dataset order) is a cover
// whose secret is image (i + 1) mod n: the pairs do not depend on the batch size. The
// containers are made once (hide_batch) and attacked by each attack. Throws
// InvalidArgument for bad options, a dataset whose crop size is not the model's, or
// fewer than one image; CodecError from codecs.
HidingEvalReport evaluate_hiding(const HidingModel& model, const ImageFolderDataset& data,
                                 const HidingEvalOptions& options);

// The table of issue 14 and the paper's Fig. 5: identity, JPEG 10-90, JPEG 2000 rates
// 100-900 and WebP 10-90.
std::vector<std::string> hiding_eval_table();

// text: a header with the container's figures, then attack | revealed APD | PSNR | SSIM
// | bpp; csv: one row per attack with the container's columns repeated; json: an object
// with "container", "reference" and "rows". docs/image-hiding.md shows each.
std::string format_hiding_report(const HidingEvalReport& report, ReportFormat format);

}  // namespace robusthide
