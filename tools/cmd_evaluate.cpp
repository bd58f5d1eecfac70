// robusthide evaluate: bit error rate, PSNR and SSIM of a model under a list of attacks.
#include <algorithm>
#include <iostream>
#include <optional>
#include <memory>
#include <string>
#include <vector>

#include "batch.h"
#include "commands.h"
#include "payload_args.h"
#include "robusthide/attack.h"
#include "robusthide/clips.h"
#include "robusthide/dataset.h"
#include "robusthide/device.h"
#include "robusthide/error.h"
#include "robusthide/evaluate.h"
#include "robusthide/file_io.h"
#include "robusthide/hiding.h"
#include "robusthide/hiding_eval.h"
#include "robusthide/image.h"
#include "robusthide/model.h"
#include "robusthide/photo_eval.h"
#include "robusthide/progress.h"
#include "robusthide/watermark.h"

namespace robusthide::cli {
namespace {

struct EvaluateCommandOptions {
  // The library's options, bound to the flags (their defaults are the library's):
  // crops: attacks (after the tables' rows are added), batch_size, seed, max_images,
  // messages_per_image, codec_threads, device, strength, video_messages;
  // --photos: the same attacks, seed, max_images, threads and strength, and ecc_t.
  EvalOptions eval;
  Watermarker::Options watermark;
  std::string model;                 // model file
  std::vector<std::string> data;     // image folders (searched recursively)
  std::vector<std::string> tables;   // presets: jpeg, jpeg2000, webp, video
  std::vector<std::string> attacks;  // attack specs, evaluated before the tables' rows
  std::string format = "text";       // text, csv or json
  // --check, --quiet-*, --grid, --max-false-positive (--photos only)
  std::vector<CLI::Option*> search_flags;
  std::string output;               // write the report here (atomically); empty = stdout
  bool same_bits_per_clip = false;  // video: one message per clip instead of per frame
  // Covers in clips: "pan" (pan/zoom clips of the --data photos), video files, or "none"
  // (centre crops; a video codec codes each batch as a clip). Default: pan for --table
  // video, else none.
  std::vector<std::string> clips;
  int clip_frames = 32;  // frames per clip
  bool quiet = false;    // no progress or notes on stderr
  bool photos = false;   // whole photos (payload recovery) instead of crops
};

// True when --grid, --check, --max-false-positive or a --quiet-* option was given.
bool search_given(const EvaluateCommandOptions& o) {
  for (const CLI::Option* flag : o.search_flags) {
    if (flag->count() > 0) return true;
  }
  return false;
}

int write_report(const EvaluateCommandOptions& o, const std::string& text);

// A bar on a terminal unless --quiet; none otherwise.
std::unique_ptr<LazyProgressBar> progress_for(bool quiet) {
  return !quiet && stderr_is_terminal() ? std::make_unique<LazyProgressBar>(true) : nullptr;
}

// --photos: the any-size embed/extract on whole photos, payload recovery per attack.
int run_photo_evaluate(const EvaluateCommandOptions& o, ReportFormat format) {
  const EvalOptions& e = o.eval;
  if (o.same_bits_per_clip) {
    throw InvalidArgument("--same-bits-per-clip does not apply to --photos");
  }
  if (!o.clips.empty()) throw InvalidArgument("--clips does not apply to --photos");
  if (e.messages_per_image != 1) {
    throw InvalidArgument(
        "--messages-per-image does not apply to --photos (one payload per photo)");
  }
  if (e.device != "cpu") throw InvalidArgument("--photos runs on the CPU (--device cpu)");
  Watermarker::Options wo = o.watermark;
  wo.strength = e.strength;
  wo.check = check_specs(wo.check);
  PhotoEvalOptions options;
  options.attacks = e.attacks;
  options.seed = e.seed;
  options.max_images = e.max_images;
  options.threads = e.codec_threads;
  const auto bar = progress_for(o.quiet);
  if (bar) options.progress = [&bar](int64_t done, int64_t total) { bar->update(done, total); };
  const Watermarker watermarker(load_model(o.model), wo);
  std::vector<std::string> files;
  for (const auto& folder : o.data) {
    for (auto& f : list_image_files(folder)) files.push_back(std::move(f));
  }
  return write_report(o, format_photo_report(evaluate_photos(watermarker, files, options), format));
}

// The centre crops the model works on, decoded once.
template <typename Options>
ImageFolderDataset crops_of(const std::vector<std::string>& folders, int size,
                            const Options& options) {
  DatasetOptions data_options;
  data_options.crop_size = size;
  data_options.max_images = options.max_images;
  data_options.threads = options.codec_threads;
  return ImageFolderDataset(folders, data_options);
}

// An image-hiding model: container quality and revealed secrets per attack, on centre
// crops (each cover's secret the next image).
int run_hiding_evaluate(const EvaluateCommandOptions& o, ReportFormat format) {
  const EvalOptions& e = o.eval;
  if (o.photos) throw InvalidArgument("--photos applies to bit models, not image-hiding models");
  if (e.messages_per_image != 1 || o.same_bits_per_clip || o.watermark.ecc_t != 0 ||
      !o.clips.empty() || search_given(o)) {
    throw InvalidArgument(
        "--messages-per-image, --same-bits-per-clip, --clips, --ecc-t, --grid, --check and "
        "the --quiet-* options apply to bit models, not image-hiding models");
  }
  HidingEvalOptions options;
  options.attacks = o.attacks;
  for (const auto& t : o.tables) {
    if (t != "hiding") {
      throw InvalidArgument("table '" + t +
                            "' is for bit models; an image-hiding model's table "
                            "is 'hiding' (identity, JPEG 10-90, JPEG 2000 100-900, WebP 10-90)");
    }
    for (const auto& spec : hiding_eval_table()) options.attacks.push_back(spec);
  }
  if (options.attacks.empty()) options.attacks = HidingEvalOptions().attacks;
  for (const auto& spec : options.attacks) make_attack(spec);  // bad specs fail first
  options.batch_size = e.batch_size;
  options.max_images = e.max_images;
  options.seed = e.seed;
  options.codec_threads = e.codec_threads;
  options.strength = e.strength;
  options.device = e.device;
  const auto bar = progress_for(o.quiet);
  if (bar) options.progress = [&bar](int64_t done, int64_t total) { bar->update(done, total); };
  const HidingModel model = load_hiding_model(o.model);
  const ImageFolderDataset dataset = crops_of(o.data, model.config.image_size, options);
  return write_report(o, format_hiding_report(evaluate_hiding(model, dataset, options), format));
}

// --clips: pan/zoom clips of the --data photos and clips of video files, in the order
// given.
ClipSet clips_of(const EvaluateCommandOptions& o, int size) {
  std::optional<ClipSet> set;
  auto add = [&set](ClipSet more) {
    if (set) {
      set->append(more);
    } else {
      set.emplace(std::move(more));
    }
  };
  for (const std::string& source : o.clips) {
    if (source == "none") throw InvalidArgument("--clips none cannot be combined with clips");
    if (source == "pan") {
      PanZoomOptions pan;
      pan.frames = o.clip_frames;
      pan.size = size;
      const ImageFolderDataset photos = crops_of(o.data, size, o.eval);
      add(ClipSet::pan_zoom(photos, pan, o.eval.seed, o.eval.max_images));
    } else {
      add(ClipSet::from_video(source, o.clip_frames, size));
    }
  }
  return std::move(*set);
}

int write_report(const EvaluateCommandOptions& o, const std::string& text) {
  if (o.output.empty()) {
    std::cout << text;
  } else {
    write_file_atomic(o.output, reinterpret_cast<const uint8_t*>(text.data()), text.size());
    if (!o.quiet) std::cerr << "report written to " << o.output << "\n";
  }
  return kExitOk;
}

int run_evaluate(EvaluateCommandOptions& o) {
  // Everything the user typed is checked before the (slow) loading of images.
  const ReportFormat format = parse_report_format(o.format);
  EvalOptions& options = o.eval;
  parse_device(options.device, "--device");
  check_strength(options.strength, "--strength");
  if (options.batch_size < 1) {
    throw InvalidArgument("--batch-size must be >= 1, got " + std::to_string(options.batch_size));
  }
  if (options.max_images < 0) {
    throw InvalidArgument("--max-images must be >= 0, got " + std::to_string(options.max_images));
  }
  if (is_hiding_model_file(o.model)) return run_hiding_evaluate(o, format);
  options.attacks = o.attacks;
  for (const auto& t : o.tables) {
    for (const auto& spec : eval_table(t)) options.attacks.push_back(spec);
  }
  if (options.attacks.empty()) options.attacks = {"identity"};
  options.video_messages =
      o.same_bits_per_clip ? VideoMessages::kPerClip : VideoMessages::kPerImage;
  if (o.clips.empty() && std::find(o.tables.begin(), o.tables.end(), "video") != o.tables.end()) {
    o.clips = {"pan"};
  }
  if (o.clip_frames < 1 || o.clip_frames > 1000) {
    throw InvalidArgument("--clip-frames must be in 1..1000, got " + std::to_string(o.clip_frames));
  }
  const bool clips = !(o.clips.empty() || o.clips == std::vector<std::string>{"none"});
  const bool pan = std::find(o.clips.begin(), o.clips.end(), "pan") != o.clips.end();
  if (o.data.empty() && (!clips || pan)) {
    throw InvalidArgument("--data is required (image folders; only --clips VIDEO can do without)");
  }
  if (options.messages_per_image < 1) {
    throw InvalidArgument("--messages-per-image must be >= 1, got " +
                          std::to_string(options.messages_per_image));
  }
  for (const auto& spec : options.attacks) make_attack(spec);  // bad specs fail first
  if (o.photos) return run_photo_evaluate(o, format);
  if (o.watermark.ecc_t != 0) throw InvalidArgument("--ecc-t only applies to --photos");
  if (search_given(o)) {
    throw InvalidArgument(
        "--grid, --check, --max-false-positive and the --quiet-* options only apply to --photos");
  }
  const auto bar = progress_for(o.quiet);
  if (bar) options.progress = [&bar](int64_t done, int64_t total) { bar->update(done, total); };

  const Model model = load_model(o.model);
  if (!clips) {
    const ImageFolderDataset dataset = crops_of(o.data, model.config.image_size, options);
    return write_report(o, format_report(evaluate(model, dataset, options), format));
  }
  const ClipSet set = clips_of(o, model.config.image_size);
  options.max_images = 0;  // applied to the photos of the pan/zoom clips
  return write_report(o, format_report(evaluate(model, set, options), format));
}

}  // namespace

void add_evaluate_command(CLI::App& app, Runner& run) {
  auto o = std::make_shared<EvaluateCommandOptions>();
  CLI::App* sub = app.add_subcommand(
      "evaluate",
      "Bit error rate, PSNR, SSIM and perceptual distance of a model under attacks: on "
      "centre crops (the paper's tables) or, with --photos, on whole photos (payload recovery); "
      "for an image-hiding model, container quality and revealed-secret APD per attack");
  sub->add_option("-m,--model", o->model, "model file (bit or image-hiding model)")->required();
  sub->add_option("-d,--data", o->data,
                  "image folder(s), searched recursively (required unless --clips names only "
                  "videos)");
  sub->add_option(
      "-t,--table", o->tables,
      "attacks of a paper table: jpeg, jpeg2000, webp, video (repeatable); hiding for an "
      "image-hiding model");
  sub->add_option("-a,--attack", o->attacks,
                  "attack spec, e.g. identity, jpeg:50, mpeg4 (repeatable; listed before the "
                  "tables' rows; default identity when no table is given)");
  sub->add_option("-f,--format", o->format, "report format: text, csv or json")
      ->capture_default_str();
  sub->add_option("-o,--output", o->output, "write the report to this file instead of stdout");
  sub->add_option("-n,--max-images", o->eval.max_images,
                  "evaluate at most this many images (0 = all)")
      ->capture_default_str();
  sub->add_option("--seed", o->eval.seed, "seed of the messages and of random attacks")
      ->capture_default_str();
  sub->add_option("--messages-per-image", o->eval.messages_per_image,
                  "independent messages per image: more bits scored, a narrower BER interval")
      ->capture_default_str();
  sub->add_option("-b,--batch-size", o->eval.batch_size,
                  "images per batch (frames per clip for video)")
      ->capture_default_str();
  sub->add_option("--threads", o->eval.codec_threads, "codec threads (0 = all cores)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  sub->add_flag("--same-bits-per-clip", o->same_bits_per_clip,
                "video attacks: the same message in every frame of a clip (the paper's text; "
                "default: a message per frame, the authors' code)");
  sub->add_option("--clips", o->clips,
                  "evaluate on clips (repeatable): pan (pan/zoom clips cut from the --data "
                  "photos) or a video file (the centre square of each frame); none = centre "
                  "crops. Default: pan for --table video, else none")
      ->group("Video");
  sub->add_option("--clip-frames", o->clip_frames, "frames per clip")
      ->capture_default_str()
      ->group("Video");
  sub->add_flag("-q,--quiet", o->quiet, "no progress on stderr");
  sub->add_option("-s,--strength", o->eval.strength,
                  "residual multiplier of the encoder (higher = more robust, lower PSNR)")
      ->capture_default_str();
  sub->add_option("--device", o->eval.device, "where the networks run: cpu, cuda or cuda:N")
      ->capture_default_str();
  sub->add_flag("--photos", o->photos,
                "whole photos instead of centre crops: embed a payload at full size, attack "
                "the full-size photo, extract; reports payload recovery, raw BER, false "
                "positives and imperceptibility (docs/evaluation.md)");
  sub->add_option("--ecc-t", o->watermark.ecc_t,
                  "--photos: BCH correction capability (0 = the code's default)")
      ->capture_default_str();
  o->search_flags = add_search_options(*sub, o->watermark);
  o->search_flags.push_back(add_grid_option(*sub, o->watermark.grid));
  o->search_flags.push_back(add_max_false_positive_option(*sub, o->watermark.max_false_positive));
  sub->callback([o, &run] { run = [o] { return run_evaluate(*o); }; });
}

}  // namespace robusthide::cli
