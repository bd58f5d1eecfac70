// robusthide train: train (or resume) an encoder/decoder pair on folders of photos.
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "commands.h"
#include "model_flags.h"
#include "run_flags.h"
#include "robusthide/device.h"
#include "robusthide/error.h"
#include "robusthide/fields.h"
#include "robusthide/model.h"
#include "robusthide/train.h"

namespace robusthide::cli {
namespace {

struct TrainCommandOptions {
  TrainOptions train;  // library options (defaults documented in train.h)
  RunFlags run;        // the flags every training command has
  // The [fixed] flags with how a resume copies each from the checkpoint.
  FixedFlags<TrainOptions> fixed_flags;
};

int run_train(TrainCommandOptions& c) {
  TrainOptions& o = c.train;
  // Unrepeated flags come from the checkpoint; repeated ones must match it (the trainer
  // refuses a resume whose fixed options differ).
  const auto stored = resume_options(o, c.fixed_flags, read_checkpoint_options);
  finish_run_options(o, c.run, stored.get());
  std::cout << "training " << o.model.summary() << ", attack " << o.attack << ", batch "
            << o.batch_size << ", device " << o.device << (o.resume ? " (resuming)" : "")
            << std::endl;
  const TrainResult r = train(o);
  std::cout << "done: " << r.steps << " steps, " << r.epochs << " epochs\n";
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
  print_run_files(r.model_path, r.checkpoint_path, r.log_path, r.time_limit_reached, o.max_minutes);
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
  add_run_flags(sub, o, c->run);
  // The [fixed] options and the model's fields: flags derived from the field tables; a
  // resume copies every one not given again from the checkpoint.
  c->fixed_flags = add_fixed_flags(sub, o, fixed_train_fields());
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

  sub->callback([c, sub, &run] {
    c->run.command_line = parsed_command_line(sub, "train");  // for the provenance
    run = [c] { return run_train(*c); };
  });
}

}  // namespace robusthide::cli
