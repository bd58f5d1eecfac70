#include "util/temp_files.h"

#include <dirent.h>
#include <signal.h>
#include <sys/types.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <set>

namespace robusthide::detail {
namespace {

constexpr const char* kMarker = ".tmp-rh";
constexpr size_t kSuffixLength = 6;  // mkstemp's XXXXXX
constexpr size_t kNameMax = 255;

// A fixed table (no allocation in the signal handler): 0 = free, 1 = being filled,
// 2 = holds a path.
constexpr int kSlots = 64;
struct Slot {
  std::atomic<int> state{0};
  char path[PATH_MAX];
};
Slot g_slots[kSlots];

}  // namespace

std::string temp_prefix(const std::string& base, long pid) {
  const std::string tail = std::string(kMarker) + std::to_string(pid) + "-";
  const size_t room = kNameMax - 1 - tail.size() - kSuffixLength;
  return "." + base.substr(0, room) + tail;
}

int register_temp_file(const std::string& path) {
  if (path.size() >= PATH_MAX) return -1;
  for (int i = 0; i < kSlots; ++i) {
    int expected = 0;
    if (!g_slots[i].state.compare_exchange_strong(expected, 1)) continue;
    std::memcpy(g_slots[i].path, path.c_str(), path.size() + 1);
    g_slots[i].state.store(2);
    return i;
  }
  return -1;
}

void unregister_temp_file(int slot) {
  if (slot >= 0 && slot < kSlots) g_slots[slot].state.store(0);
}

void remove_temp_files_now() {
  for (Slot& s : g_slots) {
    if (s.state.load() == 2) ::unlink(s.path);
  }
}

void remove_stale_temp_files(const std::string& folder) {
  static std::mutex mutex;
  static std::set<std::string> done;
  {
    std::lock_guard<std::mutex> lock(mutex);
    if (!done.insert(folder).second) return;
  }
  DIR* dir = ::opendir(folder.c_str());
  if (dir == nullptr) return;
  const std::string marker = kMarker;
  while (const dirent* e = ::readdir(dir)) {
    const std::string name = e->d_name;
    if (name.size() < 2 || name[0] != '.') continue;
    // ".<base>.tmp-rh<pid>-XXXXXX": find the last marker, parse the pid.
    const size_t at = name.rfind(marker);
    if (at == std::string::npos || at == 0) continue;
    const size_t digits = at + marker.size();
    size_t end = digits;
    while (end < name.size() && name[end] >= '0' && name[end] <= '9') ++end;
    if (end == digits || end >= name.size() || name[end] != '-') continue;
    if (name.size() - end - 1 != kSuffixLength) continue;
    const long pid = std::strtol(name.c_str() + digits, nullptr, 10);
    if (pid <= 0 || pid == static_cast<long>(::getpid())) continue;
    if (::kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH) continue;  // still alive
    ::unlinkat(::dirfd(dir), name.c_str(), 0);
  }
  ::closedir(dir);
}

}  // namespace robusthide::detail
