// robusthide train: train (or resume) an encoder/decoder pair on folders of photos.
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "commands.h"
#include "model_flags.h"
#include "robusthide/device.h"
#include "robusthide/error.h"
#include "robusthide/fields.h"
#include "robusthide/model.h"
#include "robusthide/train.h"

namespace robusthide::cli {
namespace {

struct TrainCommandOptions {
  TrainOptions train;             // library options (defaults documented in train.h)
  std::string progress = "auto";  // progress bar: auto (terminal only), on, off
  std::string command_line;       // stored in the model's provenance (filled after parsing)
  // Flags that a resume takes from the checkpoint when they are not given again.
  CLI::Option* train_flag = nullptr;
  CLI::Option* val_flag = nullptr;
  CLI::Option* epochs_flag = nullptr;
  CLI::Option* steps_flag = nullptr;
  std::vector<std::pair<CLI::Option*, std::function<void(const TrainOptions&, TrainOptions&)>>>
      fixed_flags;
};

int run_train(TrainCommandOptions& c) {
  TrainOptions& o = c.train;
  parse_device(o.device, "--device");  // a missing GPU is a usage error, before any output
  if (c.progress == "auto") {
    o.progress = ProgressMode::kAuto;
  } else if (c.progress == "on") {
    o.progress = ProgressMode::kAlways;
  } else if (c.progress == "off") {
    o.progress = ProgressMode::kNever;
  } else {
    throw InvalidArgument("invalid --progress '" + c.progress + "': expected auto, on or off");
  }
  if (o.out_dir.empty()) throw InvalidArgument("--out is required");
  if (o.resume) {
    // Unrepeated flags come from the checkpoint; repeated ones must match it (train()
    // refuses a resume whose fixed options differ).
    const TrainOptions stored =
        read_checkpoint_options((std::filesystem::path(o.out_dir) / "checkpoint.pt").string());
    for (auto& [flag, copy] : c.fixed_flags) {
      if (flag->count() == 0) copy(stored, o);
    }
    if (c.train_flag->count() == 0) o.train_folders = stored.train_folders;
    if (c.val_flag->count() == 0) o.val_folders = stored.val_folders;
    if (c.epochs_flag->count() == 0 && c.steps_flag->count() == 0) {
      o.epochs = stored.epochs;
      o.steps = stored.steps;
    }
  }
  if (o.train_folders.empty()) throw InvalidArgument("--train is required (a folder of photos)");
  o.report = &std::cout;
  o.notes = c.command_line;
  std::cout << "training " << o.model.summary() << ", attack " << o.attack << ", batch "
            << o.batch_size << ", device " << o.device << (o.resume ? " (resuming)" : "")
            << std::endl;
  const TrainResult r = train(o);
  std::cout << "done: " << r.steps << " steps, " << r.epochs << " epochs\n"
            << "model       " << r.model_path << "\n"
            << "checkpoint  " << r.checkpoint_path << "\n"
            << "log         " << r.log_path << "\n";
  const StepTimes& t = r.times;
  if (t.steps > 0) {
    const double per = 1.0 / static_cast<double>(t.steps);
    const double step =
        (t.data + t.encoder_decoder + t.attack + t.discriminator + t.backward) * per;
    char line[512];
    std::snprintf(line, sizeof line,
                  "time per step  %.3f s (%.1f images/s): data %.3f, encoder+decoder forward %.3f, "
                  "attack %.3f, discriminator %.3f, backward+Adam %.3f; outside steps %.1f s; "
                  "CPU user %.1f s, system %.1f s\n",
                  step, o.batch_size / step, t.data * per, t.encoder_decoder * per, t.attack * per,
                  t.discriminator * per, t.backward * per, t.other, t.cpu_user, t.cpu_system);
    std::cout << line;
  }
  if (r.time_limit_reached) {
    std::cout << "stopped by --max-minutes " << o.max_minutes << "; continue with --resume\n";
  }
  return kExitOk;
}

}  // namespace

void add_train_command(CLI::App& app, Runner& run) {
  auto c = std::make_shared<TrainCommandOptions>();
  TrainOptions& o = c->train;
  CLI::App* sub = app.add_subcommand(
      "train",
      "Train an encoder/decoder pair (and discriminator) on folders of photos; writes "
      "OUT/model.pt, OUT/checkpoint.pt and OUT/log.csv (docs/training.md)");
  c->train_flag = sub->add_option("--train", o.train_folders,
                                  "folder of training photos, searched recursively (repeatable)");
  c->val_flag = sub->add_option("--val", o.val_folders,
                                "folder of validation photos (repeatable; default: the first "
                                "--val-images training photos)");
  sub->add_option("-o,--out", o.out_dir, "output folder")->required();
  sub->add_flag("--resume", o.resume,
                "continue the run saved in OUT/checkpoint.pt exactly where it stopped; "
                "flags not repeated are taken from the checkpoint");
  c->epochs_flag = sub->add_option("--epochs", o.epochs, "passes over the training photos");
  c->steps_flag = sub->add_option("--steps", o.steps, "optimizer steps (instead of --epochs)");
  c->epochs_flag->excludes(c->steps_flag);

  // The [fixed] options and the model's fields: flags derived from the field tables; a
  // resume copies every one not given again from the checkpoint.
  for (const FixedTrainField& f : fixed_train_fields()) {
    CLI::Option* flag = add_field_option(sub, f.flag, f.ref(o), f.help)->capture_default_str();
    c->fixed_flags.emplace_back(flag, [&f](const TrainOptions& from, TrainOptions& to) {
      copy_field(f.read(from), f.ref(to));
    });
  }
  ModelConfig& m = o.model;
  const std::string group = "Model (fixed for a run)";
  const std::string shaping_group = "Perceptual shaping (fixed for a run; docs/visibility.md)";
  for (const auto& [field, flag] : add_model_config_flags(sub, m, group, shaping_group)) {
    c->fixed_flags.emplace_back(flag, [f = field](const TrainOptions& from, TrainOptions& to) {
      copy_field(f->read(from.model), f->ref(to.model));
    });
  }
  Shaping& sh = m.shaping;
  auto* no_shaping =
      sub->add_flag_callback(
             "--no-shaping", [&sh] { sh = Shaping::none(); },
             "embed the residual as the encoder makes it (the paper's setting; same as --chroma 1 "
             "--flat 1 --luminance-adaptation false --dark 0)")
          ->group(shaping_group);
  // Its fields are resumed one by one by the flags above.
  c->fixed_flags.emplace_back(no_shaping, [](const TrainOptions&, TrainOptions&) {});

  sub->add_option("--checkpoint-every", o.checkpoint_every,
                  "write OUT/checkpoint.pt every N steps (0 = only at the end)")
      ->capture_default_str();
  sub->add_option("--max-train-images", o.max_train_images,
                  "use at most N training photos (0 = all)")
      ->capture_default_str();
  sub->add_option("--val-images", o.val_images, "validate on at most N photos")
      ->capture_default_str();
  sub->add_option("--threads", o.codec_threads, "codec threads (0 = all cores)")
      ->capture_default_str();
  sub->add_option("--load-threads", o.load_threads, "photo decoding threads (0 = all cores)")
      ->capture_default_str();
  sub->add_option("--progress", c->progress, "progress bar on stderr: auto, on, off")
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
  sub->callback([c, sub, &run] {
    // The command line as parsed, for the model's provenance.
    c->command_line = "robusthide train";
    for (const CLI::Option* opt : sub->get_options()) {
      if (opt->count() == 0 || opt->get_name() == "--help") continue;
      if (opt->get_expected_min() == 0) {
        c->command_line += " " + opt->get_name();
        continue;
      }
      for (const std::string& value : opt->results()) {
        const bool plain =
            value.find_first_of(" \t'\"()$|;&<>*?") == std::string::npos && !value.empty();
        c->command_line += " " + opt->get_name() + " " + (plain ? value : "'" + value + "'");
      }
    }
    run = [c] { return run_train(*c); };
  });
}

}  // namespace robusthide::cli
