// format_photo_report(): whole-photo evaluation reports as text, CSV or JSON.
#include <sstream>

#include <nlohmann/json.hpp>

#include "eval/report_format.h"
#include "robusthide/error.h"
#include "robusthide/photo_eval.h"

namespace robusthide {
namespace {

using detail::exact;
using detail::fixed;

std::vector<std::string> csv_header() {
  return {"attack", "photos",     "recovered", "wrong",         "recovery_rate",
          "bits",   "bit_errors", "ber",       "bits_per_pixel"};
}

std::vector<std::string> csv_row(const PhotoEvalRow& row) {
  return {detail::csv_field(row.attack),  std::to_string(row.photos), std::to_string(row.recovered),
          std::to_string(row.wrong),      exact(row.recovery_rate()), std::to_string(row.bits),
          std::to_string(row.bit_errors), exact(row.ber()),           exact(row.bits_per_pixel)};
}

std::string format_text(const PhotoEvalReport& r) {
  std::ostringstream os;
  os << "model   " << r.model << "\n"
     << "photos  " << r.photos << " whole photos (mean " << fixed(r.megapixels, 2)
     << " Mpixel), strength " << exact(r.strength) << ", grid "
     << (r.grid == 0 ? std::string("auto") : std::to_string(r.grid) + "x" + std::to_string(r.grid))
     << ", seed " << r.seed
     << (r.code.empty() ? ", raw bits (no payload code)" : ", code " + r.code) << "\n";
  if (!r.check.empty()) {
    os << "search  quiet mark for " << r.quiet << " of " << r.photos
       << " photos; strength raised for " << r.raised << " of " << r.photos
       << " photos until the payload survived " << r.check << " (mean strength "
       << fixed(r.mean_strength, 3) << ")\n";
  }
  os << "marked  PSNR " << fixed(r.psnr_db, 2) << " dB, SSIM " << fixed(r.ssim, 4)
     << ", CIEDE2000 mean " << fixed(r.ciede2000_mean, 2) << " (p99 " << fixed(r.ciede2000_p99, 2)
     << "), flat pixels visibly changed " << fixed(100.0 * r.flat_visible_share, 2) << "%\n";
  if (!r.code.empty()) {
    os << "unmarked photos reported as marked: " << r.false_positives << " of " << r.photos
       << " (false-positive threshold " << r.max_false_positive << ")\n";
  }
  os << "\n";
  std::vector<std::vector<std::string>> cells = {
      {"attack", "recovered %", "wrong", "raw BER %", "photos", "bpp"}};
  for (const auto& row : r.rows) {
    cells.push_back({row.attack, fixed(100.0 * row.recovery_rate(), 1), std::to_string(row.wrong),
                     fixed(100.0 * row.ber(), 3), std::to_string(row.photos),
                     fixed(row.bits_per_pixel, 3, "-")});
  }
  return os.str() + detail::aligned_table(cells);
}

std::string format_csv(const PhotoEvalReport& r) {
  std::vector<std::vector<std::string>> rows = {csv_header()};
  for (const auto& row : r.rows) rows.push_back(csv_row(row));
  return detail::csv_lines(rows);
}

std::string format_json(const PhotoEvalReport& r) {
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& row : r.rows) {
    rows.push_back({{"attack", row.attack},
                    {"photos", row.photos},
                    {"recovered", row.recovered},
                    {"wrong", row.wrong},
                    {"recovery_rate", row.recovery_rate()},
                    {"bits", row.bits},
                    {"bit_errors", row.bit_errors},
                    {"ber", row.ber()},
                    {"bits_per_pixel", detail::json_number(row.bits_per_pixel)}});
  }
  const nlohmann::json j = {{"model", r.model},
                            {"code", r.code},
                            {"message_bits", r.message_bits},
                            {"photos", r.photos},
                            {"megapixels", r.megapixels},
                            {"strength", r.strength},
                            {"grid", r.grid},
                            {"check", r.check},
                            {"quiet", r.quiet},
                            {"raised", r.raised},
                            {"mean_strength", r.mean_strength},
                            {"seed", r.seed},
                            {"max_false_positive", r.max_false_positive},
                            {"psnr_db", detail::json_number(r.psnr_db)},
                            {"ssim", r.ssim},
                            {"ciede2000_mean", r.ciede2000_mean},
                            {"ciede2000_p99", r.ciede2000_p99},
                            {"flat_visible_share", r.flat_visible_share},
                            {"false_positives", r.false_positives},
                            {"rows", rows}};
  return j.dump(2) + "\n";
}

}  // namespace

std::string format_photo_report(const PhotoEvalReport& report, ReportFormat format) {
  return detail::write_report_as(report, format, format_text, format_csv, format_json);
}

}  // namespace robusthide
