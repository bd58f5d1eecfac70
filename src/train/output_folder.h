// The output folder of a training run: created if missing, locked for the run, and
// cleaned of what the run wrote when it fails before its first checkpoint.
#pragma once

#include <string>
#include <vector>

namespace robusthide::detail {

// Created if missing and locked for the run (flock on DIR/.lock, so two runs cannot
// share it). When the run fails before keep(), the destructor removes the files given to
// add_file() and, when this run created the folder, the folder itself.
class OutputFolder {
 public:
  // Throws IoError when the folder cannot be created or locked, InvalidArgument when
  // another run holds its lock.
  explicit OutputFolder(const std::string& dir);
  ~OutputFolder();
  OutputFolder(const OutputFolder&) = delete;
  OutputFolder& operator=(const OutputFolder&) = delete;

  // A file this run creates (removed if the run fails before keep()).
  void add_file(const std::string& path) { files_.push_back(path); }
  // The run has a checkpoint: keep everything from now on.
  void keep() { kept_ = true; }

 private:
  void discard();

  std::string dir_, lock_path_;
  std::vector<std::string> files_;
  bool created_ = false, kept_ = false;
  int fd_ = -1;
};

}  // namespace robusthide::detail
