#include "train/output_folder.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "robusthide/error.h"

namespace robusthide::detail {

namespace fs = std::filesystem;

OutputFolder::OutputFolder(const std::string& dir) : dir_(dir) {
  std::error_code ec;
  created_ = !fs::exists(dir, ec);
  fs::create_directories(dir, ec);
  if (ec || !fs::is_directory(dir)) {
    throw IoError("cannot create output folder '" + dir +
                  "': " + (ec ? ec.message() : std::string("not a folder")));
  }
  lock_path_ = (fs::path(dir) / ".lock").string();
  fd_ = ::open(lock_path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) {
    const std::string why = std::strerror(errno);
    discard();
    throw IoError("cannot lock output folder '" + dir + "': " + why);
  }
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    ::close(fd_);
    fd_ = -1;
    throw InvalidArgument("output folder '" + dir +
                          "' is in use by another training run "
                          "(it holds the lock on " +
                          lock_path_ + ")");
  }
}

OutputFolder::~OutputFolder() {
  if (!kept_) discard();
  if (fd_ >= 0) ::close(fd_);  // releases the lock
}

void OutputFolder::discard() {
  std::error_code ec;
  for (const auto& f : files_) fs::remove(f, ec);
  if (created_) {
    if (fd_ >= 0) fs::remove(lock_path_, ec);
    fs::remove(dir_, ec);  // only if empty
  }
}

}  // namespace robusthide::detail
