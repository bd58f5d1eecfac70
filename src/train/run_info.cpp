// source_commit, utc_now_iso8601.
#include "train/run_info.h"

#include <ctime>
#include <string>

#include "build_commit.h"  // generated at build time (cmake/build_commit.cmake)

namespace robusthide {

std::string source_commit() { return ROBUSTHIDE_BUILD_COMMIT; }

std::string utc_now_iso8601() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace robusthide
