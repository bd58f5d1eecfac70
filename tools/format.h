// Number formatting shared by the CLI's text output.
#pragma once

#include <cstdio>
#include <string>

namespace robusthide::cli {

// `v` with exactly `decimals` digits after the point ("%.*f").
inline std::string format_fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

}  // namespace robusthide::cli
