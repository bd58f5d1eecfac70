// A file written in pieces (by robusthide or by a library given its temporary path) and
// published atomically: the mechanism of write_file_atomic (file_io.h), for outputs too
// large to hold in memory, e.g. a video.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace robusthide::detail {

class AtomicFile {
 public:
  // Creates the temporary ".<name>.tmp-rh<pid>-XXXXXX" in `path`'s folder (registered for
  // removal on a signal; stale ones of dead processes in that folder are removed first).
  // Throws IoError naming `path`.
  explicit AtomicFile(const std::string& path);
  // Removes the temporary unless commit() succeeded.
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  const std::string& path() const { return path_; }
  // Where the content goes until commit(); a library may open and write it by name.
  const std::string& temp_path() const { return temp_; }
  // Appends bytes through the temporary's own descriptor. Throws IoError naming path().
  void write(const uint8_t* data, size_t size);
  // fsync, the mode an ordinary create would give (or the replaced file's), rename over
  // path(), fsync of the folder. Throws IoError naming path() (the temporary is removed
  // and an existing path() is untouched).
  void commit();

 private:
  [[noreturn]] void fail(const std::string& why);

  std::string path_, dir_, temp_;
  int fd_ = -1;
  int slot_ = -1;
  bool committed_ = false;
};

}  // namespace robusthide::detail
