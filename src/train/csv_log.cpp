// TrainLog: header once, one flushed row per validation, resume-safe truncation.
#include "train/csv_log.h"

#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "robusthide/error.h"
#include "robusthide/file_io.h"
#include "robusthide/image.h"

namespace robusthide {
namespace {

std::string header_line(const std::vector<std::string>& columns) {
  std::string line;
  for (const std::string& c : columns) line += (line.empty() ? "" : ",") + c;
  return line;
}

// The step column (second field) of a data row, or -1 when the row is malformed.
int64_t row_step(const std::string& line) {
  const size_t a = line.find(',');
  if (a == std::string::npos) return -1;
  const size_t b = line.find(',', a + 1);
  if (b == std::string::npos) return -1;
  try {
    size_t used = 0;
    const std::string field = line.substr(a + 1, b - a - 1);
    const long long step = std::stoll(field, &used);
    return used == field.size() ? step : -1;
  } catch (const std::exception&) {
    return -1;
  }
}

}  // namespace

std::string log_number(double v) {
  if (std::isnan(v)) return "";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.7g", v);
  return buf;
}

const std::vector<std::string>& train_log_columns() {
  static const std::vector<std::string> kColumns = {"epoch",
                                                    "step",
                                                    "train_loss",
                                                    "train_image_mse",
                                                    "train_message_mse",
                                                    "train_adv_loss",
                                                    "train_disc_loss",
                                                    "train_ber",
                                                    "val_loss",
                                                    "val_image_mse",
                                                    "val_message_mse",
                                                    "val_adv_loss",
                                                    "val_ber",
                                                    "val_ber_identity",
                                                    "val_psnr_db",
                                                    "seconds",
                                                    "device",
                                                    "val_ciede2000",
                                                    "val_ciede2000_p99",
                                                    "val_flat_visible"};
  return kColumns;
}

std::string format_log_row(const EpochRecord& r) {
  const double fields[] = {r.epoch,
                           static_cast<double>(r.step),
                           r.train_loss,
                           r.train_image_mse,
                           r.train_message_mse,
                           r.train_adversarial,
                           r.train_discriminator,
                           r.train_ber,
                           r.val_loss,
                           r.val_image_mse,
                           r.val_message_mse,
                           r.val_adversarial,
                           r.val_ber,
                           r.val_ber_identity,
                           r.val_psnr,
                           r.seconds};
  std::string line;
  for (size_t i = 0; i < sizeof fields / sizeof fields[0]; ++i) {
    if (i) line += ',';
    line += i == 1 ? std::to_string(r.step) : log_number(fields[i]);
  }
  return line + "," + r.device + "," + log_number(r.val_ciede2000) + "," +
         log_number(r.val_ciede2000_p99) + "," + log_number(r.val_flat_visible);
}

TrainLog::TrainLog(const std::string& path, bool resume, int64_t resume_step,
                   const std::vector<std::string>& columns)
    : path_(path) {
  std::string text = header_line(columns) + "\n";
  std::ifstream in(path);
  if (resume && in) {
    std::string line;
    bool first = true;
    while (std::getline(in, line)) {
      if (first) {  // the header: ours replaces it
        first = false;
        continue;
      }
      const int64_t step = row_step(line);
      if (step < 0 || step > resume_step) continue;
      text += line + "\n";
      last_step_ = step;
    }
  }
  write_file_atomic(path, reinterpret_cast<const uint8_t*>(text.data()), text.size());
}

void TrainLog::append(const EpochRecord& record) {
  append_row(record.step, format_log_row(record));
}

void TrainLog::append_row(int64_t step, const std::string& row) {
  std::ofstream out(path_, std::ios::app);
  out << row << "\n";
  out.flush();
  if (!out) throw IoError("cannot write file '" + path_ + "': append failed");
  last_step_ = step;
}

}  // namespace robusthide
