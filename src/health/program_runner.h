// RunProgram: runs a program to completion with a deadline, collecting what
// it prints. The mechanism under ProgramHealthCheck.
//
// The program is spawned directly (posix_spawn, no shell) with exactly the
// given argv and environment, stdin from /dev/null, stdout and stderr both on
// one pipe, in a process group of its own. When the program (the group
// leader) exits, whatever is left in its group is killed with SIGKILL; when
// the deadline passes first, the whole group is. The leader is always reaped
// before RunProgram returns; output is then read until the pipe closes or the
// deadline, whichever comes first (a process that left the group and holds
// the pipe cannot hold the caller longer than the timeout).
//
// The timeout is real time: a real process runs on the real clock. Waiting
// is poll() on the pipe and a pidfd (Linux 5.3 or later), never sleeping.
//
// Errors: the program cannot be started (kNotFound: no such file;
// kFailedPrecondition: not executable, not a regular file, or a bad
// interpreter), or a pipe or pidfd cannot be made (kResourceExhausted, ...).
// Thread safety: may be called from several threads at once (descriptors are
// close-on-exec, so concurrent spawns do not inherit each other's pipes).
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

#include "common/result.h"

namespace trainyard {

struct ProgramSpec {
  std::vector<std::string> argv;  // argv[0] is the program's path (no PATH search)
  std::vector<std::string> env;   // "NAME=value", the whole environment
  std::chrono::milliseconds timeout{10'000};
  size_t max_output_bytes = 4096;  // the last this many bytes are kept
};

struct ProgramOutcome {
  bool timed_out = false;  // the deadline passed before the program exited; it was killed
  int exit_code = -1;      // when it exited by itself; else -1
  int signal = 0;          // the signal that ended it, when one did (SIGKILL after a timeout)
  std::string output;      // stdout and stderr interleaved, the last max_output_bytes
  bool output_truncated = false;  // earlier output was dropped
};

Result<ProgramOutcome> RunProgram(const ProgramSpec& spec);

}  // namespace trainyard
