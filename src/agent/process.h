// TrainingProcess: one running training program, supervised.
//
// The program is executed directly (fork + execve, never a shell) with exactly
// the given environment and working directory, stdin from /dev/null, in a
// process group of its own, with stdout and stderr on pipes. Two reader
// threads split the output into lines (LineSplitter: long lines are cut and
// marked) and hand them to a LineSink, which must not block (LogBuffer drops
// instead), so a flood of output never stalls the program or grows memory.
//
// Lifetime of the group: when the program (the group leader) exits, whatever
// else is left in its group (orphaned grandchildren) is killed with SIGKILL, as
// a container's processes die with its PID 1; its exit status is then
// collected, and the output read until both pipes close (or until
// `output_drain_timeout` passes, for a process that left the group and holds
// the pipes). Only then is the status visible to Poll/Wait, so every line the
// program wrote is in the sink when Wait returns. Processes that leave the
// group (setsid, setpgid) are not tracked; the backend's namespaces or cgroups
// contain those.
//
// If the agent dies: the program gets `parent_death_signal` (default SIGTERM)
// by PR_SET_PDEATHSIG. The server treats a lost agent as a lost instance and
// restarts the job elsewhere, so training must not go on unsupervised, writing
// to an instance that is being replaced; SIGTERM rather than SIGKILL lets a
// launcher such as torchrun pass the stop on to its workers (PDEATHSIG reaches
// only the direct child). The fork happens on a supervisor thread that lives
// until the program is reaped, because PDEATHSIG fires when the forking
// *thread* exits, not only the process.
//
// Signals are sent only while the leader is unreaped, so a recycled pid is
// never signalled.
//
// Thread safety: all methods may be called from any thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <csignal>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "agent/log_buffer.h"
#include "common/result.h"

namespace trainyard {

struct ProcessOptions {
  std::vector<std::string> argv;       // argv[0]: a path, or a name looked up in env's PATH
  std::vector<std::string> env;        // "NAME=value", the program's whole environment
  std::filesystem::path working_dir;   // empty: the agent's own
  int parent_death_signal = SIGTERM;   // 0: none
  std::chrono::milliseconds output_drain_timeout{2000};
};

struct ExitStatus {
  int exit_code = 0;          // the exit status, or 128 + signal when a signal ended it
  std::optional<int> signal;  // the signal that ended the process, if one did
  bool operator==(const ExitStatus&) const = default;
  // "exit code 3", "killed by signal 9 (Killed)".
  std::string ToString() const;
};

class TrainingProcess {
 public:
  // Starts the program; lines go to `sink`, which must outlive the process.
  // Errors: kInvalidArgument when the program cannot be run (empty argv, not
  // found in PATH, not executable, a bad working directory, an argument list
  // too long), with the reason in the message; kResourceExhausted or
  // kInternal when the system cannot start a process.
  static Result<std::unique_ptr<TrainingProcess>> Start(const ProcessOptions& options,
                                                        LineSink& sink);

  // Kills the group (SIGKILL) if it still runs, and waits for the threads.
  ~TrainingProcess();
  TrainingProcess(const TrainingProcess&) = delete;
  TrainingProcess& operator=(const TrainingProcess&) = delete;

  int pid() const { return pid_; }

  // SIGTERM to the whole group now; SIGKILL to the group after `grace` unless
  // the program has exited by then. Returns at once. A second call may
  // shorten the grace period, never extend it. No effect once exited.
  void Terminate(std::chrono::milliseconds grace);

  // SIGKILL to the whole group now. No effect once exited.
  void Kill();

  // The exit status once the program has ended and its output is drained;
  // nullopt before.
  std::optional<ExitStatus> Poll() const;
  ExitStatus Wait() const;
  std::optional<ExitStatus> WaitFor(std::chrono::milliseconds timeout) const;

 private:
  TrainingProcess(LineSink& sink, std::chrono::milliseconds drain_timeout)
      : sink_(sink), drain_timeout_(drain_timeout) {}

  void Supervise(ProcessOptions options);
  void ReadStream(int fd, int wake_fd, const char* stream);
  void SignalGroupLocked(int sig);
  void KillAfterGrace();

  LineSink& sink_;
  const std::chrono::milliseconds drain_timeout_;
  int pid_ = -1;

  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  bool started_ = false;         // the spawn finished (successfully or not)
  std::optional<Error> start_error_;
  bool reaped_ = false;          // the leader's pid is no longer ours to signal
  int readers_done_ = 0;         // reader threads that hit EOF or were woken
  std::optional<ExitStatus> status_;  // set when exited and drained
  std::optional<std::chrono::steady_clock::time_point> kill_deadline_;

  std::thread supervisor_;
  std::thread killer_;
};

}  // namespace trainyard
