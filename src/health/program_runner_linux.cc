#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>

#include "health/posix_error.h"
#include "health/program_runner.h"

namespace trainyard {
namespace {

class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  ~Fd() { reset(); }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  void reset() {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
  }

 private:
  int fd_;
};

using SteadyClock = std::chrono::steady_clock;

int RemainingMs(SteadyClock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - SteadyClock::now()).count();
  if (left <= 0) return 0;
  return left > 1'000'000 ? 1'000'000 : static_cast<int>(left) + 1;  // +1: do not wake just before it
}

Result<pid_t> Spawn(const ProgramSpec& spec, int output_fd) {
  std::vector<char*> argv, envp;
  for (const std::string& arg : spec.argv) argv.push_back(const_cast<char*>(arg.c_str()));
  for (const std::string& var : spec.env) envp.push_back(const_cast<char*>(var.c_str()));
  argv.push_back(nullptr);
  envp.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, output_fd, STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, output_fd, STDERR_FILENO);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t no_signals, all_signals;
  sigemptyset(&no_signals);
  sigfillset(&all_signals);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  posix_spawnattr_setpgroup(&attr, 0);                 // a group of its own, led by the program
  posix_spawnattr_setsigmask(&attr, &no_signals);      // not the agent's blocked signals
  posix_spawnattr_setsigdefault(&attr, &all_signals);  // nor its ignored ones
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, argv[0], &actions, &attr, argv.data(), envp.data());
  posix_spawnattr_destroy(&attr);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) return PosixError(rc, "starting " + spec.argv[0]);
  return pid;
}

// Reads what is there; false at end of file (or a read error).
bool ReadSome(int fd, size_t max_bytes, ProgramOutcome* outcome) {
  char buffer[4096];
  for (;;) {
    const ssize_t n = read(fd, buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    outcome->output.append(buffer, static_cast<size_t>(n));
    if (outcome->output.size() > 2 * max_bytes + sizeof(buffer)) {  // trimmed in batches, not per read
      outcome->output.erase(0, outcome->output.size() - max_bytes);
      outcome->output_truncated = true;
    }
    return true;
  }
}

}  // namespace

Result<ProgramOutcome> RunProgram(const ProgramSpec& spec) {
  if (spec.argv.empty()) return MakeError(ErrorCode::kInvalidArgument, "no program to run");
  const SteadyClock::time_point deadline = SteadyClock::now() + spec.timeout;
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) return PosixError(errno, "making a pipe");
  Fd output(pipe_fds[0]), child_output(pipe_fds[1]);
  TY_ASSIGN_OR_RETURN(const pid_t pid, Spawn(spec, child_output.get()));
  child_output.reset();  // the program holds the only write end now
  Fd exit_fd(static_cast<int>(syscall(SYS_pidfd_open, pid, 0)));
  const int pidfd_errno = errno;
  ProgramOutcome outcome;
  bool exited = false, output_open = true;
  while (!exited && exit_fd.get() >= 0) {
    const int wait_ms = RemainingMs(deadline);
    if (wait_ms == 0) break;
    pollfd fds[2] = {{exit_fd.get(), POLLIN, 0}, {output.get(), POLLIN, 0}};
    const int ready = poll(fds, output_open ? 2 : 1, wait_ms);
    if (ready < 0 && errno == EINTR) continue;
    if (ready < 0) break;  // cannot happen with valid descriptors; treated as the deadline
    if (output_open && fds[1].revents != 0) output_open = ReadSome(output.get(), spec.max_output_bytes, &outcome);
    if (fds[0].revents != 0) exited = true;
  }
  // The leader is not reaped yet, so its group id cannot have been reused.
  kill(-pid, SIGKILL);
  int status = 0;
  pid_t reaped;
  while ((reaped = waitpid(pid, &status, 0)) < 0 && errno == EINTR) {
  }
  if (exit_fd.get() < 0) return PosixError(pidfd_errno, "pidfd_open (needs Linux 5.3)");
  // ECHILD: SIGCHLD is ignored in this process, so the status is lost.
  if (reaped < 0) return PosixError(errno, "collecting the exit status of " + spec.argv[0]);
  if (WIFEXITED(status)) {
    outcome.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    outcome.signal = WTERMSIG(status);
  }
  outcome.timed_out = !exited && !WIFEXITED(status);
  while (output_open) {  // the rest: until end of file, or the deadline (at once after a timeout)
    pollfd fd = {output.get(), POLLIN, 0};
    const int ready = poll(&fd, 1, outcome.timed_out ? 0 : RemainingMs(deadline));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) break;
    output_open = ReadSome(output.get(), spec.max_output_bytes, &outcome);
  }
  if (outcome.output.size() > spec.max_output_bytes) {
    outcome.output.erase(0, outcome.output.size() - spec.max_output_bytes);
    outcome.output_truncated = true;
  }
  return outcome;
}

}  // namespace trainyard
