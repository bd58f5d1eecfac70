// The payload and model flags embed and extract share.
#pragma once

#include <CLI/CLI.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "robusthide/watermark.h"

namespace robusthide::cli {

// What a payload flag asks for, in the model's terms.
struct ParsedPayload {
  std::vector<uint8_t> payload;  // the code's payload bits (text/hex), or the raw bits (--bits)
  std::vector<uint8_t> raw;      // the model bits to embed / expect (encoded unless --bits)
};

// --text / --hex / --bits (at most one of them), --model and --ecc-t.
struct PayloadArgs {
  std::string text;                        // UTF-8 text payload
  std::string hex;                         // hex payload
  std::string bits;                        // raw model bits, no error correction (research use)
  std::string model;                       // model file; empty = default_model_path()
  int ecc_t = 0;                           // BCH t (0 = default)
  int grid = Watermarker::Options{}.grid;  // tiles per side (Watermarker::Options::grid)
  std::string prefix;                      // "" for embed, "expect-" for extract (set by add)

  // Registers the flags; `prefix` is "" for embed and "expect-" for extract.
  void add(CLI::App& sub, const std::string& flag_prefix, const std::string& help_suffix);
  bool given() const { return !text.empty() || !hex.empty() || !bits.empty(); }
  bool raw() const { return !bits.empty(); }
  // The model file to load (the flag or the default model).
  std::string model_path() const;
  // The payload for `w`'s code and the raw model bits it becomes. Throws
  // InvalidArgument naming the flag for a payload the code cannot hold.
  ParsedPayload parse(const Watermarker& w) const;
};

// --grid G: Watermarker::Options::grid.
CLI::Option* add_grid_option(CLI::App& sub, int& grid);

// --max-false-positive P (extract and evaluate --photos): Watermarker::Options::
// max_false_positive.
CLI::Option* add_max_false_positive_option(CLI::App& sub, double& max_false_positive);

// --check SPEC... ("none" = off), --quiet-mark BOOL, --quiet-flat F and --quiet-dark D (embed
// and evaluate --photos): the search of Watermarker::Options. Returns the options (to tell
// whether one was given).
std::vector<CLI::Option*> add_search_options(CLI::App& sub, Watermarker::Options& o);
// The flag's specs for Watermarker::Options::check: "none" alone means none.
std::vector<std::string> check_specs(const std::vector<std::string>& flag);

}  // namespace robusthide::cli
