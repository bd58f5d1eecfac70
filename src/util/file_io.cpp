// read_file and write_file_atomic (temporary file in the same folder + fsync + rename).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "robusthide/error.h"
#include "robusthide/file_io.h"
#include "util/atomic_file.h"
#include "util/temp_files.h"

namespace robusthide {
namespace {

std::string errno_text(int err) { return std::strerror(err); }

// Closes a file descriptor on scope exit unless released.
class FdGuard {
 public:
  explicit FdGuard(int fd) : fd_(fd) {}
  ~FdGuard() {
    if (fd_ >= 0) ::close(fd_);
  }
  FdGuard(const FdGuard&) = delete;
  FdGuard& operator=(const FdGuard&) = delete;
  int get() const { return fd_; }
  // Closes now and reports close()'s errno (0 on success).
  int close_now() {
    int rc = ::close(fd_);
    fd_ = -1;
    return rc == 0 ? 0 : errno;
  }

 private:
  int fd_;
};

// The process umask, read without changing it (umask() itself is not thread-safe to query).
mode_t current_umask() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("Umask:", 0) == 0)
      return static_cast<mode_t>(std::stoul(line.substr(6), nullptr, 8));
  }
  return 022;
}

}  // namespace

std::vector<uint8_t> read_file(const std::string& path, size_t max_bytes) {
  auto fail = [&](const std::string& why) -> IoError {
    return IoError("cannot read file '" + path + "': " + why);
  };
  // O_NONBLOCK: opening a FIFO without a writer must not block; it is refused below.
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) throw fail(errno_text(errno));
  FdGuard guard(fd);
  struct stat st;
  if (::fstat(fd, &st) != 0) throw fail(errno_text(errno));
  if (S_ISDIR(st.st_mode)) throw fail("is a directory");
  if (!S_ISREG(st.st_mode)) throw fail("not a regular file (a device, FIFO or socket)");
  const auto too_big = [&] {
    return fail("larger than the limit of " + std::to_string(max_bytes) + " bytes");
  };
  if (static_cast<uint64_t>(st.st_size) > max_bytes) throw too_big();
  std::vector<uint8_t> bytes;
  bytes.reserve(static_cast<size_t>(st.st_size));
  uint8_t chunk[1 << 16];
  for (;;) {
    ssize_t n = ::read(fd, chunk, sizeof chunk);
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      throw fail(errno_text(errno));
    }
    if (n == 0) break;
    if (bytes.size() + static_cast<size_t>(n) > max_bytes) throw too_big();  // it grew
    bytes.insert(bytes.end(), chunk, chunk + n);
  }
  return bytes;
}

void write_file_atomic(const std::string& path, const uint8_t* data, size_t size) {
  detail::AtomicFile file(path);
  file.write(data, size);
  file.commit();
}

namespace detail {

AtomicFile::AtomicFile(const std::string& path) : path_(path) {
  if (path.empty()) fail("empty path");
  const size_t slash = path.rfind('/');
  dir_ = slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
  const std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
  if (base.empty()) fail("path names a directory");
  remove_stale_temp_files(dir_);
  std::string tmp =
      (dir_ == "/" ? "" : dir_) + "/" + temp_prefix(base, static_cast<long>(::getpid())) + "XXXXXX";
  std::vector<char> tmpl(tmp.begin(), tmp.end());
  tmpl.push_back('\0');
  fd_ = ::mkstemp(tmpl.data());
  if (fd_ < 0) fail("cannot create a temporary file in '" + dir_ + "': " + errno_text(errno));
  temp_.assign(tmpl.data());
  // Removed by a signal handler (install_interrupt_cleanup) if the process is stopped
  // while writing; unregistered once renamed or removed.
  slot_ = register_temp_file(temp_);
}

AtomicFile::~AtomicFile() {
  if (fd_ >= 0) ::close(fd_);
  if (!committed_ && !temp_.empty()) ::unlink(temp_.c_str());
  if (slot_ >= 0) unregister_temp_file(slot_);
}

void AtomicFile::fail(const std::string& why) {
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
  if (!temp_.empty()) ::unlink(temp_.c_str());
  temp_.clear();
  throw IoError("cannot write file '" + path_ + "': " + why);
}

void AtomicFile::write(const uint8_t* data, size_t size) {
  size_t written = 0;
  while (written < size) {
    const ssize_t n = ::write(fd_, data + written, size - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail("write: " + errno_text(errno));
    }
    written += static_cast<size_t>(n);
  }
}

void AtomicFile::commit() {
  // mkstemp creates 0600; give the file the permissions an ordinary create would
  // (or the existing destination's mode when replacing a file).
  struct stat st;
  const mode_t mode =
      ::stat(path_.c_str(), &st) == 0 ? (st.st_mode & 07777) : (0666 & ~current_umask());
  if (::fchmod(fd_, mode) != 0) fail("fchmod: " + errno_text(errno));
  if (::fsync(fd_) != 0) fail("fsync: " + errno_text(errno));
  const int rc = ::close(fd_);
  fd_ = -1;
  if (rc != 0) fail("close: " + errno_text(errno));
  if (::rename(temp_.c_str(), path_.c_str()) != 0) fail("rename: " + errno_text(errno));
  committed_ = true;
  // Make the rename itself durable (best effort: some filesystems refuse fsync on dirs).
  const int dfd = ::open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
}

}  // namespace detail
}  // namespace robusthide
