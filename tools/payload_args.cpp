#include "payload_args.h"

#include "message_bits.h"
#include "robusthide/error.h"

namespace robusthide::cli {

void PayloadArgs::add(CLI::App& sub, const std::string& flag_prefix,
                      const std::string& help_suffix) {
  prefix = flag_prefix;
  auto* t = sub.add_option("--" + prefix + "text", text, "text payload (UTF-8)" + help_suffix);
  auto* h = sub.add_option("--" + prefix + "hex", hex, "hex payload" + help_suffix);
  auto* b = sub.add_option("--" + prefix + "bits", bits,
                           "raw model bits, 0/1 characters, no error correction" + help_suffix);
  t->excludes(h)->excludes(b);
  h->excludes(b);
  sub.add_option("-m,--model", model, "model file (default: the shipped default model)");
  sub.add_option("--ecc-t", ecc_t,
                 "BCH errors corrected (0 = the code's default; embed and "
                 "extract must agree)")
      ->capture_default_str();
  add_grid_option(sub, grid);
}

CLI::Option* add_grid_option(CLI::App& sub, int& grid) {
  return sub
      .add_option("--grid", grid,
                  "tiles per side of the mark, 1-8, or 0 = automatic (photos: one tile per 240 "
                  "pixels of the longer side, and extract tries every grid; videos: 1); a "
                  "grid given to embed must be given to extract (docs/visibility.md)")
      ->capture_default_str();
}

CLI::Option* add_max_false_positive_option(CLI::App& sub, double& max_false_positive) {
  return sub
      .add_option("--max-false-positive", max_false_positive,
                  "largest false-positive probability reported as a watermark")
      ->capture_default_str();
}

std::string PayloadArgs::model_path() const { return model.empty() ? default_model_path() : model; }

ParsedPayload PayloadArgs::parse(const Watermarker& w) const {
  ParsedPayload p;
  if (!bits.empty()) {
    p.payload = parse_bits(bits, w.model().config.message_bits, "--" + prefix + "bits");
    p.raw = p.payload;
    return p;
  }
  p.payload = hex.empty() ? payload_from_text(text, w.code().capacity_bits())
                          : payload_from_hex(hex, w.code().capacity_bits());
  p.raw = w.code().encode(p.payload);
  return p;
}

std::vector<CLI::Option*> add_search_options(CLI::App& sub, Watermarker::Options& o) {
  CLI::Option* check =
      sub.add_option("--check", o.check,
                     "strength search: raise --strength in x1.25 steps (up to 2) until the "
                     "payload reads back after each of these checks (image codecs, resize, "
                     "blur, quant, chain(...) of them, e.g. jpeg:50 webp:50 "
                     "'chain(resize:0.5,jpeg:85)'); none = the strength as given")
          ->capture_default_str();
  CLI::Option* quiet =
      sub.add_option("--quiet-mark", o.quiet,
                     "with --check: first try the quiet mark (almost nothing in smooth and dark "
                     "backgrounds), kept when it passes the check (docs/visibility.md)")
          ->capture_default_str();
  CLI::Option* quiet_flat =
      sub.add_option("--quiet-flat", o.quiet_flat,
                     "the quiet mark's flat share (smaller of it and the model's), (0, 1]")
          ->capture_default_str();
  CLI::Option* quiet_dark =
      sub.add_option("--quiet-dark", o.quiet_dark,
                     "the quiet mark's dark attenuation: grey level (0-255) below which the mark "
                     "fades (larger of it and the model's)")
          ->capture_default_str();
  return {check, quiet, quiet_flat, quiet_dark};
}

std::vector<std::string> check_specs(const std::vector<std::string>& flag) {
  if (flag.size() == 1 && flag[0] == "none") return {};
  return flag;
}

}  // namespace robusthide::cli
