// A one-line progress bar on stderr for training.
#pragma once

#include <chrono>
#include <cstdint>

namespace robusthide {

// True when stderr is a terminal.
bool stderr_is_terminal();

// "[=====>    ] 120/1000  45.3 img/s  ETA 0:03:12  BER 12.40%  PSNR 31.2 dB", redrawn
// in place at most 5 times a second. Does nothing when disabled.
class ProgressBar {
 public:
  ProgressBar(bool enabled, int64_t total_steps, int64_t first_step, int batch_size);
  ~ProgressBar();

  // Reports that `step` steps are done; ber in [0,1], psnr in dB (NaN = unknown).
  void update(int64_t step, double ber, double psnr_db);
  // Erases the line so other output can be printed; the next update redraws it.
  void clear();
  // Draws the final state and ends the line.
  void finish();

 private:
  void draw(int64_t step, double ber, double psnr_db);

  bool enabled_;
  bool visible_ = false;
  int64_t total_, first_;
  int batch_size_;
  std::chrono::steady_clock::time_point start_, last_draw_;
  int64_t last_step_ = 0;
  double last_ber_ = 0, last_psnr_ = 0;
};

}  // namespace robusthide
