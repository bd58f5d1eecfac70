// Shared report formatting (report_format.h).
#include "eval/report_format.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <sstream>

namespace robusthide::detail {

std::string fixed(double v, int decimals) {
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  if (std::isnan(v)) return "nan";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

std::string fixed(const std::optional<double>& v, int decimals, const std::string& none) {
  return v ? fixed(*v, decimals) : none;
}

std::string exact(double v) {
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[64];
  const auto result = std::to_chars(buf, buf + sizeof buf, v);  // shortest exact form
  return std::string(buf, result.ptr);
}

std::string exact(const std::optional<double>& v) { return v ? exact(*v) : ""; }

nlohmann::json json_number(const std::optional<double>& v) {
  return v && std::isfinite(*v) ? nlohmann::json(*v) : nlohmann::json();
}

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string aligned_table(const std::vector<std::vector<std::string>>& cells) {
  std::vector<size_t> width;
  for (const auto& line : cells) {
    if (width.size() < line.size()) width.resize(line.size(), 0);
    for (size_t c = 0; c < line.size(); ++c) width[c] = std::max(width[c], line[c].size());
  }
  std::ostringstream os;
  for (const auto& line : cells) {
    for (size_t c = 0; c < line.size(); ++c) {
      const std::string pad(width[c] - line[c].size(), ' ');
      os << (c == 0 ? line[c] + pad : "  " + pad + line[c]);
    }
    os << "\n";
  }
  return os.str();
}

std::string csv_lines(const std::vector<std::vector<std::string>>& rows) {
  std::ostringstream os;
  for (const auto& row : rows) {
    for (size_t c = 0; c < row.size(); ++c) os << (c ? "," : "") << row[c];
    os << "\n";
  }
  return os.str();
}

}  // namespace robusthide::detail
