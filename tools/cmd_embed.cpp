// robusthide embed: hide a text/hex payload (or raw bits) in photos of any size, one
// file or a whole folder.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>

#include <nlohmann/json.hpp>

#include "batch.h"
#include "commands.h"
#include "message_bits.h"
#include "payload_args.h"
#include "robusthide/error.h"
#include "robusthide/file_io.h"
#include "robusthide/image.h"
#include "robusthide/metrics.h"
#include "robusthide/perceptual.h"
#include "robusthide/progress.h"
#include "robusthide/text.h"
#include "robusthide/video.h"
#include "robusthide/watermark.h"
#include "video_flags.h"

namespace robusthide::cli {
namespace {

namespace fs = std::filesystem;

struct EmbedCommandOptions {
  std::string input;               // cover image, or a folder of them
  std::string output;              // encoded image (.png / .jpg), or a folder
  PayloadArgs payload;             // --text / --hex / --bits, --model, --ecc-t
  Watermarker::Options watermark;  // --strength (its ecc_t comes from `payload`)
  WriteOptions write;              // --quality of .jpg outputs (4:4:4 unless changed)
  std::string format = "png";      // output format in folder mode: png or jpg
  std::string progress = "auto";
  bool json = false;        // JSON instead of text
  VideoEmbedOptions video;  // a video input: how the marked frames are encoded
  // --video-check: the video strength search's re-encodes (VideoEmbedOptions::checks);
  // "none" = no search.
  std::vector<std::string> video_checks = {"none"};
};

struct EmbedResult {
  std::string input, output;
  int width = 0, height = 0;
  double psnr = 0, ssim = 0;
  PerceptualDistance perceptual;  // CIEDE2000 and flat-region visibility
  double strength = 1;            // of the mark written (the strength search may raise it)
  bool quiet = false;             // the quiet mark was written (Watermarker::Options::quiet)
  int grid = 1;                   // tiles per side of the mark
  bool read_back = false;         // the payload is read back from the written file
  int read_back_errors = 0;       // raw bits that differ in the written file
};

// Embeds, encodes, decodes the encoded bytes (exactly what the file will hold) and checks
// the payload there; writes the file only when it reads back.
EmbedResult embed_one(const Watermarker& w, const ParsedPayload& p, bool raw_mode,
                      const std::string& in, const std::string& out,
                      const WriteOptions& write_options) {
  try {
    const Image cover = read_image(in);
    EmbedResult r;
    Watermarker::MarkChoice choice;
    choice.strength = w.options().strength;
    choice.grid = w.embed_grid(cover);
    // The marked image lives only until it is encoded (peak memory: cover, marked, bytes).
    const std::vector<uint8_t> bytes =
        encode_image(raw_mode ? embed_bits(w.model(), cover, p.raw, choice.strength, choice.grid)
                              : w.embed(cover, p.payload, &choice),
                     format_from_path(out), write_options);
    r.strength = choice.strength;
    r.quiet = choice.quiet;
    r.grid = choice.grid;
    const Image written = decode_image(bytes.data(), bytes.size(), out);
    const Extraction x = w.extract(written);
    r.input = in;
    r.output = out;
    r.width = cover.width;
    r.height = cover.height;
    r.psnr = psnr(cover, written);
    // No SSIM below one 11x11 window (reported as n/a).
    r.ssim = std::min(cover.width, cover.height) >= kSsimWindow ? ssim(cover, written) : NAN;
    r.perceptual = perceptual_distance(cover, written);
    for (size_t i = 0; i < p.raw.size(); ++i) r.read_back_errors += x.raw_bits[i] != p.raw[i];
    r.read_back = raw_mode ? r.read_back_errors == 0 : (x.found && x.payload == p.payload);
    if (!r.read_back) {
      throw Error("cannot embed into '" + in + "': the " +
                  (raw_mode ? "raw bits do" : "payload does") +
                  " not read back from the encoded output (" + std::to_string(r.read_back_errors) +
                  " of " + std::to_string(p.raw.size()) + " raw bits wrong); nothing written to '" +
                  out + "' (raise --strength, or --quality for .jpg output)");
    }
    write_file_atomic(out, bytes.data(), bytes.size());
    return r;
  } catch (const std::bad_alloc&) {
    throw IoError("cannot embed into '" + in + "': out of memory");
  }
}

nlohmann::json to_json(const EmbedResult& r) {
  nlohmann::json j = {{"input", r.input},         {"output", r.output},
                      {"width", r.width},         {"height", r.height},
                      {"ssim", r.ssim},           {"strength", r.strength},
                      {"quiet", r.quiet},         {"grid", r.grid},
                      {"read_back", r.read_back}, {"read_back_errors", r.read_back_errors}};
  j["psnr_db"] = std::isfinite(r.psnr) ? nlohmann::json(r.psnr) : nlohmann::json();
  j["ssim"] = std::isfinite(r.ssim) ? nlohmann::json(r.ssim) : nlohmann::json();  // < 11x11: none
  j["ciede2000_mean"] = r.perceptual.delta_e_mean;
  j["ciede2000_p99"] = r.perceptual.delta_e_p99;
  j["flat_pixels"] = r.perceptual.flat_pixels;
  j["flat_visible_share"] = r.perceptual.flat_visible_share();
  return j;
}

std::string db_text(double db) {
  return std::isfinite(db) ? format_fixed(db, 2) + " dB" : "inf (identical)";
}

std::string ssim_text(double s) {
  return std::isfinite(s) ? format_fixed(s, 4) : "n/a (image smaller than the 11x11 SSIM window)";
}

// What both paths need: the watermarker, the parsed payload and the model's path.
struct EmbedJob {
  const EmbedCommandOptions& o;
  const Watermarker& w;
  const ParsedPayload& parsed;
  std::string model_path;
};

// One file: the detailed report; any failure is the command's error.
int embed_file(const EmbedJob& job) {
  const EmbedCommandOptions& o = job.o;
  const Watermarker& w = job.w;
  const EmbedResult r = embed_one(w, job.parsed, o.payload.raw(), o.input, o.output, o.write);
  if (o.json) {
    nlohmann::json j = to_json(r);
    j["model"] = job.model_path;
    j["code"] = o.payload.raw() ? "none" : w.code().name();
    j["raw_bits"] = format_bits(job.parsed.raw);
    std::cout << json_text(j) << "\n";
  } else {
    std::cout << "output   " << r.output << " (" << r.width << "x" << r.height << ")\n"
              << "payload  "
              << (o.payload.raw()          ? "raw bits " + o.payload.bits
                  : !o.payload.hex.empty() ? "hex " + payload_to_hex(job.parsed.payload)
                                           : "text \"" + o.payload.text + "\"")
              << (o.payload.raw() ? "" : " (" + w.code().name() + ")") << "\n"
              << "PSNR     " << db_text(r.psnr) << "\n"
              << "SSIM     " << ssim_text(r.ssim) << "\n"
              << "strength " << format_fixed(r.strength, 4)
              << (r.strength > w.options().strength ? " (raised by the strength search)" : "")
              << (r.quiet ? ", quiet mark" : "") << ", " << r.grid << "x" << r.grid << " tiles\n"
              << "CIEDE2000 mean " << format_fixed(r.perceptual.delta_e_mean, 2) << ", p99 "
              << format_fixed(r.perceptual.delta_e_p99, 2) << "; flat pixels visibly changed (> 2) "
              << format_fixed(100 * r.perceptual.flat_visible_share(), 1) << " % of "
              << r.perceptual.flat_pixels << "\n"
              << "check    " << (o.payload.raw() ? "raw bits" : "payload")
              << " read back from the written file\n";
  }
  return kExitOk;
}

// A folder: one line per image, failures reported and counted, a summary at the end.
int embed_folder(const EmbedJob& job) {
  const EmbedCommandOptions& o = job.o;
  const std::vector<BatchItem> items = list_batch(o.input);
  const std::vector<std::string> outputs =
      plan_outputs(items, o.input, o.output, o.format == "png" ? ".png" : ".jpg");
  ProgressOptions bar;
  bar.enabled = progress_enabled(o.progress);
  bar.total = static_cast<int64_t>(items.size());
  ProgressBar progress(bar);
  nlohmann::json all = nlohmann::json::array();
  int failed = 0;
  double psnr_sum = 0, delta_e_sum = 0;
  int64_t flat = 0, flat_visible = 0;  // pooled over the images
  size_t done = 0, finite = 0;
  for (size_t i = 0; i < items.size(); ++i) {
    const BatchItem& item = items[i];
    const fs::path out = outputs[i];
    try {
      fs::create_directories(out.parent_path());
      const EmbedResult r =
          embed_one(job.w, job.parsed, o.payload.raw(), item.path, out.string(), o.write);
      if (std::isfinite(r.psnr)) {
        psnr_sum += r.psnr;
        ++finite;
      }
      delta_e_sum += r.perceptual.delta_e_mean;
      flat += r.perceptual.flat_pixels;
      flat_visible += r.perceptual.flat_visible;
      if (o.json) {
        all.push_back(to_json(r));
      } else {
        std::cout << r.output << "  " << r.width << "x" << r.height << "  PSNR " << db_text(r.psnr)
                  << "  SSIM " << (std::isfinite(r.ssim) ? format_fixed(r.ssim, 4) : "n/a")
                  << "  CIEDE2000 " << format_fixed(r.perceptual.delta_e_mean, 2)
                  << "  flat visible " << format_fixed(100 * r.perceptual.flat_visible_share(), 1)
                  << " %\n";
      }
    } catch (const std::exception& e) {
      ++failed;
      progress.message(std::string("error: ") + e.what());
      if (o.json) all.push_back({{"input", item.path}, {"error", e.what()}});
    }
    progress.update(static_cast<int64_t>(++done));
  }
  progress.finish();
  if (o.json) {
    const size_t ok = items.size() - failed;
    nlohmann::json summary = {{"model", job.model_path}, {"images", all}, {"failed", failed}};
    if (ok > 0) {
      summary["mean_ciede2000"] = delta_e_sum / ok;
      summary["flat_visible_share"] = flat > 0 ? static_cast<double>(flat_visible) / flat : 0.0;
    }
    std::cout << json_text(summary) << "\n";
  } else {
    const size_t ok = items.size() - failed;
    std::cout << ok << " of " << items.size() << " images embedded into " << o.output
              << (finite ? ", mean PSNR " + db_text(psnr_sum / finite) : "")
              << (ok ? ", mean CIEDE2000 " + format_fixed(delta_e_sum / ok, 2) +
                           ", flat pixels visibly changed " +
                           format_fixed(flat ? 100.0 * flat_visible / flat : 0.0, 1) + " %"
                     : "")
              << "\n";
  }
  return failed ? kExitFailure : kExitOk;
}

// "strength 1.0000 in every window (checks ...; 1 pass)" or "strength 1.0000 to 1.5625: 3
// of 4 windows raised (checks ...; 3 passes)".
std::string strength_text(const VideoEmbedReport& r, const VideoEmbedOptions& options,
                          double base) {
  const auto [lo, hi] = std::minmax_element(r.window_strengths.begin(), r.window_strengths.end());
  std::string s = "strength ";
  if (lo == r.window_strengths.end() || (*lo == base && *hi == base)) {
    s += format_fixed(base, 4) + " in every window";
  } else {
    const auto raised = std::count_if(r.window_strengths.begin(), r.window_strengths.end(),
                                      [&](double v) { return v > base; });
    s += format_fixed(*lo, 4) + " to " + format_fixed(*hi, 4) + ": " + std::to_string(raised) +
         " of " + std::to_string(r.window_strengths.size()) + " windows raised";
  }
  if (options.checks.empty()) return s + " (no video check)";
  std::string checks;
  for (const VideoEncodeOptions& c : options.checks)
    checks += (checks.empty() ? "" : ", ") + video_check_spec(c);
  return s + " (checks " + checks + "; " + std::to_string(r.passes) +
         (r.passes == 1 ? " pass)" : " passes)");
}

// A video file: every frame marked, re-encoded, other streams copied, read back.
int embed_video_file(const EmbedJob& job) {
  const EmbedCommandOptions& o = job.o;
  if (o.payload.raw())
    throw InvalidArgument("--bits does not apply to video (use --text or --hex)");
  if (!is_video_path(o.output)) {
    throw InvalidArgument(
        "the output of a video must be a video file (.mp4, .mkv, .avi, .mov, "
        ".webm), got '" +
        o.output + "'");
  }
  VideoEmbedOptions options = o.video;
  options.checks.clear();
  for (const std::string& spec : check_specs(o.video_checks))
    options.checks.push_back(parse_video_check(spec));
  LazyProgressBar progress(progress_enabled(o.progress));
  const VideoEmbedReport r =
      embed_video(job.w, job.parsed.payload, o.input, o.output, options,
                  [&progress](int64_t done, int64_t total) { progress.update(done, total); });
  progress.finish();
  if (o.json) {
    nlohmann::json j = {{"input", o.input},
                        {"output", o.output},
                        {"model", job.model_path},
                        {"grid", r.grid},
                        {"frames", r.frames},
                        {"width", r.width},
                        {"height", r.height},
                        {"fps", r.fps},
                        {"encoder", r.encoder},
                        {"streams_copied", r.streams_copied},
                        {"streams_skipped", r.streams_skipped},
                        {"ciede2000_mean", r.ciede2000_mean},
                        {"flat_visible_share", r.flat_visible_share},
                        {"flicker", r.flicker},
                        {"bytes_in", r.bytes_in},
                        {"bytes_out", r.bytes_out},
                        {"passes", r.passes},
                        {"window_seconds", options.check_window_seconds},
                        {"window_strengths", r.window_strengths},
                        {"read_back", true}};
    j["psnr_db"] = std::isfinite(r.psnr_db) ? nlohmann::json(r.psnr_db) : nlohmann::json();
    j["bits_per_pixel"] = r.bits_per_pixel;
    if (o.video.bitrate_cost) j["unmarked_bits_per_pixel"] = r.unmarked_bits_per_pixel;
    std::cout << json_text(j) << "\n";
  } else {
    std::cout << "output   " << o.output << " (" << r.width << "x" << r.height << ", " << r.frames
              << " frames, " << format_fixed(r.fps, 2) << " fps, " << r.encoder << "; "
              << r.streams_copied << " other stream(s) copied)\n";
    print_skipped_streams(std::cout, r.streams_skipped);
    std::cout << "PSNR     " << db_text(r.psnr_db) << " (mean over frames, before encoding)\n"
              << "CIEDE2000 mean " << format_fixed(r.ciede2000_mean, 2)
              << "; flat pixels visibly changed " << format_fixed(100 * r.flat_visible_share, 1)
              << " % (the first frame of every " << format_fixed(options.check_window_seconds, 1)
              << "-s window)\n"
              << strength_text(r, options, job.w.options().strength) << "\n"
              << "size     " << r.bytes_in << " -> " << r.bytes_out << " bytes; video stream "
              << format_fixed(r.bits_per_pixel, 4) << " bits/pixel\n";
    if (o.video.bitrate_cost) {
      const double cost = r.unmarked_bits_per_pixel > 0
                              ? 100 * (r.bits_per_pixel / r.unmarked_bits_per_pixel - 1)
                              : NAN;
      std::cout << "bitrate  unmarked frames at the same settings: "
                << format_fixed(r.unmarked_bits_per_pixel, 4) << " bits/pixel; the mark costs "
                << (std::isfinite(cost) ? format_fixed(cost, 1) + " %" : "n/a") << "\n";
    }
    std::cout << "check    payload read back from the written file\n";
  }
  return kExitOk;
}

int run_embed(const EmbedCommandOptions& o) {
  if (!o.payload.given()) throw InvalidArgument("no payload: give --text, --hex or --bits");
  if (o.write.jpeg_quality < 1 || o.write.jpeg_quality > 100) {
    throw InvalidArgument("--quality must be in 1..100, got " +
                          std::to_string(o.write.jpeg_quality));
  }
  check_strength(o.watermark.strength, "--strength");
  if (o.format != "png" && o.format != "jpg") {
    throw InvalidArgument("--format must be png or jpg, got '" + o.format + "'");
  }
  const bool batch = is_folder(o.input);
  const bool video = !batch && is_video_path(o.input);
  if (!batch) {
    if (!video) format_from_path(o.output);  // bad names fail before any work
    check_output_is_not_input(o.input, o.output);
  }
  progress_enabled(o.progress);  // a bad mode fails before any work
  Watermarker::Options wo = o.watermark;
  wo.ecc_t = o.payload.ecc_t;
  wo.grid = o.payload.grid;  // automatic: one tile per video frame (video.h)
  wo.check = check_specs(o.watermark.check);
  const std::string model_path = o.payload.model_path();
  const Watermarker w(load_model(model_path), wo);
  const ParsedPayload parsed = o.payload.parse(w);
  const EmbedJob job{o, w, parsed, model_path};
  if (video) return embed_video_file(job);
  return batch ? embed_folder(job) : embed_file(job);
}

}  // namespace

void add_embed_command(CLI::App& app, Runner& run) {
  auto o = std::make_shared<EmbedCommandOptions>();
  CLI::App* sub = app.add_subcommand(
      "embed", "Hide a text/hex payload in photos of any size (a file or a folder)");
  sub->add_option("-i,--input", o->input,
                  "cover image (JPEG, PNG or WebP), a folder of them, or a video (.mp4, .mkv, "
                  ".avi, .mov, .webm: every frame marked, audio copied)")
      ->required();
  sub->add_option("-o,--output", o->output,
                  "encoded image (.png lossless, or .jpg), or a folder for a folder input")
      ->required();
  o->payload.add(*sub, "", "");
  sub->add_option("-s,--strength", o->watermark.strength,
                  "residual multiplier: higher = more robust, lower PSNR")
      ->capture_default_str();
  add_search_options(*sub, o->watermark);
  sub->add_option("--quality", o->write.jpeg_quality, "JPEG quality of .jpg outputs (4:4:4)")
      ->capture_default_str();
  sub->add_option("--format", o->format, "output format in folder mode: png or jpg")
      ->capture_default_str();
  sub->add_option("--progress", o->progress, "progress bar in folder mode: auto, on, off")
      ->capture_default_str();
  add_video_encode_flags(sub, o->video.encode, "Video");
  sub->add_option("--step", o->video.step,
                  "video: compute the mark on every n-th frame and reuse it in between")
      ->capture_default_str()
      ->group("Video");
  sub->add_option("--video-check", o->video_checks,
                  "video strength search: re-encode the marked video so (libx264[:crf=N]"
                  "[:preset=P], libx265..., libvpx-vp9[:crf=N], libvpx..., libsvtav1..., "
                  "mpeg4[:q=N][:bitrate=B], libxvid...) and raise "
                  "--strength x1.25 (up to 2) in every 2-s window whose payload does not come "
                  "back, e.g. libx264:crf=40 for small or low-bitrate videos; none = the "
                  "strength as given (docs/video.md)")
      ->capture_default_str()
      ->group("Video");
  sub->add_option("--video-check-visible", o->video.max_flat_visible,
                  "video strength search: the share of a frame's area a raise may make "
                  "visibly changed in flat regions (0 = none, the photos' rule)")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1.0))
      ->group("Video");
  sub->add_flag("--bitrate-cost", o->video.bitrate_cost,
                "video: also encode the unmarked frames alike and report the mark's bitrate cost")
      ->group("Video");
  sub->add_flag("--json", o->json, "print the result as JSON");
  sub->callback([o, &run] { run = [o] { return run_embed(*o); }; });
}

}  // namespace robusthide::cli
