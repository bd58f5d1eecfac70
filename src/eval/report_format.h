// Number and table formatting shared by the evaluation reports (report.cpp,
// photo_report.cpp): one rule for decimals, exact machine-readable numbers, CSV quoting
// and aligned text tables.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "robusthide/error.h"
#include "robusthide/evaluate.h"

namespace robusthide::detail {

// The one switch over report formats: `report` written by the writer of `format`.
template <typename Report, typename Text, typename Csv, typename Json>
std::string write_report_as(const Report& report, ReportFormat format, Text text, Csv csv,
                            Json json) {
  switch (format) {
    case ReportFormat::kText:
      return text(report);
    case ReportFormat::kCsv:
      return csv(report);
    case ReportFormat::kJson:
      return json(report);
  }
  throw InvalidArgument("unknown report format");
}

// v with `decimals` decimals; "inf", "-inf", "nan" as such.
std::string fixed(double v, int decimals);
// fixed(*v) or `none` when empty.
std::string fixed(const std::optional<double>& v, int decimals, const std::string& none);
// Shortest round-trip form ("inf" for an infinite PSNR); "" when empty.
std::string exact(double v);
std::string exact(const std::optional<double>& v);
// A JSON number, or null when empty or not finite.
nlohmann::json json_number(const std::optional<double>& v);
// RFC 4180 quoting when needed.
std::string csv_field(const std::string& s);
// Rows of cells as an aligned table: the first column left-aligned, the others
// right-aligned, two spaces apart, one line each.
std::string aligned_table(const std::vector<std::vector<std::string>>& cells);
// Rows of fields as CSV lines (fields already quoted where needed).
std::string csv_lines(const std::vector<std::vector<std::string>>& rows);

}  // namespace robusthide::detail
