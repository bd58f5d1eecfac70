// The one progress bar of robusthide: training, the CLI's folder modes and evaluate.
//
//   [=====>                  ] 120/1000  45.3 img/s  ETA 0:03:12  BER 12.40%  PSNR 31.2 dB
//
// On a terminal the line is redrawn in place (at most 5 times a second). When stderr is
// not a terminal and the bar was asked for anyway (--progress on), plain lines are
// printed instead, at most one every 10 seconds, with no "\r" or escape sequences.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace robusthide {

// True when stderr is a terminal.
bool stderr_is_terminal();

// "auto" (on when stderr is a terminal), "on" or "off" as a bool. Throws InvalidArgument
// naming `what` for anything else.
bool progress_enabled(const std::string& mode, const std::string& what = "--progress");

struct ProgressOptions {
  bool enabled = false;     // false: every call does nothing
  int64_t total = 0;        // units of work in all (steps, photos); at least 1 is used
  int64_t first = 0;        // units already done when the bar starts (a resumed run)
  int items_per_unit = 1;   // images per unit, for the rate (a training step's batch)
  double time_limit_s = 0;  // > 0: the run stops after this many seconds (--max-minutes):
                            // the ETA is the sooner of the work's and this limit's
};

class ProgressBar {
 public:
  explicit ProgressBar(const ProgressOptions& options);
  ~ProgressBar();
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  // `done` units are finished; `status` is appended to the line (e.g. "BER 1.20%").
  void update(int64_t done, const std::string& status = "");
  // Erases the bar (if drawn) so that other output can be printed; the next update
  // redraws it.
  void clear();
  // clear(), then `line` on stderr on its own line.
  void message(const std::string& line);
  // Draws the final state and ends the line.
  void finish();

 private:
  void draw(bool force);

  ProgressOptions o_;
  bool terminal_;
  bool visible_ = false;
  bool redraw_ = true;  // draw at the next update, however soon (the first, after clear())
  int64_t done_;
  std::string status_;
  std::chrono::steady_clock::time_point start_, last_draw_;
};

}  // namespace robusthide
