// The payload and model flags embed and extract share.
#pragma once

#include <CLI/CLI.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "robusthide/watermark.h"

namespace robusthide::cli {

// --text / --hex / --bits (at most one; `required` = exactly one) and the code options.
struct PayloadArgs {
  std::string text;   // UTF-8 text payload
  std::string hex;    // hex payload
  std::string bits;   // raw model bits, no error correction (research use)
  std::string model;  // model file; empty = default_model_path()
  int ecc_t = 0;      // BCH t (0 = default)

  // Registers the flags; `prefix` is "" for embed and "expect-" for extract.
  void add(CLI::App& sub, const std::string& prefix, const std::string& help_suffix);
  bool given() const { return !text.empty() || !hex.empty() || !bits.empty(); }
  bool raw() const { return !bits.empty(); }
  // The model file to load (the flag or the default model).
  std::string model_path() const;
  // The payload bits for `w`'s code (text/hex), or the raw model bits (--bits).
  std::vector<uint8_t> payload(const Watermarker& w, const std::string& prefix) const;
  // The raw model bits the payload becomes (what the decoder should read).
  std::vector<uint8_t> raw_bits(const Watermarker& w, const std::string& prefix) const;
};

}  // namespace robusthide::cli
