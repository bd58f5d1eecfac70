// Running an external program with its stdin, stdout and stderr connected to pipes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace robusthide {

// How a program is run.
struct SubprocessOptions {
  double timeout_seconds = 30;                  // kill the program's process group after this long
  size_t stderr_tail_bytes = 1024;              // keep only the last bytes of stderr
  size_t max_stdout_bytes = size_t{256} << 20;  // more on stdout kills it (stdout_overflow)
};

// What a finished (or killed) program did.
struct SubprocessResult {
  bool exited = false;               // ended by exit(); exit_code is valid
  int exit_code = -1;                // exit status when exited
  int term_signal = 0;               // signal that ended it when !exited
  bool timed_out = false;            // killed because it ran past the timeout
  bool stdout_overflow = false;      // killed because it wrote more than max_stdout_bytes
  std::vector<uint8_t> stdout_data;  // everything it wrote on stdout
  std::string stderr_tail;           // the last stderr_tail_bytes of its stderr

  bool success() const { return exited && exit_code == 0; }
  // "exit status 3", "killed by signal 9 (Killed)".
  std::string status_text() const;
};

// Runs argv[0] (looked up in PATH) with arguments argv in a new process group, writes
// `input` to its stdin while concurrently reading its stdout and stderr (no pipe deadlock
// for large data), and waits for it. On timeout the whole process group gets SIGKILL.
// Thread-safe: the pipes are close-on-exec, so concurrently spawned programs do not
// inherit each other's descriptors; SIGPIPE is blocked in the calling thread while writing
// (a program that exits without reading all of stdin is not an error here).
// When the program ends (or is killed), every process it started is killed too, including
// those that left its process group (setsid, daemons): they are found by a token in their
// environment (ROBUSTHIDE_CHILD_TOKEN), which only a process that clears its environment
// loses.
// Throws IoError if the program cannot be started or the pipes fail.
SubprocessResult run_subprocess(const std::vector<std::string>& argv,
                                const std::vector<uint8_t>& input,
                                const SubprocessOptions& options = {});

}  // namespace robusthide
