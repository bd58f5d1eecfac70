// ProgressBar: throttled redraws on a terminal, plain periodic lines elsewhere.
#include "robusthide/progress.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "robusthide/error.h"

namespace robusthide {
namespace {

using Clock = std::chrono::steady_clock;

std::string clock_text(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "--:--:--";
  const long s = std::lround(seconds);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", s / 3600, (s / 60) % 60, s % 60);
  return buf;
}

}  // namespace

bool stderr_is_terminal() { return ::isatty(STDERR_FILENO) == 1; }

bool progress_enabled(const std::string& mode, const std::string& what) {
  if (mode == "on") return true;
  if (mode == "off") return false;
  if (mode == "auto") return stderr_is_terminal();
  throw InvalidArgument(what + " must be auto, on or off, got '" + mode + "'");
}

ProgressBar::ProgressBar(const ProgressOptions& options)
    : o_(options), terminal_(stderr_is_terminal()), done_(options.first), start_(Clock::now()) {
  o_.total = std::max<int64_t>(o_.total, 1);
}

ProgressBar::~ProgressBar() {
  if (visible_) std::fputc('\n', stderr);
}

void ProgressBar::update(int64_t done, const std::string& status) {
  if (!o_.enabled) return;
  done_ = done;
  status_ = status;
  draw(false);
}

void ProgressBar::draw(bool force) {
  const auto now = Clock::now();
  const auto interval =
      terminal_ ? std::chrono::milliseconds(200) : std::chrono::milliseconds(10000);
  if (!force && !redraw_ && done_ < o_.total && now - last_draw_ < interval) return;
  redraw_ = false;
  last_draw_ = now;
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  const int64_t run = done_ - o_.first;
  const double rate = elapsed > 0 && run > 0 ? run * o_.items_per_unit / elapsed : 0.0;
  double eta = run > 0 ? elapsed / run * static_cast<double>(o_.total - done_) : NAN;
  if (o_.time_limit_s > 0)
    eta = std::isfinite(eta) ? std::min(eta, o_.time_limit_s - elapsed) : o_.time_limit_s - elapsed;
  constexpr int kWidth = 24;
  const int filled = static_cast<int>(kWidth * std::clamp<int64_t>(done_, 0, o_.total) / o_.total);
  std::string bar(static_cast<size_t>(filled), '=');
  if (filled < kWidth) bar += '>';
  bar.resize(kWidth, ' ');
  char line[192];
  std::snprintf(line, sizeof line, "[%s] %lld/%lld  %.1f img/s  ETA %s", bar.c_str(),
                static_cast<long long>(done_), static_cast<long long>(o_.total), rate,
                clock_text(eta).c_str());
  std::string text = line;
  if (!status_.empty()) text += "  " + status_;
  if (terminal_) {
    std::fprintf(stderr, "\r%s\033[K", text.c_str());
    visible_ = true;
  } else {
    std::fprintf(stderr, "%s\n", text.c_str());
  }
  std::fflush(stderr);
}

void ProgressBar::clear() {
  if (!visible_) return;
  std::fputs("\r\033[K", stderr);
  std::fflush(stderr);
  visible_ = false;
  redraw_ = true;
}

void ProgressBar::message(const std::string& line) {
  clear();
  std::fprintf(stderr, "%s\n", line.c_str());
  std::fflush(stderr);
}

void ProgressBar::finish() {
  if (!o_.enabled) return;
  draw(true);
  if (visible_) std::fputc('\n', stderr);
  std::fflush(stderr);
  visible_ = false;
}

}  // namespace robusthide
