// evaluate(): encode each batch once, run every attack on it, decode, accumulate.
#include "robusthide/evaluate.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>

#include "model/device_guard.h"
#include "model/eval_mode.h"
#include "robusthide/attack.h"
#include "robusthide/codec.h"
#include "robusthide/device.h"
#include "robusthide/embedding.h"
#include "robusthide/error.h"
#include "robusthide/metrics.h"
#include "robusthide/perceptual.h"
#include "robusthide/tensor.h"
#include "util/hash.h"
#include "util/parallel.h"
#include "util/spec.h"

namespace robusthide {
namespace {

using detail::splitmix64_mix;
using detail::splitmix64_next;

constexpr uint64_t kClipSalt = 0x636c69702d6d7367ULL;    // "clip-msg"
constexpr uint64_t kRepeatSalt = 0x7265706561742d6eULL;  // "repeat-n"

// One message per row, row r drawn from the stream seeded with splitmix64_mix(base ^ (first + r)).
torch::Tensor messages_from(uint64_t base, int64_t first, int64_t count, int bits) {
  if (count < 0 || bits < 1) {
    throw InvalidArgument("evaluation messages: need count >= 0 and bits >= 1, got count " +
                          std::to_string(count) + ", bits " + std::to_string(bits));
  }
  torch::Tensor m = torch::empty({count, bits}, torch::kFloat32);
  auto acc = m.accessor<float, 2>();
  for (int64_t r = 0; r < count; ++r) {
    uint64_t state = splitmix64_mix(base ^ static_cast<uint64_t>(first + r));
    for (int j = 0; j < bits; ++j) acc[r][j] = static_cast<float>(splitmix64_next(state) >> 63);
  }
  return m;
}

// Running sums of one row.
struct Accumulator {
  EvalRow row;
  double psnr_sum = 0.0, ssim_sum = 0.0, delta_e_sum = 0.0, delta_e_p99_sum = 0.0;
  double image_mse_sum = 0.0, message_se_sum = 0.0;
  int64_t flat_pixels = 0, flat_visible = 0;
  double attacked_psnr_sum = 0.0, attacked_ssim_sum = 0.0;
  int64_t attacked_images = 0;
  int64_t encoded_images = 0;  // images x repeats: the denominator of the means
  bool size_changed = false;
  double compressed_bits = 0.0, pixels = 0.0;
  bool has_bytes = false;
};

// SSIM of each pair of 8-bit images (cover i, other i), on `threads` threads.
std::vector<double> pairwise_ssim(const std::vector<Image>& covers,
                                  const std::vector<Image>& others, int threads) {
  std::vector<double> out(covers.size());
  parallel_for(covers.size(), threads, [&](size_t i) { out[i] = ssim(covers[i], others[i]); });
  return out;
}

double sum(const std::vector<double>& v) { return std::accumulate(v.begin(), v.end(), 0.0); }

double capped_sum(const std::vector<double>& psnr) {
  double s = 0.0;
  for (const double db : psnr) s += std::min(db, kEvalPsnrCap);
  return s;
}

}  // namespace

torch::Tensor eval_messages(uint64_t seed, int64_t first, int64_t count, int bits) {
  return messages_from(splitmix64_mix(seed), first, count, bits);
}

torch::Tensor eval_clip_message(uint64_t seed, int64_t batch_index, int bits) {
  return messages_from(splitmix64_mix(seed ^ kClipSalt), batch_index, 1, bits);
}

uint64_t eval_repeat_seed(uint64_t seed, int repeat) {
  return repeat == 0
             ? seed
             : splitmix64_mix(splitmix64_mix(seed ^ kRepeatSalt) ^ static_cast<uint64_t>(repeat));
}

uint64_t eval_attack_seed(uint64_t seed, const std::string& spec, int64_t batch_index) {
  return splitmix64_mix(splitmix64_mix(seed ^ detail::fnv1a64(spec)) ^
                        static_cast<uint64_t>(batch_index));
}

bool is_video_attack(const std::string& spec) {
  const SpecNode node = parse_spec(spec);
  return is_codec_name(node.name) && make_codec(spec)->is_video();
}

EvalReport evaluate(const Model& model, const CoverSet& dataset, const EvalOptions& options) {
  if (options.attacks.empty()) throw InvalidArgument("evaluate: no attack given");
  check_strength(options.strength, "evaluate: strength");
  if (options.batch_size < 1) {
    throw InvalidArgument("evaluate: batch size must be >= 1, got " +
                          std::to_string(options.batch_size));
  }
  if (options.max_images < 0) {
    throw InvalidArgument("evaluate: max images must be >= 0, got " +
                          std::to_string(options.max_images));
  }
  if (options.messages_per_image < 1) {
    throw InvalidArgument("evaluate: messages per image must be >= 1, got " +
                          std::to_string(options.messages_per_image));
  }
  const torch::Device device = parse_device(options.device, "evaluate: device");
  AttackOptions attack_options;
  attack_options.codec_threads = options.codec_threads;
  std::vector<Attack> attacks;
  std::vector<bool> per_clip;
  for (const auto& spec : options.attacks) {
    attacks.push_back(make_attack(spec, attack_options));
    per_clip.push_back(options.video_messages == VideoMessages::kPerClip && is_video_attack(spec));
  }
  int64_t total = static_cast<int64_t>(dataset.size());
  if (options.max_images > 0) total = std::min(total, options.max_images);
  const int clip = dataset.clip_length();
  const int64_t batch_size = clip > 0 ? clip : options.batch_size;
  if (clip > 0) total -= total % clip;
  if (total == 0) {
    throw InvalidArgument(clip > 0 ? "evaluate: fewer images than one clip of " +
                                         std::to_string(clip) + " frames"
                                   : std::string("evaluate: the dataset holds no image"));
  }
  const int size = dataset.crop_size();
  if (size < kSsimWindow) {
    throw InvalidArgument("evaluate: crops of " + std::to_string(size) +
                          " pixels are smaller than the SSIM window (" +
                          std::to_string(kSsimWindow) + ")");
  }

  const int bits = model.config.message_bits;
  std::vector<Accumulator> acc(attacks.size());
  for (size_t a = 0; a < attacks.size(); ++a) {
    acc[a].row.attack = attacks[a]->spec();
    acc[a].row.per_clip_messages = per_clip[a];
  }
  const bool any_clip = std::find(per_clip.begin(), per_clip.end(), true) != per_clip.end();
  const bool any_image = std::find(per_clip.begin(), per_clip.end(), false) != per_clip.end();

  EvalModeGuard encoder_mode(*model.encoder), decoder_mode(*model.decoder);
  NetworksOnDevice on_device({model.encoder, model.decoder}, device);
  torch::NoGradGuard no_grad;
  const int64_t batches = (total + batch_size - 1) / batch_size;
  for (int64_t b = 0; b < batches; ++b) {
    const int64_t first = b * batch_size;
    const int64_t n = std::min<int64_t>(batch_size, total - first);
    std::vector<int64_t> indices(n);
    std::iota(indices.begin(), indices.end(), first);
    const torch::Tensor cover = dataset.covers(indices).to(device);
    // The covers as 8-bit images, converted once for every SSIM and perceptual metric.
    const std::vector<Image> cover_images = tensor_to_images(cover);

    // Each message layout is encoded once and shared by the attacks that use it.
    struct Encoded {
      torch::Tensor message, image;
      std::vector<double> psnr, ssim;
      std::vector<PerceptualDistance> perceptual;
      double image_mse = 0.0;  // summed over the batch's images
    };
    auto encode = [&](const torch::Tensor& message) {
      Encoded e;
      e.message = message.to(device);
      // embed_batch's values are 8-bit already; the round trip through 8-bit images
      // makes them exactly what a lossless file would hold.
      const std::vector<Image> images =
          tensor_to_images(embed_batch(model, cover, e.message, options.strength));
      e.image = images_to_tensor(images).to(device);
      e.psnr = batch_psnr(cover, e.image);
      e.ssim.resize(images.size());
      e.perceptual.resize(images.size());
      parallel_for(images.size(), options.codec_threads, [&](size_t i) {
        e.ssim[i] = ssim(cover_images[i], images[i]);
        e.perceptual[i] = perceptual_distance(cover_images[i], images[i]);
      });
      e.image_mse = (e.image - cover).square().mean({1, 2, 3}).sum().item<double>();
      return e;
    };
    // Attack a on one encoded message set (repeat `repeat`, seeds from `seed`).
    auto run_attack = [&](size_t a, const Encoded& e, int repeat, uint64_t seed) {
      Accumulator& s = acc[a];
      const auto start = std::chrono::steady_clock::now();
      torch::manual_seed(eval_attack_seed(seed, s.row.attack, b));
      const torch::Tensor attacked = attacks[a]->forward(e.image, cover).to(device);
      const torch::Tensor decoded = read_batch(model, attacked);
      s.row.bit_errors += bit_errors(decoded, e.message);
      s.message_se_sum += (decoded - e.message).square().mean(1).sum().item<double>();
      s.image_mse_sum += e.image_mse;
      for (const PerceptualDistance& p : e.perceptual) {
        s.delta_e_sum += p.delta_e_mean;
        s.delta_e_p99_sum += p.delta_e_p99;
        s.flat_pixels += p.flat_pixels;
        s.flat_visible += p.flat_visible;
      }
      s.row.seconds +=
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      if (repeat == 0) s.row.images += n;
      s.encoded_images += n;
      s.row.bits += n * bits;
      s.psnr_sum += capped_sum(e.psnr);
      s.ssim_sum += sum(e.ssim);
      if (attacked.sizes() == cover.sizes()) {
        s.attacked_psnr_sum += capped_sum(batch_psnr(cover, attacked));
        s.attacked_ssim_sum +=
            sum(pairwise_ssim(cover_images, tensor_to_images(attacked), options.codec_threads));
        s.attacked_images += n;
      } else {
        s.size_changed = true;
      }
      if (const auto bytes = attacks[a]->last_compressed_bytes()) {
        s.has_bytes = true;
        s.compressed_bits += 8.0 * static_cast<double>(*bytes);
        s.pixels += static_cast<double>(n) * cover.size(2) * cover.size(3);
      }
    };
    for (int r = 0; r < options.messages_per_image; ++r) {
      const uint64_t seed = eval_repeat_seed(options.seed, r);
      Encoded per_image, per_batch;
      if (any_image) per_image = encode(eval_messages(seed, first, n, bits));
      if (any_clip) {
        per_batch = encode(eval_clip_message(seed, b, bits).expand({n, bits}).contiguous());
      }
      for (size_t a = 0; a < attacks.size(); ++a) {
        run_attack(a, per_clip[a] ? per_batch : per_image, r, seed);
      }
    }
    if (options.progress) options.progress(first + n, total);
  }

  EvalReport report;
  report.model = model.config.summary();
  report.message_bits = bits;
  report.image_width = size;
  report.image_height = size;
  report.images = total;
  report.messages_per_image = options.messages_per_image;
  report.batch_size = static_cast<int>(batch_size);
  report.clip_length = clip;
  report.seed = options.seed;
  report.strength = options.strength;
  for (auto& s : acc) {
    EvalRow row = s.row;
    // Means are over every encoded image (images x messages per image).
    const double images = static_cast<double>(s.encoded_images);
    row.ber = static_cast<double>(row.bit_errors) / static_cast<double>(row.bits);
    const ProportionInterval ci = wilson_interval(row.bit_errors, row.bits);
    row.ber_ci_low = ci.low;
    row.ber_ci_high = ci.high;
    row.psnr_db = s.psnr_sum / images;
    row.ssim = s.ssim_sum / images;
    row.ciede2000_mean = s.delta_e_sum / images;
    row.ciede2000_p99 = s.delta_e_p99_sum / images;
    row.flat_visible_share =
        s.flat_pixels > 0 ? static_cast<double>(s.flat_visible) / static_cast<double>(s.flat_pixels)
                          : 0.0;
    row.image_mse = s.image_mse_sum / images;
    row.message_mse = s.message_se_sum / images;
    if (!s.size_changed && s.attacked_images > 0) {
      row.attacked_psnr_db = s.attacked_psnr_sum / static_cast<double>(s.attacked_images);
      row.attacked_ssim = s.attacked_ssim_sum / static_cast<double>(s.attacked_images);
    }
    if (s.has_bytes && s.pixels > 0) row.bits_per_pixel = s.compressed_bits / s.pixels;
    report.rows.push_back(std::move(row));
  }
  return report;
}

}  // namespace robusthide
