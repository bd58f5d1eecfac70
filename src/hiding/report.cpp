// format_hiding_report(): image-hiding evaluation reports as text, CSV or JSON.
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "eval/report_format.h"
#include "robusthide/hiding_eval.h"

namespace robusthide {
namespace {

using detail::exact;
using detail::fixed;

std::optional<double> bpp(const HidingEvalRow& row) {
  return row.bits_per_pixel > 0 ? std::optional<double>(row.bits_per_pixel) : std::nullopt;
}

std::string format_text(const HidingEvalReport& r) {
  const ContainerQuality& c = r.container;
  std::ostringstream os;
  os << "model      " << r.model << "\n"
     << "images     " << r.images << " cover/secret pairs (centre crops), strength "
     << exact(r.strength) << "\n"
     << "container  APD " << fixed(c.apd, 2) << "/255, PSNR " << fixed(c.psnr_db, 2) << " dB, SSIM "
     << fixed(c.ssim, 4) << ", CIEDE2000 mean " << fixed(c.ciede2000_mean, 2) << " (p99 "
     << fixed(c.ciede2000_p99, 2) << "), flat pixels visibly changed "
     << fixed(100.0 * c.flat_visible_share, 2) << "%\n"
     << "reference  revealed APD of the secret's 64x64 thumbnail " << fixed(r.thumbnail_apd, 2)
     << "/255, of an unrelated image " << fixed(r.unrelated_apd, 2) << "/255\n\n";
  std::vector<std::vector<std::string>> cells = {
      {"attack", "revealed APD", "PSNR dB", "SSIM", "bpp"}};
  for (const auto& row : r.rows) {
    cells.push_back({row.attack, fixed(row.revealed_apd, 2), fixed(row.revealed_psnr_db, 2),
                     fixed(row.revealed_ssim, 4), fixed(bpp(row), 3, "-")});
  }
  return os.str() + detail::aligned_table(cells);
}

std::string format_csv(const HidingEvalReport& r) {
  const ContainerQuality& c = r.container;
  std::vector<std::vector<std::string>> rows = {
      {"attack", "images", "container_apd", "container_psnr_db", "container_ssim",
       "container_ciede2000_mean", "container_ciede2000_p99", "container_flat_visible_share",
       "revealed_apd", "revealed_psnr_db", "revealed_ssim", "bits_per_pixel"}};
  for (const auto& row : r.rows) {
    rows.push_back({detail::csv_field(row.attack), std::to_string(r.images), exact(c.apd),
                    exact(c.psnr_db), exact(c.ssim), exact(c.ciede2000_mean),
                    exact(c.ciede2000_p99), exact(c.flat_visible_share), exact(row.revealed_apd),
                    exact(row.revealed_psnr_db), exact(row.revealed_ssim), exact(bpp(row))});
  }
  return detail::csv_lines(rows);
}

std::string format_json(const HidingEvalReport& r) {
  const ContainerQuality& c = r.container;
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& row : r.rows) {
    rows.push_back({{"attack", row.attack},
                    {"revealed_apd", row.revealed_apd},
                    {"revealed_psnr_db", detail::json_number(row.revealed_psnr_db)},
                    {"revealed_ssim", row.revealed_ssim},
                    {"bits_per_pixel", detail::json_number(bpp(row))}});
  }
  const nlohmann::json j = {
      {"model", r.model},
      {"images", r.images},
      {"batch_size", r.batch_size},
      {"seed", r.seed},
      {"strength", r.strength},
      {"container",
       {{"apd", c.apd},
        {"psnr_db", detail::json_number(c.psnr_db)},
        {"ssim", c.ssim},
        {"ciede2000_mean", c.ciede2000_mean},
        {"ciede2000_p99", c.ciede2000_p99},
        {"flat_visible_share", c.flat_visible_share}}},
      {"reference", {{"thumbnail_apd", r.thumbnail_apd}, {"unrelated_apd", r.unrelated_apd}}},
      {"rows", rows}};
  return j.dump(2) + "\n";
}

}  // namespace

std::string format_hiding_report(const HidingEvalReport& report, ReportFormat format) {
  return detail::write_report_as(report, format, format_text, format_csv, format_json);
}

}  // namespace robusthide
