#include "util/subprocess.h"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <dirent.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string_view>
#include <thread>

#include "robusthide/error.h"

extern char** environ;

namespace robusthide {
namespace {

using Clock = std::chrono::steady_clock;

std::string errno_text(int err) { return std::strerror(err); }

// An owned file descriptor.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { reset(); }
  int get() const { return fd_; }
  bool open() const { return fd_ >= 0; }
  void reset(int fd = -1) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

// A close-on-exec pipe whose descriptors are both >= 3, so that dup2 onto the child's
// 0, 1 and 2 never clobbers one of them even if this process closed its own stdio.
void make_pipe(Fd* read_end, Fd* write_end) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) throw IoError("cannot create a pipe: " + errno_text(errno));
  read_end->reset(fds[0]);
  write_end->reset(fds[1]);
  for (Fd* end : {read_end, write_end}) {
    if (end->get() >= 3) continue;
    const int moved = fcntl(end->get(), F_DUPFD_CLOEXEC, 3);
    if (moved < 0) throw IoError("cannot create a pipe: " + errno_text(errno));
    end->reset(moved);
  }
}

void set_nonblocking(int fd) {
  const int flags = fcntl(fd, F_GETFL);
  if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0)
    throw IoError("cannot make a pipe non-blocking: " + errno_text(errno));
}

// Blocks SIGPIPE in the calling thread while alive; a SIGPIPE raised by our own write to a
// closed pipe is consumed before the old mask is restored, so it is never delivered.
class SigpipeBlock {
 public:
  SigpipeBlock() {
    sigemptyset(&set_);
    sigaddset(&set_, SIGPIPE);
    sigset_t pending;
    sigpending(&pending);
    was_pending_ = sigismember(&pending, SIGPIPE) == 1;
    pthread_sigmask(SIG_BLOCK, &set_, &old_);
  }
  SigpipeBlock(const SigpipeBlock&) = delete;
  SigpipeBlock& operator=(const SigpipeBlock&) = delete;
  ~SigpipeBlock() {
    if (got_epipe_ && !was_pending_) {
      const timespec zero{0, 0};
      while (sigtimedwait(&set_, nullptr, &zero) < 0 && errno == EINTR) {
      }
    }
    pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }
  void note_epipe() { got_epipe_ = true; }

 private:
  sigset_t set_, old_;
  bool was_pending_ = false;
  bool got_epipe_ = false;
};

// Owns the spawn attributes and file actions.
class SpawnSetup {
 public:
  SpawnSetup(int in_fd, int out_fd, int err_fd) {
    posix_spawn_file_actions_init(&actions_);
    posix_spawnattr_init(&attr_);
    posix_spawn_file_actions_adddup2(&actions_, in_fd, 0);
    posix_spawn_file_actions_adddup2(&actions_, out_fd, 1);
    posix_spawn_file_actions_adddup2(&actions_, err_fd, 2);
    sigset_t none, defaults;
    sigemptyset(&none);
    sigemptyset(&defaults);
    sigaddset(&defaults, SIGPIPE);
    posix_spawnattr_setsigmask(&attr_, &none);
    posix_spawnattr_setsigdefault(&attr_, &defaults);
    posix_spawnattr_setpgroup(&attr_, 0);
    posix_spawnattr_setflags(
        &attr_, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  }
  SpawnSetup(const SpawnSetup&) = delete;
  SpawnSetup& operator=(const SpawnSetup&) = delete;
  ~SpawnSetup() {
    posix_spawn_file_actions_destroy(&actions_);
    posix_spawnattr_destroy(&attr_);
  }
  const posix_spawn_file_actions_t* actions() const { return &actions_; }
  const posix_spawnattr_t* attr() const { return &attr_; }

 private:
  posix_spawn_file_actions_t actions_;
  posix_spawnattr_t attr_;
};

// Kills (process group) and reaps the child unless it has been reaped already.
class ChildGuard {
 public:
  explicit ChildGuard(pid_t pid) : pid_(pid) {}
  ChildGuard(const ChildGuard&) = delete;
  ChildGuard& operator=(const ChildGuard&) = delete;
  ~ChildGuard() {
    if (pid_ > 0) kill_and_reap();
  }
  // Non-blocking check whether the child has ended; it is left a zombie (not reaped), so
  // its pid, which is also its process group id, cannot be reused yet.
  bool has_exited() const {
    siginfo_t info;
    info.si_pid = 0;
    while (waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT) < 0) {
      if (errno != EINTR) return true;  // nothing to wait for: treat as ended
    }
    return info.si_pid == pid_;
  }
  // Kills whatever is left of the process group (the leader may be a zombie already), reaps
  // the leader and returns its wait status.
  int kill_and_reap() {
    ::kill(-pid_, SIGKILL);
    ::kill(pid_, SIGKILL);
    int status = 0;
    while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    pid_ = -1;
    return status;
  }

