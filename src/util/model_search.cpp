#include "util/model_search.h"

#include <cstdlib>
#include <filesystem>
#include <vector>

#include "robusthide/error.h"

namespace robusthide::detail {

std::string find_shipped_model(const std::string& file, const char* env, const char* what,
                               const char* flag) {
  namespace fs = std::filesystem;
  std::vector<std::string> candidates;
  if (const char* value = std::getenv(env); value != nullptr && *value != '\0') {
    candidates.emplace_back(value);
  }
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    const fs::path dir = exe.parent_path();
    candidates.push_back((dir / "../share/robusthide/models" / file).lexically_normal().string());
    candidates.push_back((dir / "../models" / file).lexically_normal().string());
  }
  std::string tried;
  for (const auto& c : candidates) {
    if (fs::is_regular_file(c, ec)) return c;
    tried += (tried.empty() ? "" : ", ") + c;
  }
  throw IoError(std::string("no ") + what + " given and no default " + what +
                " found (looked at: " + (tried.empty() ? std::string("nothing") : tried) +
                "); pass " + flag + " FILE or set " + env);
}

}  // namespace robusthide::detail
