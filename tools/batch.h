// Folder-in, folder-out batch work for embed and extract: listing images and a progress
// bar on stderr.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <cstddef>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "robusthide/progress.h"

namespace robusthide::cli {

// One image of a batch: its path and its path relative to the input folder.
struct BatchItem {
  std::string path;
  std::string relative;
};

// When `input` is a folder: its image files (list_image_files: JPEG, PNG, WebP by
// extension, recursive, sorted). When it is a file: just that file (relative = its name).
// Throws IoError naming `input` when it does not exist or a folder holds no images.
std::vector<BatchItem> list_batch(const std::string& input);

// True when `path` is an existing folder.
bool is_folder(const std::string& path);

// Throws InvalidArgument when writing `output` would replace the input file `input`
// (the same path, or another name of the same file).
void check_output_is_not_input(const std::string& input, const std::string& output);

// The output file of every item of a folder batch: --output / relative path with the
// extension replaced by `extension` (".png"). Throws InvalidArgument, before anything is
// written, when two inputs would get the same output (x.jpg and x.png), when `output`
// lies inside the input folder (its files would become inputs of a later run, or replace
// originals), or when an output would replace one of the inputs.
std::vector<std::string> plan_outputs(const std::vector<BatchItem>& items, const std::string& input,
                                      const std::string& output, const std::string& extension);

// A progress bar on stderr made at the first report, when the total is known (evaluate,
// video frames); nothing when not enabled. It ends at the first report of done == total
// or at finish().
class LazyProgressBar {
 public:
  explicit LazyProgressBar(bool enabled) : enabled_(enabled) {}
  void update(int64_t done, int64_t total);
  void finish();

 private:
  bool enabled_;
  bool finished_ = false;
  std::unique_ptr<ProgressBar> bar_;
};

// JSON text that never throws: invalid UTF-8 (e.g. in a file name) becomes U+FFFD.
std::string json_text(const nlohmann::json& j);

}  // namespace robusthide::cli
