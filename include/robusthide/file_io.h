// Whole-file reads and atomic writes: how robusthide puts every file it writes (images,
// model files, checkpoints, reports) on disk without ever leaving a half-written one.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace robusthide {

// Writes bytes atomically: mkstemp in the same folder, write, fsync, rename over `path`
// (then fsync the folder). The new file gets the replaced file's mode, or 0666 & ~umask.
// On any failure the temporary is removed, an existing `path` is left untouched, and
// IoError naming `path` is thrown. The temporary is ".<name>.tmp-rh<pid>-XXXXXX" (the name
// cut to fit 255 bytes); a signal handler removes it (install_interrupt_cleanup), and the
// first write into a folder removes those left there by processes that no longer exist.
void write_file_atomic(const std::string& path, const uint8_t* data, size_t size);

// Largest file read_file accepts by default (1 GiB): an image at kMaxImagePixels stored
// uncompressed is 384 MiB.
constexpr size_t kMaxFileBytes = size_t{1} << 30;

// Reads a whole regular file of at most `max_bytes`. Throws IoError naming `path` if it
// cannot be read, is not a regular file (a FIFO, device or socket, e.g. /dev/zero: never
// blocks or reads without end) or is larger than `max_bytes`.
std::vector<uint8_t> read_file(const std::string& path, size_t max_bytes = kMaxFileBytes);

}  // namespace robusthide
