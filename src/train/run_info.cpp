// source_commit, utc_now_iso8601.
#include "train/run_info.h"

#include <ctime>
#include <string>

#include "util/subprocess.h"

namespace robusthide {

std::string source_commit() {
  std::string dir = __FILE__;
  const size_t slash = dir.rfind('/');
  if (dir.empty() || dir[0] != '/' || slash == std::string::npos) return "";
  dir.resize(slash);
  try {
    SubprocessOptions options;
    options.timeout_seconds = 10;
    const SubprocessResult r =
        run_subprocess({"git", "-C", dir, "describe", "--always", "--dirty"}, {}, options);
    if (!r.success()) return "";
    std::string out(r.stdout_data.begin(), r.stdout_data.end());
    while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
    return out.find('\n') == std::string::npos ? out : "";
  } catch (const std::exception&) {
    return "";
  }
}

std::string utc_now_iso8601() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace robusthide
