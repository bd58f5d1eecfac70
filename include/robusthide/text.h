// Number formatting for messages, specs and reports: the one place numbers become text.
#pragma once

#include <cstdio>
#include <string>

namespace robusthide {

// The shortest natural form ("%g"): 0.5, 36, 1e-05. For numbers a user typed (specs,
// options) and echoes them back.
inline std::string format_number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

// `v` with exactly `decimals` digits after the point ("%.*f"): tables and summaries.
inline std::string format_fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

}  // namespace robusthide
