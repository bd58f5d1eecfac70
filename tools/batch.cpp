#include "batch.h"

#include <unistd.h>

#include <cstdio>
#include <filesystem>

#include "robusthide/dataset.h"
#include "robusthide/error.h"

namespace robusthide::cli {

namespace fs = std::filesystem;

bool is_folder(const std::string& path) {
  std::error_code ec;
  return fs::is_directory(path, ec);
}

std::vector<BatchItem> list_batch(const std::string& input) {
  std::error_code ec;
  if (!fs::exists(input, ec)) throw IoError("cannot read '" + input + "': no such file or folder");
  if (!fs::is_directory(input, ec)) return {{input, fs::path(input).filename().string()}};
  std::vector<BatchItem> items;
  for (const std::string& path : list_image_files(input)) {
    items.push_back({path, fs::relative(path, input, ec).string()});
  }
  return items;
}

bool progress_enabled(const std::string& mode) {
  if (mode == "on") return true;
  if (mode == "off") return false;
  if (mode == "auto") return isatty(STDERR_FILENO) == 1;
  throw InvalidArgument("--progress must be auto, on or off, got '" + mode + "'");
}

BatchProgress::BatchProgress(bool enabled, size_t total)
    : enabled_(enabled), total_(total), start_(std::chrono::steady_clock::now()) {}

BatchProgress::~BatchProgress() {
  if (visible_) std::fputc('\n', stderr);
}

void BatchProgress::update(size_t done) {
  if (!enabled_) return;
  const auto now = std::chrono::steady_clock::now();
  if (visible_ && done < total_ && now - last_draw_ < std::chrono::milliseconds(200)) return;
  last_draw_ = now;
  const double seconds = std::chrono::duration<double>(now - start_).count();
  const double rate = seconds > 0 ? done / seconds : 0;
  const long eta = rate > 0 ? static_cast<long>((total_ - done) / rate + 0.5) : 0;
  constexpr int kWidth = 24;
  const int filled = total_ ? static_cast<int>(kWidth * done / total_) : kWidth;
  std::string bar(static_cast<size_t>(filled), '=');
  if (filled < kWidth) bar += '>';
  bar.resize(kWidth, ' ');
  std::fprintf(stderr, "\r[%s] %zu/%zu  %.1f img/s  ETA %ld:%02ld:%02ld\033[K", bar.c_str(), done,
               total_, rate, eta / 3600, eta / 60 % 60, eta % 60);
  std::fflush(stderr);
  visible_ = true;
}

void BatchProgress::finish() {
  if (!enabled_) return;
  update(total_);
  std::fputc('\n', stderr);
  visible_ = false;
}

}  // namespace robusthide::cli
