// robusthide: command-line front end. Uses only the public API in include/robusthide.
#include <iostream>

#include "commands.h"
#include "robusthide/error.h"
#include "robusthide/runtime.h"

int main(int argc, char** argv) {
  namespace cli = robusthide::cli;
  robusthide::install_interrupt_cleanup();
  robusthide::tune_memory_allocator();
  robusthide::set_compute_threads(0);
  CLI::App app{"robusthide: hide data in images and video, robust to real lossy codecs"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("robusthide ") + ROBUSTHIDE_CLI_VERSION);
  cli::Runner run;
  cli::add_attack_command(app, run);
  cli::add_info_command(app, run);
  cli::add_evaluate_command(app, run);
  cli::add_embed_command(app, run);
  cli::add_extract_command(app, run);
  cli::add_train_command(app, run);
  cli::add_train_hiding_command(app, run);
  cli::add_hide_commands(app, run);
  cli::add_transcode_command(app, run);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? cli::kExitOk : cli::kExitUsage;
  }
  try {
    return run ? run() : cli::kExitUsage;
  } catch (const robusthide::InvalidArgument& e) {
    std::cerr << "robusthide: error: " << e.what() << "\n";
    return cli::kExitUsage;
  } catch (const std::bad_alloc&) {
    std::cerr << "robusthide: error: out of memory (an input too large for this machine's memory "
                 "or its limit; docs/reliability.md lists what each input needs)\n";
    return cli::kExitFailure;
  } catch (const std::exception& e) {
    std::cerr << "robusthide: error: " << e.what() << "\n";
    return cli::kExitFailure;
  }
}
