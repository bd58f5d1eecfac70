// robusthide extract: read the payload hidden in photos (a file or a folder) and say
// plainly when there is none.
#include <algorithm>
#include <cstdio>
#include <iostream>
#include <memory>
#include <vector>

#include <nlohmann/json.hpp>

#include "batch.h"
#include "commands.h"
#include "message_bits.h"
#include "payload_args.h"
#include "robusthide/error.h"
#include "robusthide/image.h"
#include "robusthide/progress.h"
#include "robusthide/text.h"
#include "robusthide/video.h"
#include "robusthide/watermark.h"

namespace robusthide::cli {
namespace {

struct ExtractCommandOptions {
  std::string input;   // image, or a folder of them
  PayloadArgs expect;  // --expect-text / --expect-hex / --expect-bits, --model, --ecc-t
  // Largest false-positive probability called "found" (the library's default).
  double max_false_positive = Watermarker::Options{}.max_false_positive;
  std::string progress = "auto";
  bool json = false;
  double window_seconds = 2.0;  // video: the payload per window of this length
  int sample = 1;               // video: decode every n-th frame
};

std::string probability_text(double p) {
  char text[32];
  std::snprintf(text, sizeof text, "%.2g", p);
  return text;
}

// The payload as text when it is printable, else as hex.
nlohmann::json payload_json(const Extraction& x) {
  bool printable = false;
  const std::string text = payload_to_text(x.payload, &printable);
  nlohmann::json j = {{"hex", payload_to_hex(x.payload)}};
  j["text"] = printable ? nlohmann::json(text) : nlohmann::json();
  return j;
}

struct Expected {
  bool given = false;
  bool raw_only = false;         // --expect-bits: compared bit by bit, no payload
  std::vector<uint8_t> payload;  // the expected payload (text/hex)
  std::vector<uint8_t> raw;      // raw model bits of the expected payload
};

// What was found, and how it compares with the expected payload.
nlohmann::json extraction_json(const Extraction& x, const Expected& expected) {
  nlohmann::json j = {{"found", x.found},
                      {"decoded", x.decoded},
                      {"corrected", x.corrected},
                      {"false_positive", x.false_positive},
                      {"raw_bits", format_bits(x.raw_bits)}};
  if (x.found) j["payload"] = payload_json(x);
  if (expected.given) {
    int wrong = 0;
    for (size_t i = 0; i < expected.raw.size(); ++i) wrong += x.raw_bits[i] != expected.raw[i];
    j["bit_errors"] = wrong;
    j["ber"] = static_cast<double>(wrong) / expected.raw.size();
    // A found payload other than the expected one (text/hex only; raw bits are measured,
    // not judged).
    if (!expected.raw_only && x.found) j["matches"] = x.payload == expected.payload;
  }
  return j;
}

nlohmann::json result_json(const std::string& path, const Image& image, const Extraction& x,
                           const Expected& expected) {
  nlohmann::json j = {{"input", path}, {"width", image.width}, {"height", image.height}};
  j.update(extraction_json(x, expected));
  j["grid"] = x.grid;
  return j;
}

void print_text(const nlohmann::json& j, bool batch) {
  const bool found = j["found"];
  if (j.contains("code")) {  // a model without a payload code: raw bits only
    if (batch) std::cout << j["input"].get<std::string>() << "  ";
    std::cout << (batch ? "bits " : "bits       ") << j["raw_bits"].get<std::string>();
    if (!batch) std::cout << " (raw: this model has no payload code)\n";
    if (j.contains("ber")) {
      std::cout << (batch ? "  BER " : "BER        ")
                << format_fixed(100 * j["ber"].get<double>(), 2) << " %"
                << (batch ? ""
                          : " (" + std::to_string(j["bit_errors"].get<int>()) + " of " +
                                std::to_string(j["raw_bits"].get<std::string>().size()) +
                                " raw bits wrong)");
    }
    if (batch || j.contains("ber")) std::cout << "\n";
    return;
  }
  if (batch) {
    std::cout << j["input"].get<std::string>() << "  ";
    if (!found) {
      std::cout << "no watermark found";
    } else if (!j["payload"]["text"].is_null()) {
      std::cout << "text \"" << j["payload"]["text"].get<std::string>() << "\"";
    } else {
      std::cout << "hex " << j["payload"]["hex"].get<std::string>();
    }
    if (found)
      std::cout << "  (" << j["corrected"].get<int>()
                << " corrected, p = " << probability_text(j["false_positive"]) << ")";
    if (j.contains("ber"))
      std::cout << "  BER " << format_fixed(100 * j["ber"].get<double>(), 2) << " %";
    if (j.contains("matches") && !j["matches"].get<bool>())
      std::cout << "  NOT the expected payload";
    std::cout << "\n";
    return;
  }
  if (!found) {
    std::cout << "watermark  no watermark found"
              << (j["decoded"].get<bool>()
                      ? " (the closest codeword needs " +
                            std::to_string(j["corrected"].get<int>()) +
                            " corrections: false-positive probability " +
                            probability_text(j["false_positive"]) + " is above the threshold)"
                      : " (the bits are not a codeword of the payload code)")
              << "\n";
  } else {
    std::cout << "watermark  found (" << j["corrected"].get<int>()
              << " bit errors corrected; false-positive probability "
              << probability_text(j["false_positive"]) << ")\n";
    if (!j["payload"]["text"].is_null()) {
      std::cout << "text       " << j["payload"]["text"].get<std::string>() << "\n";
    }
    std::cout << "hex        " << j["payload"]["hex"].get<std::string>() << "\n";
  }
  if (j.contains("ber")) {
    std::cout << "BER        " << format_fixed(100 * j["ber"].get<double>(), 2) << " % ("
              << j["bit_errors"].get<int>() << " of " << j["raw_bits"].get<std::string>().size()
              << " raw bits wrong)\n";
  }
  if (j.contains("matches")) {
    std::cout << "expected   "
              << (j["matches"].get<bool>() ? "the payload matches" : "NOT the expected payload")
              << "\n";
  }
}

// A video file: the payload of the whole file (soft bits averaged over its frames) and of
// each window.
int run_extract_video(const ExtractCommandOptions& o, const Watermarker& w,
                      const Expected& expected) {
  LazyProgressBar progress(progress_enabled(o.progress));
  const VideoExtraction x =
      extract_video(w, o.input, o.window_seconds, o.sample,
                    [&progress](int64_t done, int64_t total) { progress.update(done, total); });
  progress.finish();
  nlohmann::json j = {{"input", o.input},
                      {"frames", x.frames},
                      {"frame_disagreement", x.frame_disagreement},
                      {"window_seconds", x.window_seconds}};
  j.update(extraction_json(x.whole, expected));
  nlohmann::json windows = nlohmann::json::array();
  int64_t windows_found = 0;
  for (const VideoWindow& v : x.windows) {
    nlohmann::json wj = {{"start_s", v.start_s}, {"end_s", v.end_s}, {"frames", v.frames}};
    wj.update(extraction_json(v.extraction, expected));
    windows_found += v.extraction.found;
    windows.push_back(wj);
  }
  j["windows"] = windows;
  j["windows_found"] = windows_found;
  if (o.json) {
    std::cout << json_text(j) << "\n";
  } else {
    std::cout << "video      " << x.frames << " frames; a frame alone disagrees with the "
              << "average on " << format_fixed(100 * x.frame_disagreement, 1) << "% of bits\n";
    print_text(j, false);
    std::cout << "windows    " << windows_found << " of " << x.windows.size() << " windows of "
              << format_fixed(x.window_seconds, 1) << " s hold the watermark\n";
    for (const auto& wj : windows) {
      std::cout << "  " << format_fixed(wj["start_s"].get<double>(), 2) << "-"
                << format_fixed(wj["end_s"].get<double>(), 2) << " s  ";
      nlohmann::json line = wj;
      line["input"] = std::to_string(wj["frames"].get<int64_t>()) + " frames";
      print_text(line, true);
    }
  }
  if (!j["found"].get<bool>()) return kExitNotFound;
  return j.contains("matches") && !j["matches"].get<bool>() ? kExitMismatch : kExitOk;
}

int run_extract(const ExtractCommandOptions& o) {
  const bool show = progress_enabled(o.progress);
  const bool video = is_video_path(o.input) && !is_folder(o.input);
  const bool batch = !video && is_folder(o.input);
  const std::vector<BatchItem> items = video ? std::vector<BatchItem>{} : list_batch(o.input);
  Watermarker::Options wo;
  wo.ecc_t = o.expect.ecc_t;
  wo.grid = o.expect.grid;  // automatic: one tile per video frame (video.h)
  wo.max_false_positive = o.max_false_positive;
  const Watermarker w(load_model(o.expect.model_path()), wo);
  Expected expected;
  if (o.expect.given()) {
    expected.given = true;
    expected.raw_only = o.expect.raw();
    const ParsedPayload parsed = o.expect.parse(w);
    expected.payload = parsed.payload;
    expected.raw = parsed.raw;
  }
  if (video) return run_extract_video(o, w, expected);
  ProgressOptions bar;
  bar.enabled = show && batch;
  bar.total = static_cast<int64_t>(items.size());
  ProgressBar progress(bar);
  nlohmann::json all = nlohmann::json::array();
  int failed = 0, not_found = 0, mismatched = 0;
  size_t done = 0;
  for (const BatchItem& item : items) {
    try {
      nlohmann::json j;
      try {
        const Image image = read_image(item.path);
        j = result_json(item.path, image, w.extract(image), expected);
      } catch (const std::bad_alloc&) {
        throw IoError("cannot extract from '" + item.path + "': out of memory");
      }
      if (!w.has_code()) j["code"] = "none";
      not_found += w.has_code() && !j["found"].get<bool>();
      mismatched += j.contains("matches") && !j["matches"].get<bool>();
      if (o.json)
        all.push_back(j);
      else
        print_text(j, batch);
    } catch (const std::exception& e) {
      if (!batch) throw;
      ++failed;
      progress.message(std::string("error: ") + e.what());
      if (o.json) all.push_back({{"input", item.path}, {"error", e.what()}});
    }
    progress.update(static_cast<int64_t>(++done));
  }
  progress.finish();
  if (o.json) std::cout << json_text(batch ? all : all.at(0)) << "\n";
  if (batch && !o.json) {
    std::cout << items.size() - failed - not_found << " of " << items.size()
              << " images hold a watermark";
    if (not_found) std::cout << ", " << not_found << " hold none";
    if (mismatched) std::cout << ", " << mismatched << " hold another payload than expected";
    if (failed) std::cout << ", " << failed << " could not be read";
    std::cout << "\n";
  }
  if (failed) return kExitFailure;
  if (not_found) return kExitNotFound;
  return mismatched ? kExitMismatch : kExitOk;
}

}  // namespace

void add_extract_command(CLI::App& app, Runner& run) {
  auto o = std::make_shared<ExtractCommandOptions>();
  CLI::App* sub = app.add_subcommand(
      "extract",
      "Read the payload hidden in photos (a file or a folder); exit code 3 when none is found, "
      "4 when --expect-text/--expect-hex differs from the payload found");
  sub->add_option("-i,--input", o->input,
                  "image (JPEG, PNG or WebP), a folder of them, or a video (.mp4, .mkv, .avi, "
                  ".mov, .webm)")
      ->required();
  sub->add_option("--window", o->window_seconds,
                  "video: also report the payload of every window of this many seconds")
      ->capture_default_str();
  sub->add_option("--sample", o->sample, "video: read every n-th frame (1 = all)")
      ->capture_default_str();
  o->expect.add(*sub, "expect-", ": compare the raw bits with it and print the bit error rate");
  add_max_false_positive_option(*sub, o->max_false_positive);
  sub->add_option("--progress", o->progress, "progress bar in folder mode: auto, on, off")
      ->capture_default_str();
  sub->add_flag("--json", o->json, "print the result as JSON");
  sub->callback([o, &run] { run = [o] { return run_extract(*o); }; });
}

}  // namespace robusthide::cli
