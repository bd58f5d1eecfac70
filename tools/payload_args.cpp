#include "payload_args.h"

#include "message_bits.h"
#include "robusthide/error.h"

namespace robusthide::cli {

void PayloadArgs::add(CLI::App& sub, const std::string& prefix, const std::string& help_suffix) {
  auto* t = sub.add_option("--" + prefix + "text", text, "text payload (UTF-8)" + help_suffix);
  auto* h = sub.add_option("--" + prefix + "hex", hex, "hex payload" + help_suffix);
  auto* b = sub.add_option("--" + prefix + "bits", bits,
                           "raw model bits, 0/1 characters, no error correction" + help_suffix);
  t->excludes(h)->excludes(b);
  h->excludes(b);
  sub.add_option("-m,--model", model, "model file (default: the shipped default model)");
  sub.add_option("--ecc-t", ecc_t, "BCH errors corrected (0 = the code's default; embed and "
                                   "extract must agree)")
      ->capture_default_str();
}

std::string PayloadArgs::model_path() const { return model.empty() ? default_model_path() : model; }

std::vector<uint8_t> PayloadArgs::payload(const Watermarker& w, const std::string& prefix) const {
  if (!bits.empty()) return parse_bits(bits, w.model().config.message_bits, "--" + prefix + "bits");
  if (!hex.empty()) return payload_from_hex(hex, w.code().capacity_bits());
  return payload_from_text(text, w.code().capacity_bits());
}

std::vector<uint8_t> PayloadArgs::raw_bits(const Watermarker& w, const std::string& prefix) const {
  const std::vector<uint8_t> p = payload(w, prefix);
  return raw() ? p : w.code().encode(p);
}

}  // namespace robusthide::cli
