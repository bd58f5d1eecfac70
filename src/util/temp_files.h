// The temporary files of atomic writes in flight, kept where a signal handler can remove
// them (install_interrupt_cleanup in runtime.h), and the naming scheme that lets a later
// process recognise and remove the temporaries of a process that was killed.
#pragma once

#include <string>

namespace robusthide::detail {

// Name of the temporary file for `base` (a file name without folder) written by process
// `pid`, without the mkstemp suffix: ".<base>.tmp-rh<pid>-". `base` is cut so that the
// name plus the 6-character suffix fits NAME_MAX (255 bytes).
std::string temp_prefix(const std::string& base, long pid);

// Records a temporary file so that remove_temp_files_now() unlinks it. Returns a slot to
// pass to unregister_temp_file (-1 when the registry is full: then it is simply not
// removed on a signal). Thread-safe.
int register_temp_file(const std::string& path);
void unregister_temp_file(int slot);

// Unlinks every registered temporary file. Async-signal-safe.
void remove_temp_files_now();

// Once per folder and process: removes temporaries of the form temp_prefix(..., pid) +
// 6 characters whose process `pid` no longer exists (left by kill -9 or a power loss).
// Best effort; errors are ignored.
void remove_stale_temp_files(const std::string& folder);

}  // namespace robusthide::detail