 private:
  pid_t pid_;
};

void append_tail(std::string* tail, const char* data, size_t n, size_t keep) {
  tail->append(data, n);
  if (tail->size() > 2 * keep + 4096) tail->erase(0, tail->size() - keep);
}

// Reads what is available (until the sink returns false); returns false at end of file.
bool drain(int fd, const std::function<bool(const char*, size_t)>& sink) {
  char buf[65536];
  while (true) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n > 0) {
      if (!sink(buf, static_cast<size_t>(n))) return true;
      continue;
    }
    if (n == 0) return false;
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return true;
    throw IoError("cannot read from a pipe: " + errno_text(errno));
  }
}

constexpr const char* kTokenName = "ROBUSTHIDE_CHILD_TOKEN";

// A token no other run shares: pid, a per-process counter and the time.
std::string new_token() {
  static std::atomic<uint64_t> counter{0};
  return std::to_string(::getpid()) + "-" + std::to_string(counter.fetch_add(1)) + "-" +
         std::to_string(Clock::now().time_since_epoch().count());
}

// The environment of this process plus KEY=token (any inherited token replaced).
std::vector<std::string> environment_with(const std::string& entry) {
  std::vector<std::string> env;
  const std::string prefix = std::string(kTokenName) + "=";
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    if (std::strncmp(*e, prefix.c_str(), prefix.size()) != 0) env.emplace_back(*e);
  }
  env.push_back(entry);
  return env;
}

// SIGKILLs every process (other than this one) whose environment holds `entry`; repeats
// while it finds some, so that children forked meanwhile are caught too.
void kill_token_holders(const std::string& entry) {
  const pid_t self = ::getpid();
  std::vector<char> buf(1 << 16);
  for (int round = 0; round < 8; ++round) {
    bool found = false;
    DIR* proc = ::opendir("/proc");
    if (proc == nullptr) return;
    while (const dirent* d = ::readdir(proc)) {
      char* end = nullptr;
      const long pid = std::strtol(d->d_name, &end, 10);
      if (pid <= 0 || *end != '\0' || pid == self) continue;
      const std::string path = std::string("/proc/") + d->d_name + "/environ";
      const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
      if (fd < 0) continue;
      const ssize_t n = ::read(fd, buf.data(), buf.size());
      ::close(fd);
      if (n <= 0) continue;
      const std::string_view env(buf.data(), static_cast<size_t>(n));
      for (size_t at = 0; at < env.size();) {
        const size_t stop = std::min(env.find('\0', at), env.size());
        if (env.substr(at, stop - at) == entry) {
          ::kill(static_cast<pid_t>(pid), SIGKILL);
          found = true;
          break;
        }
        at = stop + 1;
      }
    }
    ::closedir(proc);
    if (!found) return;
  }
}

}  // namespace

std::string SubprocessResult::status_text() const {
  if (timed_out) return "timed out";
  if (stdout_overflow) return "killed after writing too much on stdout";
  if (exited) return "exit status " + std::to_string(exit_code);
  const char* name = sigdescr_np(term_signal);
  return "killed by signal " + std::to_string(term_signal) +
         (name ? std::string(" (") + name + ")" : "");
}

