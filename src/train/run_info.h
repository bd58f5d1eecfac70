// Facts about the running process recorded in model provenance.
#pragma once

#include <string>

namespace robusthide {

// `git describe --always --dirty` of the source tree this file was compiled from (its
// absolute path is known at compile time), or "" when git or the tree is not there.
std::string source_commit();

// The current UTC time, ISO 8601 ("2024-05-01T12:34:56Z").
std::string utc_now_iso8601();

}  // namespace robusthide
