// Whole-photo evaluation: the watermark as users meet it. Each photo is marked at its
// full size through the any-size embedding (watermark.h, the one pipeline of
// embedding.h) with a payload of its own, attacked at full size, and read back; the
// report gives the payload recovery rate and raw BER per attack, imperceptibility
// (PSNR, SSIM, CIEDE2000, flat-region visibility) of the marked photos, and the false
// positives on the unmarked photos. The crop protocol of the paper's tables is
// evaluate() in evaluate.h.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "robusthide/evaluate.h"
#include "robusthide/watermark.h"

namespace robusthide {

struct PhotoEvalOptions {
  // Attack specs (attack.h grammar) applied to the full-size marked photo, one row each,
  // e.g. "jpeg:50", "webp:50", "chain(resize:0.5,jpeg:85)".
  std::vector<std::string> attacks = {"identity"};
  // Photo i's payload: capacity_bits() bits drawn from a generator seeded by (seed, i);
  // random attacks are seeded by eval_attack_seed(seed, spec, i).
  uint64_t seed = 0;
  // Evaluate at most this many photos (0 = all), the first ones in the given order.
  int64_t max_images = 0;
  // Threads of SSIM and perceptual metrics and of real codecs (0 = one per core).
  int threads = 0;
  // Called after every photo, if set.
  EvalProgress progress;
};

// One attack's results over the photos.
struct PhotoEvalRow {
  std::string attack;      // canonical spec
  int64_t photos = 0;      // photos attacked and read
  int64_t recovered = 0;   // the payload came back: found, and exactly the embedded one
  int64_t wrong = 0;       // found, but a different payload (a miscorrection)
  int64_t bits = 0;        // raw bits scored (photos x message_bits)
  int64_t bit_errors = 0;  // raw bits wrong before error correction
  double recovery_rate() const { return photos ? static_cast<double>(recovered) / photos : 0.0; }
  double ber() const { return bits ? static_cast<double>(bit_errors) / bits : 0.0; }
  std::optional<double> bits_per_pixel;  // mean compressed size, attacks with a real codec
};

struct PhotoEvalReport {
  std::string model;  // ModelConfig::summary()
  std::string code;   // payload code name ("" for a model without one)
  int message_bits = 0;
  int64_t photos = 0;
  double megapixels = 0.0;     // mean photo size
  double strength = 1.0;       // the Watermarker's (starting) strength
  int grid = 0;                // its tiles per side (Watermarker::Options::grid; 0 = automatic)
  std::string check;           // its strength search's codecs, comma-separated ("" = off)
  int64_t raised = 0;          // photos the strength search marked above `strength`
  int64_t quiet = 0;           // photos given the quiet mark (Watermarker::Options::quiet)
  double mean_strength = 1.0;  // mean strength of the marks
  uint64_t seed = 0;
  double max_false_positive = 0.0;  // the Watermarker's threshold
  // Marked vs cover, full size: means over photos (PSNR capped at kEvalPsnrCap), the
  // flat-visible share pooled over all photos' flat pixels.
  double psnr_db = 0.0, ssim = 0.0;
  double ciede2000_mean = 0.0, ciede2000_p99 = 0.0, flat_visible_share = 0.0;
  int64_t false_positives = 0;     // unmarked photos on which extract() found a payload
  std::vector<PhotoEvalRow> rows;  // in the order of PhotoEvalOptions::attacks
};

// Evaluates the Watermarker (its model, code, strength and threshold) on image files.
// InvalidArgument for an empty attack list or file list, or a bad spec (before any
// work); IoError naming the file for an unreadable photo; codec failures propagate.
PhotoEvalReport evaluate_photos(const Watermarker& watermarker,
                                const std::vector<std::string>& files,
                                const PhotoEvalOptions& options);

// text: a header with the imperceptibility figures and false positives, then
//       attack | recovered % | BER % | photos | bpp
// csv:  attack,photos,recovered,wrong,recovery_rate,bits,bit_errors,ber,bits_per_pixel
//       (the header figures are in the json form)
// json: {"model", "code", "message_bits", "photos", "megapixels", "strength",
//        "grid", "check", "quiet", "raised", "mean_strength", "seed",
//        "psnr_db", "ssim", "ciede2000_mean", "ciede2000_p99", "flat_visible_share",
//        "false_positives", "rows": [{the csv columns}]}
std::string format_photo_report(const PhotoEvalReport& report, ReportFormat format);

}  // namespace robusthide