SubprocessResult run_subprocess(const std::vector<std::string>& argv,
                                const std::vector<uint8_t>& input,
                                const SubprocessOptions& options) {
  if (argv.empty()) throw IoError("cannot start a program: empty command");
  Fd in_read, in_write, out_read, out_write, err_read, err_write;
  make_pipe(&in_read, &in_write);
  make_pipe(&out_read, &out_write);
  make_pipe(&err_read, &err_write);

  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);

  const std::string token_entry = std::string(kTokenName) + "=" + new_token();
  const std::vector<std::string> env_strings = environment_with(token_entry);
  std::vector<char*> env;
  for (const auto& e : env_strings) env.push_back(const_cast<char*>(e.c_str()));
  env.push_back(nullptr);

  pid_t pid = 0;
  {
    SpawnSetup setup(in_read.get(), out_write.get(), err_write.get());
    const int err =
        posix_spawnp(&pid, args[0], setup.actions(), setup.attr(), args.data(), env.data());
    if (err != 0) throw IoError("cannot start '" + argv[0] + "': " + errno_text(err));
  }
  // Declared after the child: on every exit path the child is killed and reaped first,
  // then whatever it left behind outside its process group.
  struct Escapees {
    const std::string& entry;
    ~Escapees() { kill_token_holders(entry); }
  } escapees{token_entry};
  ChildGuard child(pid);
  in_read.reset();
  out_write.reset();
  err_write.reset();
  set_nonblocking(in_write.get());
  set_nonblocking(out_read.get());
  set_nonblocking(err_read.get());

  SubprocessResult result;
  SigpipeBlock sigpipe_block;
  const auto deadline =
      Clock::now() + std::chrono::duration_cast<Clock::duration>(
                         std::chrono::duration<double>(std::max(0.0, options.timeout_seconds)));
  size_t written = 0;
  if (input.empty()) in_write.reset();
  const auto to_stdout = [&](const char* d, size_t n) {
    if (result.stdout_data.size() + n > options.max_stdout_bytes) {
      result.stdout_overflow = true;
      return false;
    }
    result.stdout_data.insert(result.stdout_data.end(), d, d + n);
    return true;
  };
  const auto to_stderr = [&](const char* d, size_t n) {
    append_tail(&result.stderr_tail, d, n, options.stderr_tail_bytes);
    return true;
  };

  while ((out_read.open() || err_read.open()) && !result.stdout_overflow) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) {
      result.timed_out = true;
      break;
    }
    pollfd fds[3];
    nfds_t n = 0;
    int in_idx = -1, out_idx = -1, err_idx = -1;
    if (in_write.open()) {
      in_idx = static_cast<int>(n);
      fds[n++] = {in_write.get(), POLLOUT, 0};
    }
    if (out_read.open()) {
      out_idx = static_cast<int>(n);
      fds[n++] = {out_read.get(), POLLIN, 0};
    }
    if (err_read.open()) {
      err_idx = static_cast<int>(n);
      fds[n++] = {err_read.get(), POLLIN, 0};
    }
    const int ready =
        ::poll(fds, n, static_cast<int>(std::min<int64_t>(left.count() + 1, INT_MAX)));
    if (ready < 0) {
      if (errno == EINTR) continue;
      throw IoError("cannot wait for '" + argv[0] + "': " + errno_text(errno));
    }
    if (in_idx >= 0 && fds[in_idx].revents != 0) {
      while (written < input.size()) {
        const ssize_t w = ::write(in_write.get(), input.data() + written,
                                  std::min<size_t>(input.size() - written, 1 << 16));
        if (w > 0) {
          written += static_cast<size_t>(w);
          continue;
        }
        if (w < 0 && errno == EINTR) continue;
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
        if (w < 0 && errno == EPIPE) {
          sigpipe_block.note_epipe();
          written = input.size();  // the program stopped reading: not our error
          break;
        }
        throw IoError("cannot write to '" + argv[0] + "': " + errno_text(errno));
      }
      if (written >= input.size()) in_write.reset();
    }
    if (out_idx >= 0 && fds[out_idx].revents != 0 && !drain(out_read.get(), to_stdout))
      out_read.reset();
    if (err_idx >= 0 && fds[err_idx].revents != 0 && !drain(err_read.get(), to_stderr))
      err_read.reset();
  }
  in_write.reset();

  if (!result.timed_out && !result.stdout_overflow) {
    // Both output pipes are closed; wait for the exit itself, still bounded by the deadline.
    auto pause = std::chrono::microseconds(200);
    while (!child.has_exited()) {
      if (Clock::now() >= deadline) {
        result.timed_out = true;
        break;
      }
      std::this_thread::sleep_for(pause);
      pause = std::min(pause * 2, std::chrono::microseconds(10000));
    }
  }
  // Also kills processes the program left behind in its process group.
  const int status = child.kill_and_reap();
  if (WIFEXITED(status)) {
    result.exited = true;
    result.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    result.term_signal = WTERMSIG(status);
  }
  if (result.stderr_tail.size() > options.stderr_tail_bytes)
    result.stderr_tail.erase(0, result.stderr_tail.size() - options.stderr_tail_bytes);
  return result;
}

}  // namespace robusthide
