// The flags every training command shares (train, train-hiding): data, output, length,
// resume, threads, progress, device, time budget; and the command line for provenance.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "model_flags.h"
#include "robusthide/train.h"

namespace robusthide::cli {

// Flags whose values a resume may take from the checkpoint.
struct RunFlags {
  std::string progress = "auto";  // progress bar: auto (terminal only), on, off
  std::string command_line;       // stored in the model's provenance (set when parsed)
  CLI::Option* train = nullptr;
  CLI::Option* val = nullptr;
  CLI::Option* epochs = nullptr;
  CLI::Option* steps = nullptr;
  CLI::Option* checkpoint_every = nullptr;
  CLI::Option* val_every = nullptr;
};

// Adds the shared flags of `sub`, bound to `o` and `flags`.
void add_run_flags(CLI::App* sub, RunOptions& o, RunFlags& flags);

// After parsing: the progress mode, the required flags (InvalidArgument otherwise) and,
// for --resume, the data folders, length and checkpoint interval not given again taken
// from `stored`.
void finish_run_options(RunOptions& o, const RunFlags& flags, const RunOptions* stored);

// "robusthide NAME --flag value ..." as parsed (values quoted where a shell needs it).
std::string parsed_command_line(const CLI::App* sub, const std::string& name);

// Per [fixed] flag, how a resume copies its field from the stored options when the flag
// was not given again.
template <typename O>
using FixedFlags = std::vector<std::pair<CLI::Option*, std::function<void(const O&, O&)>>>;

// For --resume: the options stored in OUT/checkpoint.pt (read by `read`, e.g.
// read_checkpoint_options), every fixed flag not given again copied from them into `o`;
// null without --resume.
template <typename O, typename Read>
std::unique_ptr<O> resume_options(O& o, const FixedFlags<O>& flags, Read read) {
  if (!o.resume) return nullptr;
  auto stored = std::make_unique<O>(read(o.out_dir + "/checkpoint.pt"));
  for (const auto& [flag, copy] : flags) {
    if (flag->count() == 0) copy(*stored, o);
  }
  return stored;
}

// One flag per [fixed] field of `table` bound to `o`.
template <typename O>
FixedFlags<O> add_fixed_flags(CLI::App* sub, O& o, const std::vector<FixedField<O>>& table) {
  FixedFlags<O> flags;
  for (const FixedField<O>& f : table) {
    CLI::Option* flag = add_field_option(sub, f.flag, f.ref(o), f.help)->capture_default_str();
    flags.emplace_back(flag, [&f](const O& from, O& to) { copy_field(f.read(from), f.ref(to)); });
  }
  return flags;
}

// Prints the end of a run: its files and whether the budget stopped it.
void print_run_files(const std::string& model, const std::string& checkpoint,
                     const std::string& log, bool time_limit_reached, double max_minutes);

}  // namespace robusthide::cli
