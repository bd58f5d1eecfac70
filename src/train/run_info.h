// Facts about the running process recorded in model provenance.
#pragma once

#include <string>

namespace robusthide {

// `git describe --always --dirty` of the source tree, taken when the library was built
// (cmake/build_commit.cmake), or "" when it was built without git or outside a
// repository. The library never runs git itself.
std::string source_commit();

// The current UTC time, ISO 8601 ("2024-05-01T12:34:56Z").
std::string utc_now_iso8601();

}  // namespace robusthide
