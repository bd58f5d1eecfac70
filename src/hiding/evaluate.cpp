// evaluate_hiding (hiding_eval.h): the container's distance from the cover and the
// revealed secret's from the secret, per attack.
#include <algorithm>
#include <string>
#include <vector>

#include "model/device_guard.h"
#include "model/eval_mode.h"
#include "robusthide/attack.h"
#include "robusthide/device.h"
#include "robusthide/embedding.h"
#include "robusthide/error.h"
#include "robusthide/hiding_eval.h"
#include "robusthide/metrics.h"
#include "robusthide/perceptual.h"
#include "robusthide/tensor.h"
#include "train/rng.h"
#include "util/parallel.h"

namespace robusthide {
namespace {

namespace F = torch::nn::functional;

// Per-image mean absolute difference on the 0..255 scale of the 8-bit images two (N,3,H,W)
// batches in [0,1] round to, summed over the batch.
double apd_sum(const torch::Tensor& a, const torch::Tensor& b) {
  auto q = [](const torch::Tensor& x) {
    return (x.to(torch::kCPU, torch::kFloat32).clamp(0, 1) * 255).round();
  };
  return (q(a) - q(b)).abs().mean({1, 2, 3}).sum().item<double>();
}

double sum(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return s;
}

// The secret's 64x64 thumbnail (area average) enlarged back (bilinear).
torch::Tensor thumbnail(const torch::Tensor& x) {
  const int64_t s = x.size(2);
  const torch::Tensor small = F::interpolate(
      x, F::InterpolateFuncOptions().size(std::vector<int64_t>{64, 64}).mode(torch::kArea));
  return F::interpolate(small, F::InterpolateFuncOptions()
                                   .size(std::vector<int64_t>{s, s})
                                   .mode(torch::kBilinear)
                                   .align_corners(false));
}

struct RevealSums {
  double apd = 0, psnr = 0, ssim = 0, bits = 0, pixels = 0;
  bool has_bytes = false;
};

}  // namespace

std::vector<std::string> hiding_eval_table() {
  std::vector<std::string> t = {"identity"};
  for (int q = 10; q <= 90; q += 10) t.push_back("jpeg:" + std::to_string(q));
  for (int r = 100; r <= 900; r += 100) t.push_back("jpeg2000:" + std::to_string(r));
  for (int q = 10; q <= 90; q += 10) t.push_back("webp:" + std::to_string(q));
  return t;
}

HidingEvalReport evaluate_hiding(const HidingModel& model, const ImageFolderDataset& data,
                                 const HidingEvalOptions& options) {
  if (options.attacks.empty()) throw InvalidArgument("evaluate_hiding: no attack given");
  check_strength(options.strength, "evaluate_hiding: strength");
  if (options.batch_size < 1) {
    throw InvalidArgument("evaluate_hiding: batch size must be >= 1, got " +
                          std::to_string(options.batch_size));
  }
  if (options.max_images < 0) {
    throw InvalidArgument("evaluate_hiding: max images must be >= 0, got " +
                          std::to_string(options.max_images));
  }
  if (data.crop_size() != model.config.image_size) {
    throw InvalidArgument("evaluate_hiding: the photos are cut to " +
                          std::to_string(data.crop_size()) + " pixels, the model works at " +
                          std::to_string(model.config.image_size));
  }
  const torch::Device device = parse_device(options.device, "evaluate_hiding: device");
  AttackOptions attack_options;
  attack_options.codec_threads = options.codec_threads;
  std::vector<Attack> attacks;
  for (const auto& spec : options.attacks) attacks.push_back(make_attack(spec, attack_options));
  const auto n = static_cast<int64_t>(data.size());
  const int64_t total = options.max_images > 0 ? std::min(n, options.max_images) : n;
  if (total < 1) throw InvalidArgument("evaluate_hiding: the dataset holds no image");

  HidingEvalReport report;
  report.model = model.config.summary();
  report.images = total;
  report.batch_size = options.batch_size;
  report.seed = options.seed;
  report.strength = options.strength;
  std::vector<RevealSums> sums(attacks.size());
  ContainerQuality& c = report.container;

  detail::RngStateGuard keep_generator;
  EvalModeGuard hider_mode(*model.hider), revealer_mode(*model.revealer);
  NetworksOnDevice on_device({model.hider, model.revealer}, device);
  torch::NoGradGuard no_grad;
  const int64_t batches = (total + options.batch_size - 1) / options.batch_size;
  int64_t done = 0, flat_pixels = 0, flat_visible = 0;
  for (int64_t b = 0; b < batches; ++b) {
    const int64_t first = b * options.batch_size;
    const int64_t count = std::min<int64_t>(options.batch_size, total - first);
    std::vector<int64_t> covers(static_cast<size_t>(count)), secrets(covers.size());
    for (int64_t k = 0; k < count; ++k) {
      covers[static_cast<size_t>(k)] = first + k;
      secrets[static_cast<size_t>(k)] = (first + k + 1) % total;
    }
    const torch::Tensor cover = data.center_crops(covers);
    const torch::Tensor secret = data.center_crops(secrets);
    const torch::Tensor container =
        hide_batch(model, cover.to(device), secret.to(device), options.strength).to(torch::kCPU);

    const std::vector<Image> cover_images = tensor_to_images(cover);
    const std::vector<Image> container_images = tensor_to_images(container);
    std::vector<PerceptualDistance> perceptual(cover_images.size());
    parallel_for(cover_images.size(), options.codec_threads, [&](size_t i) {
      perceptual[i] = perceptual_distance(cover_images[i], container_images[i]);
    });
    for (const PerceptualDistance& p : perceptual) {
      c.ciede2000_mean += p.delta_e_mean;
      c.ciede2000_p99 += p.delta_e_p99;
      flat_pixels += p.flat_pixels;
      flat_visible += p.flat_visible;
    }
    c.apd += apd_sum(cover, container);
    c.psnr_db += sum(batch_psnr(cover, container));
    c.ssim += sum(batch_ssim(cover, container, options.codec_threads));
    report.thumbnail_apd += apd_sum(secret, thumbnail(secret));
    report.unrelated_apd += apd_sum(secret, cover);

    for (size_t a = 0; a < attacks.size(); ++a) {
      torch::manual_seed(eval_attack_seed(options.seed, attacks[a]->spec(), b));
      const torch::Tensor attacked = attacks[a]->forward(container, cover);
      const torch::Tensor revealed = reveal_batch(model, attacked.to(device)).to(torch::kCPU);
      RevealSums& s = sums[a];
      s.apd += apd_sum(secret, revealed);
      s.psnr += sum(batch_psnr(secret, revealed));
      s.ssim += sum(batch_ssim(secret, revealed, options.codec_threads));
      if (const auto bytes = attacks[a]->last_compressed_bytes()) {
        s.has_bytes = true;
        s.bits += 8.0 * static_cast<double>(*bytes);
        s.pixels += static_cast<double>(count * cover.size(2) * cover.size(3));
      }
      done += count;
      if (options.progress) {
        options.progress(done, total * static_cast<int64_t>(attacks.size()));
      }
    }
  }
  const auto images = static_cast<double>(total);
  for (double* v : {&c.apd, &c.psnr_db, &c.ssim, &c.ciede2000_mean, &c.ciede2000_p99,
                    &report.thumbnail_apd, &report.unrelated_apd}) {
    *v /= images;
  }
  // Pooled over all flat pixels, as evaluate() does.
  c.flat_visible_share =
      flat_pixels > 0 ? static_cast<double>(flat_visible) / static_cast<double>(flat_pixels) : 0;
  for (size_t a = 0; a < attacks.size(); ++a) {
    HidingEvalRow row;
    row.attack = attacks[a]->spec();
    row.revealed_apd = sums[a].apd / images;
    row.revealed_psnr_db = sums[a].psnr / images;
    row.revealed_ssim = sums[a].ssim / images;
    if (sums[a].has_bytes && sums[a].pixels > 0) row.bits_per_pixel = sums[a].bits / sums[a].pixels;
    report.rows.push_back(row);
  }
  return report;
}

}  // namespace robusthide
