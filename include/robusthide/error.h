// Errors thrown by robusthide. Every message names the failing action and the input.
#pragma once

#include <stdexcept>
#include <string>

namespace robusthide {

// Base class of every exception robusthide throws on purpose.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A user-supplied value (spec string, quality, message, size) is malformed or out of range.
class InvalidArgument : public Error {
 public:
  using Error::Error;
};

// A file or an in-memory buffer could not be read, decoded or written.
class IoError : public Error {
 public:
  using Error::Error;
};

// A codec (library or external program) failed while encoding or decoding.
class CodecError : public Error {
 public:
  using Error::Error;
};

// A user value as it appears in an error message: unchanged up to `max_bytes`, else its
// first `max_bytes` bytes + "... (N bytes)", so a 100 KB payload or spec is not echoed.
inline std::string abbreviate(const std::string& value, size_t max_bytes = 120) {
  if (value.size() <= max_bytes) return value;
  return value.substr(0, max_bytes) + "... (" + std::to_string(value.size()) + " bytes)";
}

}  // namespace robusthide
