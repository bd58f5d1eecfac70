// robusthide train-hiding: train (or resume) an image-hiding model (docs/image-hiding.md).
#include <filesystem>
#include <functional>
#include <iostream>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "commands.h"
#include "model_flags.h"
#include "robusthide/hiding.h"
#include "robusthide/hiding_train.h"
#include "run_flags.h"

namespace robusthide::cli {
namespace {

struct HidingTrainCommand {
  HidingTrainOptions train;  // library options (defaults documented in hiding_train.h)
  RunFlags run;
  FixedFlags<HidingTrainOptions> fixed_flags;
};

int run_train_hiding(HidingTrainCommand& c) {
  HidingTrainOptions& o = c.train;
  // Unrepeated flags come from the checkpoint; repeated ones must match it (the trainer
  // refuses a resume whose fixed options differ).
  const auto stored = resume_options(o, c.fixed_flags, read_hiding_checkpoint_options);
  finish_run_options(o, c.run, stored.get());
  std::cout << "training " << o.model.summary() << ", attack " << o.attack << ", batch "
            << o.batch_size << ", device " << o.device << (o.resume ? " (resuming)" : "")
            << std::endl;
  const HidingTrainResult r = train_hiding(o);
  std::cout << "done: " << r.steps << " steps, " << r.epochs << " epochs\n";
  print_run_files(r.model_path, r.checkpoint_path, r.log_path, r.time_limit_reached, o.max_minutes);
  return kExitOk;
}

}  // namespace

void add_train_hiding_command(CLI::App& app, Runner& run) {
  auto c = std::make_shared<HidingTrainCommand>();
  HidingTrainOptions& o = c->train;
  CLI::App* sub = app.add_subcommand(
      "train-hiding",
      "Train an image-hiding model (a hiding net and a reveal net, the secret another photo "
      "of the batch) on folders of photos; writes OUT/model.pt, OUT/checkpoint.pt and "
      "OUT/log.csv (docs/image-hiding.md)");
  add_run_flags(sub, o, c->run);
  c->fixed_flags = add_fixed_flags(sub, o, fixed_hiding_train_fields());
  CLI::Option* val_attacks =
      sub->add_option("--val-attack", o.val_attacks,
                      "attack of the validation, one revealed-APD column each in log.csv "
                      "(repeatable; fixed for a run)")
          ->capture_default_str();
  c->fixed_flags.emplace_back(val_attacks,
                              [](const HidingTrainOptions& from, HidingTrainOptions& to) {
                                to.val_attacks = from.val_attacks;
                              });
  const std::string group = "Model (fixed for a run)";
  const std::string shaping_group = "Perceptual shaping (fixed for a run; docs/visibility.md)";
  for (const auto& [field, flag] :
       add_config_flags(sub, o.model, hiding_config_fields(), group, shaping_group)) {
    c->fixed_flags.emplace_back(
        flag, [f = field](const HidingTrainOptions& from, HidingTrainOptions& to) {
          copy_field(f->read(from.model), f->ref(to.model));
        });
  }
  sub->callback([c, sub, &run] {
    c->run.command_line = parsed_command_line(sub, "train-hiding");
    run = [c] { return run_train_hiding(*c); };
  });
}

}  // namespace robusthide::cli
