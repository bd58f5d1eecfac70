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
  auto fail = [&](const std::string& why) -> IoError {
    return IoError("cannot write file '" + path + "': " + why);
  };
  if (path.empty()) throw fail("empty path");
  size_t slash = path.rfind('/');
  std::string dir = slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
  std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
  if (base.empty()) throw fail("path names a directory");

  detail::remove_stale_temp_files(dir);
  std::string tmp = (dir == "/" ? "" : dir) + "/" +
                    detail::temp_prefix(base, static_cast<long>(::getpid())) + "XXXXXX";
  std::vector<char> tmpl(tmp.begin(), tmp.end());
  tmpl.push_back('\0');
  int fd = ::mkstemp(tmpl.data());
  if (fd < 0) throw fail("cannot create a temporary file in '" + dir + "': " + errno_text(errno));
  tmp.assign(tmpl.data());
  FdGuard guard(fd);
  // Removed by a signal handler (install_interrupt_cleanup) if the process is stopped
  // while writing; unregistered once renamed or removed.
  struct Registration {
    int slot;
    ~Registration() { detail::unregister_temp_file(slot); }
  } registration{detail::register_temp_file(tmp)};
  // From here on, any failure removes the temporary file before throwing.
  auto fail_tmp = [&](const std::string& why) -> IoError {
    if (guard.get() >= 0) guard.close_now();
    ::unlink(tmp.c_str());
    return fail(why);
  };

  // mkstemp creates 0600; give the file the permissions an ordinary create would
  // (or the existing destination's mode when replacing a file).
  struct stat st;
  mode_t mode = ::stat(path.c_str(), &st) == 0 ? (st.st_mode & 07777) : (0666 & ~current_umask());
  if (::fchmod(fd, mode) != 0) throw fail_tmp("fchmod: " + errno_text(errno));

  size_t written = 0;
  while (written < size) {
    ssize_t n = ::write(fd, data + written, size - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw fail_tmp("write: " + errno_text(errno));
    }
    written += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) throw fail_tmp("fsync: " + errno_text(errno));
  if (int err = guard.close_now()) throw fail_tmp("close: " + errno_text(err));
  if (::rename(tmp.c_str(), path.c_str()) != 0) throw fail_tmp("rename: " + errno_text(errno));

  // Make the rename itself durable (best effort: some filesystems refuse fsync on dirs).
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
}

}  // namespace robusthide
