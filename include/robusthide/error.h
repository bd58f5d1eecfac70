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

}  // namespace robusthide
