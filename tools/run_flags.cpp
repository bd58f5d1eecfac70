#include "run_flags.h"

#include <iostream>

#include "robusthide/device.h"
#include "robusthide/error.h"

namespace robusthide::cli {

void add_run_flags(CLI::App* sub, RunOptions& o, RunFlags& flags) {
  flags.train = sub->add_option("--train", o.train_folders,
                                "folder of training photos, searched recursively (repeatable)");
  flags.val = sub->add_option("--val", o.val_folders,
                              "folder of validation photos (repeatable; default: the first "
                              "--val-images training photos)");
  sub->add_option("-o,--out", o.out_dir, "output folder")->required();
  sub->add_flag("--resume", o.resume,
                "continue the run saved in OUT/checkpoint.pt exactly where it stopped; "
                "flags not repeated are taken from the checkpoint");
  flags.epochs = sub->add_option("--epochs", o.epochs, "passes over the training photos");
  flags.steps = sub->add_option("--steps", o.steps, "optimizer steps (instead of --epochs)");
  flags.epochs->excludes(flags.steps);
  flags.checkpoint_every =
      sub->add_option("--checkpoint-every", o.checkpoint_every,
                      "write OUT/checkpoint.pt every N steps (0 = only at the end; a resume "
                      "keeps the run's)")
          ->capture_default_str();
  sub->add_option("--max-train-images", o.max_train_images,
                  "use at most N training photos (0 = all)")
      ->capture_default_str();
  sub->add_option("--val-images", o.val_images, "validate on at most N photos")
      ->capture_default_str();
  flags.val_every =
      sub->add_option("--val-every", o.val_every,
                      "append a validation row to log.csv every N steps (0 = at the end of "
                      "every epoch; a resume keeps the run's)")
          ->capture_default_str();
  sub->add_option("--threads", o.codec_threads, "codec threads (0 = all cores)")
      ->capture_default_str();
  sub->add_option("--load-threads", o.load_threads, "photo decoding threads (0 = all cores)")
      ->capture_default_str();
  sub->add_option("--progress", flags.progress, "progress bar on stderr: auto, on, off")
      ->capture_default_str();
  sub->add_option("--device", o.device, "where the networks run: cpu, cuda or cuda:N")
      ->capture_default_str();
  sub->add_flag("--channels-last", o.channels_last,
                "CUDA only: weights and inputs in channels-last memory order");
  sub->add_flag("--amp", o.amp, "CUDA only: bfloat16 autocast for the network forward passes");
  sub->add_option("--max-minutes", o.max_minutes,
                  "stop cleanly (validation, checkpoint, model) after the step during which "
                  "this many minutes of wall time have passed (0 = no limit); --resume continues")
      ->capture_default_str();
}

void finish_run_options(RunOptions& o, const RunFlags& flags, const RunOptions* stored) {
  parse_device(o.device, "--device");  // a missing GPU is a usage error, before any output
  if (flags.progress == "auto") {
    o.progress = ProgressMode::kAuto;
  } else if (flags.progress == "on") {
    o.progress = ProgressMode::kAlways;
  } else if (flags.progress == "off") {
    o.progress = ProgressMode::kNever;
  } else {
    throw InvalidArgument("invalid --progress '" + flags.progress + "': expected auto, on or off");
  }
  if (o.out_dir.empty()) throw InvalidArgument("--out is required");
  if (stored != nullptr) {
    if (flags.train->count() == 0) o.train_folders = stored->train_folders;
    if (flags.val->count() == 0) o.val_folders = stored->val_folders;
    if (flags.checkpoint_every->count() == 0) o.checkpoint_every = stored->checkpoint_every;
    if (flags.val_every->count() == 0) o.val_every = stored->val_every;
    if (flags.epochs->count() == 0 && flags.steps->count() == 0) {
      o.epochs = stored->epochs;
      o.steps = stored->steps;
    }
  }
  if (o.train_folders.empty()) throw InvalidArgument("--train is required (a folder of photos)");
  o.report = &std::cout;
  o.notes = flags.command_line;
}

std::string parsed_command_line(const CLI::App* sub, const std::string& name) {
  std::string line = "robusthide " + name;
  for (const CLI::Option* opt : sub->get_options()) {
    if (opt->count() == 0 || opt->get_name() == "--help") continue;
    if (opt->get_expected_min() == 0) {
      line += " " + opt->get_name();
      continue;
    }
    for (const std::string& value : opt->results()) {
      const bool plain =
          value.find_first_of(" \t'\"()$|;&<>*?") == std::string::npos && !value.empty();
      line += " " + opt->get_name() + " " + (plain ? value : "'" + value + "'");
    }
  }
  return line;
}

void print_run_files(const std::string& model, const std::string& checkpoint,
                     const std::string& log, bool time_limit_reached, double max_minutes) {
  std::cout << "model       " << model << "\n"
            << "checkpoint  " << checkpoint << "\n"
            << "log         " << log << "\n";
  if (time_limit_reached) {
    std::cout << "stopped by --max-minutes " << max_minutes << "; continue with --resume\n";
  }
}

}  // namespace robusthide::cli
