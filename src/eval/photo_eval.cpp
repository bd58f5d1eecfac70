// evaluate_photos(): embed, attack and extract on whole photos (photo_eval.h).
#include "robusthide/photo_eval.h"

#include <algorithm>
#include <random>

#include "robusthide/attack.h"
#include "robusthide/error.h"
#include "robusthide/image.h"
#include "robusthide/metrics.h"
#include "robusthide/perceptual.h"
#include "robusthide/tensor.h"

namespace robusthide {
namespace {

// Photo i's payload (or raw message for a model without a payload code).
std::vector<uint8_t> payload_of(uint64_t seed, int64_t index, int bits) {
  std::seed_seq seq{static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32),
                    static_cast<uint32_t>(index), static_cast<uint32_t>(index >> 32), 0x70686f74u};
  std::mt19937_64 rng(seq);
  std::vector<uint8_t> payload(static_cast<size_t>(bits));
  for (auto& b : payload) b = static_cast<uint8_t>(rng() >> 63);
  return payload;
}

}  // namespace

PhotoEvalReport evaluate_photos(const Watermarker& w, const std::vector<std::string>& files,
                                const PhotoEvalOptions& options) {
  if (options.attacks.empty()) throw InvalidArgument("evaluate: no attack given");
  if (files.empty()) throw InvalidArgument("evaluate: no photo given");
  if (options.max_images < 0) {
    throw InvalidArgument("evaluate: max images must be >= 0, got " +
                          std::to_string(options.max_images));
  }
  AttackOptions attack_options;
  attack_options.codec_threads = options.threads;
  std::vector<Attack> attacks;
  for (const auto& spec : options.attacks) attacks.push_back(make_attack(spec, attack_options));

  const Model& model = w.model();
  const int raw_bits = model.config.message_bits;
  PhotoEvalReport report;
  report.model = model.config.summary();
  report.code = w.has_code() ? w.code().name() : "";
  report.message_bits = raw_bits;
  report.strength = w.options().strength;
  report.grid = w.options().grid;
  for (const std::string& spec : w.check_specs()) {
    report.check += (report.check.empty() ? "" : ",") + spec;
  }
  report.seed = options.seed;
  report.max_false_positive = w.options().max_false_positive;
  std::vector<double> compressed_bits(attacks.size(), 0.0);
  for (const auto& a : attacks) {
    PhotoEvalRow row;
    row.attack = a->spec();
    report.rows.push_back(row);
  }

  int64_t total = static_cast<int64_t>(files.size());
  if (options.max_images > 0) total = std::min(total, options.max_images);
  double pixels = 0, psnr_sum = 0, ssim_sum = 0, delta_e = 0, delta_e_p99 = 0;
  int64_t flat = 0, flat_visible = 0;
  double strength_sum = 0;
  for (int64_t i = 0; i < total; ++i) {
    const Image cover = read_image(files[static_cast<size_t>(i)]);
    const std::vector<uint8_t> payload =
        payload_of(options.seed, i, w.has_code() ? w.code().capacity_bits() : raw_bits);
    const std::vector<uint8_t> raw = w.has_code() ? w.code().encode(payload) : payload;
    Watermarker::MarkChoice choice;
    choice.strength = w.options().strength;
    choice.grid = w.embed_grid(cover);
    const Image marked = w.has_code() ? w.embed(cover, payload, &choice)
                                      : embed_bits(model, cover, raw, choice.strength, choice.grid);
    strength_sum += choice.strength;
    if (choice.strength > w.options().strength) ++report.raised;
    if (choice.quiet) ++report.quiet;
    const double n_pixels = static_cast<double>(cover.width) * cover.height;
    pixels += n_pixels;
    psnr_sum += std::min(psnr(cover, marked), kEvalPsnrCap);
    ssim_sum += ssim(cover, marked);
    const PerceptualDistance p = perceptual_distance(cover, marked);
    delta_e += p.delta_e_mean;
    delta_e_p99 += p.delta_e_p99;
    flat += p.flat_pixels;
    flat_visible += p.flat_visible;
    if (w.has_code() && w.extract(cover).found) ++report.false_positives;

    const torch::Tensor cover_tensor = image_to_tensor(cover),
                        marked_tensor = image_to_tensor(marked);
    for (size_t a = 0; a < attacks.size(); ++a) {
      PhotoEvalRow& row = report.rows[a];
      torch::manual_seed(eval_attack_seed(options.seed, row.attack, i));
      torch::Tensor attacked;
      {
        torch::NoGradGuard no_grad;
        attacked = attacks[a]->forward(marked_tensor, cover_tensor);
      }
      const Extraction x = w.extract(tensor_to_images(attacked).at(0));
      row.photos += 1;
      row.bits += raw_bits;
      for (size_t b = 0; b < raw.size(); ++b) row.bit_errors += x.raw_bits[b] != raw[b];
      if (w.has_code()) {
        row.recovered += x.found && x.payload == payload;
        row.wrong += x.found && x.payload != payload;
      } else {
        row.recovered += x.raw_bits == raw;
      }
      if (const auto bytes = attacks[a]->last_compressed_bytes()) {
        compressed_bits[a] += 8.0 * static_cast<double>(*bytes);
        row.bits_per_pixel = compressed_bits[a] / pixels;
      }
    }
    if (options.progress) options.progress(i + 1, total);
  }
  const double n = static_cast<double>(total);
  report.photos = total;
  report.megapixels = pixels / n / 1e6;
  report.psnr_db = psnr_sum / n;
  report.ssim = ssim_sum / n;
  report.mean_strength = strength_sum / n;
  report.ciede2000_mean = delta_e / n;
  report.ciede2000_p99 = delta_e_p99 / n;
  report.flat_visible_share = flat > 0 ? static_cast<double>(flat_visible) / flat : 0.0;
  return report;
}

}  // namespace robusthide
