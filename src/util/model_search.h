// Where the CLI finds a shipped model file when none is named.
#pragma once

#include <string>

namespace robusthide::detail {

// In order: $ENV (when set and not empty); next to the executable:
// ../share/robusthide/models/FILE (`cmake --install`), ../models/FILE (a build folder
// inside the source tree). Returns the first file that exists; throws IoError listing
// the places looked at and naming `flag` and ENV.
std::string find_shipped_model(const std::string& file, const char* env, const char* what,
                               const char* flag);

}  // namespace robusthide::detail
