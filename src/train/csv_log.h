// OUT/log.csv: one row per validation (a bit model's train.h EpochRecord with columns
// train_log_columns(), or another trainer's rows with its own columns).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "robusthide/train.h"

namespace robusthide {

// One CSV line (no newline) for a record; NaN fields are left empty.
std::string format_log_row(const EpochRecord& record);

// A number as log.csv writes it (%.7g; NaN as an empty field).
std::string log_number(double v);

// Appends records to the log file, flushing each row.
class TrainLog {
 public:
  // Fresh run: (re)writes the file with just the header. Resume: keeps the header and
  // the rows whose step is <= `resume_step` (rows written after the checkpoint by a run
  // that then crashed are dropped, so the resumed run does not duplicate them), rewritten
  // atomically; a missing file is started afresh. Throws IoError naming the file.
  // `columns` is the header (the step must be the second column).
  TrainLog(const std::string& path, bool resume, int64_t resume_step,
           const std::vector<std::string>& columns = train_log_columns());

  void append(const EpochRecord& record);
  // A row already formatted (comma-separated, no newline) for `step`.
  void append_row(int64_t step, const std::string& row);
  // Step of the last row kept or written (-1 when there is none).
  int64_t last_step() const { return last_step_; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  int64_t last_step_ = -1;
};

}  // namespace robusthide
