// Sub-commands of the robusthide CLI. Each registers its flags on the app and, when
// chosen, stores the function that runs it in `run` (called after parsing).
#pragma once

#include <CLI/CLI.hpp>

#include <functional>

namespace robusthide::cli {

// Exit codes shared by every sub-command (documented in README.md).
constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;   // an input could not be read/decoded, a codec failed, ...
constexpr int kExitUsage = 2;     // bad flags or arguments (unknown codec, bad quality, ...)
constexpr int kExitNotFound = 3;  // extract: no watermark found (in some image of a folder)
constexpr int kExitMismatch =
    4;  // extract --expect-text/--expect-hex: a watermark holds another payload

using Runner = std::function<int()>;

void add_attack_command(CLI::App& app, Runner& run);
void add_info_command(CLI::App& app, Runner& run);
void add_evaluate_command(CLI::App& app, Runner& run);
void add_embed_command(CLI::App& app, Runner& run);
void add_extract_command(CLI::App& app, Runner& run);
void add_transcode_command(CLI::App& app, Runner& run);
void add_train_command(CLI::App& app, Runner& run);
void add_train_hiding_command(CLI::App& app, Runner& run);
void add_hide_commands(CLI::App& app, Runner& run);  // hide and reveal

}  // namespace robusthide::cli
