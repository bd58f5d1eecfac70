// ProgressBar: throttled redraws with "\r", rate and ETA from the steps of this run.
#include "train/progress.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>

namespace robusthide {
namespace {

std::string clock_text(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "--:--:--";
  const long s = std::lround(seconds);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", s / 3600, (s / 60) % 60, s % 60);
  return buf;
}

}  // namespace

bool stderr_is_terminal() { return ::isatty(STDERR_FILENO) == 1; }

ProgressBar::ProgressBar(bool enabled, int64_t total_steps, int64_t first_step, int batch_size)
    : enabled_(enabled),
      total_(std::max<int64_t>(total_steps, 1)),
      first_(first_step),
      batch_size_(batch_size),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_ - std::chrono::seconds(1)),
      last_step_(first_step) {}

ProgressBar::~ProgressBar() {
  if (visible_) std::fputs("\n", stderr);
}

void ProgressBar::update(int64_t step, double ber, double psnr_db) {
  if (!enabled_) return;
  last_step_ = step;
  last_ber_ = ber;
  last_psnr_ = psnr_db;
  const auto now = std::chrono::steady_clock::now();
  if (now - last_draw_ < std::chrono::milliseconds(200) && step < total_) return;
  last_draw_ = now;
  draw(step, ber, psnr_db);
}

void ProgressBar::draw(int64_t step, double ber, double psnr_db) {
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const int64_t done = step - first_;
  const double rate = elapsed > 0 && done > 0 ? done * batch_size_ / elapsed : NAN;
  const double eta = done > 0 ? elapsed / done * (total_ - step) : NAN;
  constexpr int kWidth = 24;
  const int filled = static_cast<int>(kWidth * std::min<int64_t>(step, total_) / total_);
  std::string bar(static_cast<size_t>(kWidth), ' ');
  for (int i = 0; i < filled; ++i) bar[static_cast<size_t>(i)] = '=';
  if (filled < kWidth) bar[static_cast<size_t>(filled)] = '>';
  char line[256];
  std::snprintf(line, sizeof line,
                "\r[%s] %lld/%lld  %.1f img/s  ETA %s  BER %.2f%%  PSNR %.1f dB\033[K",
                bar.c_str(), static_cast<long long>(step), static_cast<long long>(total_),
                std::isfinite(rate) ? rate : 0.0, clock_text(eta).c_str(), 100.0 * ber, psnr_db);
  std::fputs(line, stderr);
  std::fflush(stderr);
  visible_ = true;
}

void ProgressBar::clear() {
  if (!enabled_ || !visible_) return;
  std::fputs("\r\033[K", stderr);
  std::fflush(stderr);
  visible_ = false;
  last_draw_ = std::chrono::steady_clock::now() - std::chrono::seconds(1);
}

void ProgressBar::finish() {
  if (!enabled_) return;
  draw(last_step_, last_ber_, last_psnr_);
  std::fputs("\n", stderr);
  std::fflush(stderr);
  visible_ = false;
}

}  // namespace robusthide
