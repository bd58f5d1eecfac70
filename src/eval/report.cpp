// Formatting of evaluation reports: aligned text, CSV, JSON.
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "eval/report_format.h"
#include "robusthide/error.h"
#include "robusthide/evaluate.h"

namespace robusthide {
namespace {

using detail::csv_field;
using detail::exact;
using detail::fixed;
using detail::json_number;

const char* messages_name(const EvalRow& row) {
  return row.per_clip_messages ? "per-clip" : "per-image";
}

std::string format_text(const EvalReport& r) {
  std::vector<std::vector<std::string>> cells;
  cells.push_back({"attack", "BER %", "BER 95% CI", "PSNR dB", "SSIM", "dE00", "dE00 p99",
                   "flat vis. %", "images", "bits", "att. PSNR", "bpp"});
  bool any_clip = false;
  for (const auto& row : r.rows) {
    any_clip = any_clip || row.per_clip_messages;
    cells.push_back({row.attack + (row.per_clip_messages ? " *" : ""), fixed(100.0 * row.ber, 3),
                     fixed(100.0 * row.ber_ci_low, 3) + "-" + fixed(100.0 * row.ber_ci_high, 3),
                     fixed(row.psnr_db, 2), fixed(row.ssim, 4), fixed(row.ciede2000_mean, 2),
                     fixed(row.ciede2000_p99, 2), fixed(100.0 * row.flat_visible_share, 2),
                     std::to_string(row.images), std::to_string(row.bits),
                     fixed(row.attacked_psnr_db, 2, "-"), fixed(row.bits_per_pixel, 3, "-")});
  }
  std::ostringstream os;
  os << "model   " << r.model << "\n"
     << "images  " << r.images
     << (r.clip_length > 0 ? " frames (" + std::to_string(r.images / r.clip_length) + " clips of " +
                                 std::to_string(r.clip_length) + ")"
                           : std::string(" centre crops"))
     << " of " << r.image_width << "x" << r.image_height << ", " << r.message_bits
     << "-bit messages"
     << (r.messages_per_image > 1 ? " (" + std::to_string(r.messages_per_image) + " per image)"
                                  : std::string())
     << ", batch " << r.batch_size << ", seed " << r.seed
     << (r.strength != 1.0 ? ", strength " + exact(r.strength) : std::string()) << "\n\n"
     << detail::aligned_table(cells);
  if (any_clip) os << "\n* one message per clip (batch): the same bits in every frame\n";
  return os.str();
}

const std::vector<std::string>& csv_columns() {
  static const std::vector<std::string> kColumns = {"attack",
                                                    "messages",
                                                    "images",
                                                    "bits",
                                                    "bit_errors",
                                                    "ber",
                                                    "psnr_db",
                                                    "ssim",
                                                    "ciede2000_mean",
                                                    "ciede2000_p99",
                                                    "flat_visible_share",
                                                    "attacked_psnr_db",
                                                    "attacked_ssim",
                                                    "bits_per_pixel",
                                                    "seconds",
                                                    "ber_ci_low",
                                                    "ber_ci_high"};
  return kColumns;
}

std::string format_csv(const EvalReport& r) {
  std::vector<std::vector<std::string>> rows = {csv_columns()};
  for (const auto& row : r.rows) {
    rows.push_back({csv_field(row.attack), messages_name(row), std::to_string(row.images),
                    std::to_string(row.bits), std::to_string(row.bit_errors), exact(row.ber),
                    exact(row.psnr_db), exact(row.ssim), exact(row.ciede2000_mean),
                    exact(row.ciede2000_p99), exact(row.flat_visible_share),
                    exact(row.attacked_psnr_db), exact(row.attacked_ssim),
                    exact(row.bits_per_pixel), exact(row.seconds), exact(row.ber_ci_low),
                    exact(row.ber_ci_high)});
  }
  return detail::csv_lines(rows);
}

std::string format_json(const EvalReport& r) {
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& row : r.rows) {
    rows.push_back({{"attack", row.attack},
                    {"messages", messages_name(row)},
                    {"images", row.images},
                    {"bits", row.bits},
                    {"bit_errors", row.bit_errors},
                    {"ber", row.ber},
                    {"psnr_db", json_number(row.psnr_db)},
                    {"ssim", row.ssim},
                    {"ciede2000_mean", row.ciede2000_mean},
                    {"ciede2000_p99", row.ciede2000_p99},
                    {"flat_visible_share", row.flat_visible_share},
                    {"attacked_psnr_db", json_number(row.attacked_psnr_db)},
                    {"attacked_ssim", json_number(row.attacked_ssim)},
                    {"bits_per_pixel", json_number(row.bits_per_pixel)},
                    {"seconds", row.seconds},
                    {"ber_ci_low", row.ber_ci_low},
                    {"ber_ci_high", row.ber_ci_high}});
  }
  const nlohmann::json j = {{"model", r.model},
                            {"message_bits", r.message_bits},
                            {"image_width", r.image_width},
                            {"image_height", r.image_height},
                            {"images", r.images},
                            {"messages_per_image", r.messages_per_image},
                            {"batch_size", r.batch_size},
                            {"clip_length", r.clip_length},
                            {"seed", r.seed},
                            {"strength", r.strength},
                            {"rows", rows}};
  return j.dump(2) + "\n";
}

}  // namespace

ReportFormat parse_report_format(const std::string& name) {
  if (name == "text") return ReportFormat::kText;
  if (name == "csv") return ReportFormat::kCsv;
  if (name == "json") return ReportFormat::kJson;
  throw InvalidArgument("unknown report format '" + name + "' (expected text, csv or json)");
}

std::string format_report(const EvalReport& report, ReportFormat format) {
  return detail::write_report_as(report, format, format_text, format_csv, format_json);
}

}  // namespace robusthide
