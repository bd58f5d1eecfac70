// robusthide train: train (or resume) an encoder/decoder pair on folders of photos.
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "commands.h"
#include "robusthide/device.h"
#include "robusthide/error.h"
#include "robusthide/model.h"
#include "robusthide/train.h"

namespace robusthide::cli {
namespace {

struct TrainCommandOptions {
  TrainOptions train;            // library options (defaults documented in train.h)
  std::string progress = "auto"; // progress bar: auto (terminal only), on, off
  std::string command_line;      // stored in the model's provenance (filled after parsing)
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
    const double step = (t.data + t.encoder_decoder + t.attack + t.discriminator + t.backward) * per;
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
    std::cout << "stopped by --max-minutes " << o.max_minutes
              << "; continue with --resume\n";
  }
  return kExitOk;
}

template <typename T>
void fixed(TrainCommandOptions& c, CLI::Option* flag, T TrainOptions::*field) {
  c.fixed_flags.emplace_back(flag, [field](const TrainOptions& from, TrainOptions& to) {
    to.*field = from.*field;
  });
}

template <typename T>
void fixed_model(TrainCommandOptions& c, CLI::Option* flag, T ModelConfig::*field) {
  c.fixed_flags.emplace_back(flag, [field](const TrainOptions& from, TrainOptions& to) {
    to.model.*field = from.model.*field;
  });
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

  fixed(*c, sub->add_option("-a,--attack", o.attack,
                            "attack between encoder and decoder, e.g. jpeg:50, "
                            "split(jpeg:10,jpeg:25,jpeg:50,jpeg:75,jpeg:90), diffjpeg:50")
                ->capture_default_str(),
        &TrainOptions::attack);
  fixed(*c, sub->add_option("--batch-size", o.batch_size, "images per step")->capture_default_str(),
        &TrainOptions::batch_size);
  fixed(*c, sub->add_option("--lr", o.lr, "Adam learning rate")->capture_default_str(),
        &TrainOptions::lr);
  fixed(*c, sub->add_option("--seed", o.seed, "seed of weights, data order, crops, messages")
                ->capture_default_str(),
        &TrainOptions::seed);
  fixed(*c, sub->add_option("--image-weight", o.image_weight, "weight of MSE(encoded, cover)")
                ->capture_default_str(),
        &TrainOptions::image_weight);
  fixed(*c, sub->add_option("--message-weight", o.message_weight, "weight of MSE(decoded, message)")
                ->capture_default_str(),
        &TrainOptions::message_weight);
  fixed(*c, sub->add_option("--warmup-strength", o.warmup_strength,
                            "residual multiplier at step 0, falling to 1 at --warmup-steps")
                ->capture_default_str(),
        &TrainOptions::warmup_strength);
  fixed(*c, sub->add_option("--warmup-steps", o.warmup_steps, "length of the strength warm-up (0 = off)")
                ->capture_default_str(),
        &TrainOptions::warmup_steps);
  fixed(*c, sub->add_option("--adversarial-weight", o.adversarial_weight,
                            "weight of the discriminator term (0 = no discriminator)")
                ->capture_default_str(),
        &TrainOptions::adversarial_weight);

  ModelConfig& m = o.model;
  std::string architectures;
  for (const auto& a : model_architectures()) architectures += (architectures.empty() ? "" : ", ") + a;
  const std::string group = "Model (fixed for a run)";
  fixed_model(*c, sub->add_option("--architecture", m.architecture, "network family: " + architectures)
                      ->capture_default_str()->group(group),
              &ModelConfig::architecture);
  fixed_model(*c, sub->add_option("--image-size", m.image_size, "side of the training crops")
                      ->capture_default_str()->group(group),
              &ModelConfig::image_size);
  fixed_model(*c, sub->add_option("--bits", m.message_bits, "message length L")
                      ->capture_default_str()->group(group),
              &ModelConfig::message_bits);
  fixed_model(*c, sub->add_option("--encoder-blocks", m.encoder_blocks)->capture_default_str()->group(group),
              &ModelConfig::encoder_blocks);
  fixed_model(*c, sub->add_option("--encoder-channels", m.encoder_channels)->capture_default_str()->group(group),
              &ModelConfig::encoder_channels);
  fixed_model(*c, sub->add_option("--decoder-blocks", m.decoder_blocks)->capture_default_str()->group(group),
              &ModelConfig::decoder_blocks);
  fixed_model(*c, sub->add_option("--decoder-channels", m.decoder_channels)->capture_default_str()->group(group),
              &ModelConfig::decoder_channels);
  fixed_model(*c, sub->add_option("--discriminator-blocks", m.discriminator_blocks)
                      ->capture_default_str()->group(group),
              &ModelConfig::discriminator_blocks);
  fixed_model(*c, sub->add_option("--discriminator-channels", m.discriminator_channels)
                      ->capture_default_str()->group(group),
              &ModelConfig::discriminator_channels);
  fixed_model(*c, sub->add_option("--target-psnr", m.target_psnr,
                                  "fast: PSNR of the encoder's residual at strength 1 (dB)")
                      ->capture_default_str()->group(group),
              &ModelConfig::target_psnr);

  const std::string shaping_group = "Perceptual shaping (fixed for a run; docs/visibility.md)";
  Shaping& sh = m.shaping;
  auto fixed_shaping = [&c](CLI::Option* flag, auto Shaping::*field) {
    c->fixed_flags.emplace_back(flag, [field](const TrainOptions& from, TrainOptions& to) {
      to.model.shaping.*field = from.model.shaping.*field;
    });
  };
  fixed_shaping(sub->add_option("--chroma", sh.chroma,
                                "share of the residual's chroma kept (0 = luminance only, 1 = off)")
                    ->capture_default_str()->group(shaping_group),
                &Shaping::chroma);
  fixed_shaping(sub->add_option("--flat", sh.flat,
                                "residual amplitude in flat regions, relative to textured ones "
                                "(1 = no texture mask)")
                    ->capture_default_str()->group(shaping_group),
                &Shaping::flat);
  fixed_shaping(sub->add_option("--texture", sh.texture,
                                "5x5 luminance std (0..255) that gets the full residual")
                    ->capture_default_str()->group(shaping_group),
                &Shaping::texture);
  fixed_shaping(sub->add_option("--luminance-adaptation", sh.luminance_adaptation,
                                "scale the residual by the lightness sensitivity at each grey "
                                "level (true/false)")
                    ->capture_default_str()->group(shaping_group),
                &Shaping::luminance_adaptation);
  fixed_shaping(sub->add_option("--dark", sh.dark,
                                "5x5 mean grey (0..255) below which the residual fades as "
                                "(grey / dark)^2 (0 = off)")
                    ->capture_default_str()->group(shaping_group),
                &Shaping::dark);
  auto* no_shaping = sub->add_flag_callback(
      "--no-shaping", [&sh] { sh = Shaping::none(); },
      "embed the residual as the encoder makes it (the paper's setting; same as --chroma 1 "
      "--flat 1 --luminance-adaptation false --dark 0)")->group(shaping_group);
  // Its fields are resumed one by one by the flags above.
  c->fixed_flags.emplace_back(no_shaping, [](const TrainOptions&, TrainOptions&) {});
  fixed(*c, sub->add_option("--init", o.init_model,
                            "start from this model file's weights (fine-tuning; same network "
                            "shapes, shaping and target PSNR may differ)"),
        &TrainOptions::init_model);

  sub->add_option("--checkpoint-every", o.checkpoint_every,
                  "write OUT/checkpoint.pt every N steps (0 = only at the end)")
      ->capture_default_str();
  sub->add_option("--max-train-images", o.max_train_images, "use at most N training photos (0 = all)")
      ->capture_default_str();
  sub->add_option("--val-images", o.val_images, "validate on at most N photos")->capture_default_str();
  sub->add_option("--threads", o.codec_threads, "codec threads (0 = all cores)")->capture_default_str();
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
        const bool plain = value.find_first_of(" \t'\"()$|;&<>*?") == std::string::npos &&
                           !value.empty();
        c->command_line += " " + opt->get_name() + " " + (plain ? value : "'" + value + "'");
      }
    }
    run = [c] { return run_train(*c); };
  });
}

}  // namespace robusthide::cli
