#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "agent/line_splitter.h"
#include "agent/process.h"

namespace trainyard {
namespace {

namespace fs = std::filesystem;

constexpr size_t kReadChunk = 64 * 1024;
constexpr size_t kMaxDrainAfterWake = 4 << 20;  // bytes read once told to stop
constexpr std::string_view kDefaultPath = "/usr/local/bin:/usr/bin:/bin";

// Where the child failed before exec (reported through the exec-error pipe).
enum ChildStage : int { kStageSetup = 1, kStageChdir = 2, kStageExec = 3 };

class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() { Reset(); }
  Fd(Fd&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
  Fd& operator=(Fd&& o) noexcept {
    if (this != &o) { Reset(); fd_ = o.fd_; o.fd_ = -1; }
    return *this;
  }
  int get() const { return fd_; }
  void Reset() { if (fd_ >= 0) ::close(fd_); fd_ = -1; }

 private:
  int fd_ = -1;
};

struct PipePair {
  Fd read, write;
};

Result<PipePair> MakePipe() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    return MakeError(errno == EMFILE || errno == ENFILE ? ErrorCode::kResourceExhausted
                                                        : ErrorCode::kInternal,
                     std::string("creating a pipe: ") + std::strerror(errno));
  }
  return PipePair{Fd(fds[0]), Fd(fds[1])};
}

std::string EnvValue(const std::vector<std::string>& env, std::string_view name) {
  for (const std::string& entry : env) {
    if (entry.size() > name.size() && entry.compare(0, name.size(), name) == 0 &&
        entry[name.size()] == '=') {
      return entry.substr(name.size() + 1);
    }
  }
  return "";
}

bool IsExecutable(const fs::path& p) {
  struct stat st {};
  return ::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(p.c_str(), X_OK) == 0;
}

// argv[0] as execve needs it: names without '/' are looked up in the
// program's PATH (relative PATH entries against its working directory).
Result<std::string> ResolveProgram(const ProcessOptions& options) {
  const std::string& name = options.argv[0];
  if (name.find('/') != std::string::npos) return name;
  std::string path = EnvValue(options.env, "PATH");
  if (path.empty()) path = kDefaultPath;
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = std::min(path.find(':', start), path.size());
    fs::path dir = path.substr(start, end - start);
    if (dir.empty()) dir = ".";
    if (dir.is_relative() && !options.working_dir.empty()) dir = options.working_dir / dir;
    if (IsExecutable(dir / name)) return (dir / name).string();
    start = end + 1;
  }
  return MakeError(ErrorCode::kInvalidArgument, "program '" + name + "' not found in PATH");
}

Error ChildError(int stage, int err, const ProcessOptions& options) {
  ErrorCode code = (err == ENOMEM || err == EAGAIN) ? ErrorCode::kResourceExhausted
                   : stage == kStageSetup            ? ErrorCode::kInternal
                                                     : ErrorCode::kInvalidArgument;
  std::string what = stage == kStageChdir ? "entering working directory " + options.working_dir.string()
                     : stage == kStageExec ? "executing " + options.argv[0]
                                           : "preparing the process for " + options.argv[0];
  return MakeError(code, what + ": " + std::strerror(err));
}

// Everything the child needs, prepared before fork: after fork in a
// multi-threaded process only async-signal-safe calls are allowed.
struct ChildPlan {
  const char* program = nullptr;
  char* const* argv = nullptr;
  char* const* envp = nullptr;
  const char* working_dir = nullptr;  // null: stay
  int stdin_fd = -1, stdout_fd = -1, stderr_fd = -1, error_fd = -1;
  int death_signal = 0;
  pid_t parent = 0;
  int max_fd = 1024;
};

[[noreturn]] void Fail(const ChildPlan& plan, int stage) {
  int message[2] = {stage, errno};
  ssize_t ignored = ::write(plan.error_fd, message, sizeof message);
  (void)ignored;
  ::_exit(127);
}

void CloseFdsFrom(int first, int last) {
  if (first > last) return;
  if (::syscall(SYS_close_range, first, last, 0) == 0) return;
  for (int fd = first; fd <= last; ++fd) ::close(fd);
}

[[noreturn]] void RunChild(const ChildPlan& plan) {
  if (::setpgid(0, 0) != 0) Fail(plan, kStageSetup);
  if (plan.death_signal != 0) {
    if (::prctl(PR_SET_PDEATHSIG, plan.death_signal) != 0) Fail(plan, kStageSetup);
    if (::getppid() != plan.parent) ::_exit(127);  // the agent died before prctl took hold
  }
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  for (int sig = 1; sig < NSIG; ++sig) {
    if (sig != SIGKILL && sig != SIGSTOP) ::sigaction(sig, &dfl, nullptr);  // ignored ones too
  }
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  if (::dup2(plan.stdin_fd, 0) < 0 || ::dup2(plan.stdout_fd, 1) < 0 ||
      ::dup2(plan.stderr_fd, 2) < 0) {
    Fail(plan, kStageSetup);
  }
  if (plan.working_dir != nullptr && ::chdir(plan.working_dir) != 0) Fail(plan, kStageChdir);
  CloseFdsFrom(3, plan.error_fd - 1);  // error_fd is close-on-exec
  CloseFdsFrom(plan.error_fd + 1, plan.max_fd);
  ::execve(plan.program, plan.argv, plan.envp);
  Fail(plan, kStageExec);
}

std::vector<char*> CStrings(const std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (const std::string& s : strings) out.push_back(const_cast<char*>(s.c_str()));
  out.push_back(nullptr);
  return out;
}

struct Spawned {
  pid_t pid = -1;
  Fd stdout_read, stderr_read;
};

Result<Spawned> Spawn(const ProcessOptions& options) {
  if (options.argv.empty() || options.argv[0].empty()) {
    return MakeError(ErrorCode::kInvalidArgument, "no program to run");
  }
  TY_ASSIGN_OR_RETURN(std::string program, ResolveProgram(options));
  Fd devnull(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  if (devnull.get() < 0) {
    return MakeError(ErrorCode::kInternal, std::string("opening /dev/null: ") + std::strerror(errno));
  }
  TY_ASSIGN_OR_RETURN(PipePair out, MakePipe());
  TY_ASSIGN_OR_RETURN(PipePair err, MakePipe());
  TY_ASSIGN_OR_RETURN(PipePair exec_error, MakePipe());

  std::vector<char*> argv = CStrings(options.argv);
  std::vector<char*> envp = CStrings(options.env);
  std::string working_dir = options.working_dir.string();
  long max_fd = ::sysconf(_SC_OPEN_MAX);
  ChildPlan plan{program.c_str(), argv.data(), envp.data(),
                 working_dir.empty() ? nullptr : working_dir.c_str(),
                 devnull.get(), out.write.get(), err.write.get(), exec_error.write.get(),
                 options.parent_death_signal, ::getpid(),
                 static_cast<int>(max_fd > 0 && max_fd < 65536 ? max_fd : 65536)};

  pid_t pid = ::fork();
  if (pid < 0) {
    return MakeError(errno == EAGAIN || errno == ENOMEM ? ErrorCode::kResourceExhausted
                                                        : ErrorCode::kInternal,
                     std::string("fork: ") + std::strerror(errno));
  }
  if (pid == 0) RunChild(plan);

  ::setpgid(pid, pid);  // also done by the child; whichever runs first wins
  out.write.Reset();
  err.write.Reset();
  exec_error.write.Reset();
  int message[2] = {0, 0};
  ssize_t n;
  do {
    n = ::read(exec_error.read.get(), message, sizeof message);
  } while (n < 0 && errno == EINTR);
  if (n == static_cast<ssize_t>(sizeof message)) {  // the child failed before exec
    int status;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
    return ChildError(message[0], message[1], options);
  }
  return Spawned{pid, std::move(out.read), std::move(err.read)};
}

ExitStatus FromWaitStatus(int status) {
  ExitStatus exit;
  if (WIFSIGNALED(status)) {
    exit.signal = WTERMSIG(status);
    exit.exit_code = 128 + *exit.signal;
  } else {
    exit.exit_code = WEXITSTATUS(status);
  }
  return exit;
}

}  // namespace

std::string ExitStatus::ToString() const {
  if (!signal) return "exit code " + std::to_string(exit_code);
  const char* abbrev = ::sigabbrev_np(*signal);
  return "killed by signal " + std::to_string(*signal) +
         (abbrev ? std::string(" (SIG") + abbrev + ")" : std::string());
}

Result<std::unique_ptr<TrainingProcess>> TrainingProcess::Start(const ProcessOptions& options,
                                                                LineSink& sink) {
  std::unique_ptr<TrainingProcess> process(
      new TrainingProcess(sink, options.output_drain_timeout));
  process->supervisor_ = std::thread(&TrainingProcess::Supervise, process.get(), options);
  std::unique_lock lock(process->mu_);
  process->cv_.wait(lock, [&] { return process->started_; });
  if (process->start_error_) {
    Error error = *process->start_error_;
    lock.unlock();
    process->supervisor_.join();
    return error;
  }
  return process;
}

// Runs on its own thread from fork to reaping (see PDEATHSIG in the header).
void TrainingProcess::Supervise(ProcessOptions options) {
  Result<Spawned> spawned = Spawn(options);
  Result<PipePair> wake = spawned.ok() ? MakePipe() : Result<PipePair>(spawned.error());
  if (!wake.ok() && spawned.ok()) {  // cannot supervise it: do not leave it running
    ::kill(-spawned->pid, SIGKILL);
    int status;
    while (::waitpid(spawned->pid, &status, 0) < 0 && errno == EINTR) {}
  }
  {
    std::lock_guard lock(mu_);
    started_ = true;
    if (!wake.ok()) {
      start_error_ = wake.error();
      cv_.notify_all();
      return;
    }
    pid_ = spawned->pid;
    cv_.notify_all();
  }
  std::thread out(&TrainingProcess::ReadStream, this, spawned->stdout_read.get(),
                  wake->read.get(), "stdout");
  std::thread err(&TrainingProcess::ReadStream, this, spawned->stderr_read.get(),
                  wake->read.get(), "stderr");

  siginfo_t info{};
  while (::waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOWAIT) != 0 &&
         errno == EINTR) {}
  {
    // The leader is a zombie: its pid (and so the group id) cannot be reused
    // yet. Kill what is left of the group, then stop signalling it.
    std::lock_guard lock(mu_);
    ::kill(-pid_, SIGKILL);
    reaped_ = true;
    cv_.notify_all();
  }
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {}

  {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, drain_timeout_, [&] { return readers_done_ == 2; });
  }
  char byte = 1;
  ssize_t ignored = ::write(wake->write.get(), &byte, 1);  // stop readers still blocked
  (void)ignored;
  out.join();
  err.join();

  std::lock_guard lock(mu_);
  status_ = FromWaitStatus(status);
  cv_.notify_all();
}

void TrainingProcess::ReadStream(int fd, int wake_fd, const char* stream) {
  LineSplitter splitter([&](std::string line) { sink_.Append(stream, std::move(line)); });
  std::vector<char> buffer(kReadChunk);
  pollfd fds[2] = {{fd, POLLIN, 0}, {wake_fd, POLLIN, 0}};
  while (true) {
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (fds[1].revents != 0) {  // told to stop: take what is there, without blocking
      ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
      size_t drained = 0;
      ssize_t n;
      while (drained < kMaxDrainAfterWake && (n = ::read(fd, buffer.data(), buffer.size())) > 0) {
        splitter.Feed(std::string_view(buffer.data(), static_cast<size_t>(n)));
        drained += static_cast<size_t>(n);
      }
      break;
    }
    if (fds[0].revents != 0) {
      ssize_t n = ::read(fd, buffer.data(), buffer.size());
      if (n > 0) {
        splitter.Feed(std::string_view(buffer.data(), static_cast<size_t>(n)));
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      break;  // EOF: every writer has closed the pipe
    }
  }
  splitter.Finish();
  std::lock_guard lock(mu_);
  ++readers_done_;
  cv_.notify_all();
}

void TrainingProcess::SignalGroupLocked(int sig) {
  if (!reaped_ && pid_ > 0) ::kill(-pid_, sig);
}

void TrainingProcess::Terminate(std::chrono::milliseconds grace) {
  std::lock_guard lock(mu_);
  if (reaped_) return;
  SignalGroupLocked(SIGTERM);
  auto deadline = std::chrono::steady_clock::now() + grace;
  if (!kill_deadline_ || deadline < *kill_deadline_) kill_deadline_ = deadline;
  if (!killer_.joinable()) killer_ = std::thread(&TrainingProcess::KillAfterGrace, this);
  cv_.notify_all();
}

void TrainingProcess::KillAfterGrace() {
  std::unique_lock lock(mu_);
  while (!reaped_) {
    if (std::chrono::steady_clock::now() >= *kill_deadline_) {
      SignalGroupLocked(SIGKILL);
      return;
    }
    cv_.wait_until(lock, *kill_deadline_);
  }
}

void TrainingProcess::Kill() {
  std::lock_guard lock(mu_);
  SignalGroupLocked(SIGKILL);
}

std::optional<ExitStatus> TrainingProcess::Poll() const {
  std::lock_guard lock(mu_);
  return status_;
}

ExitStatus TrainingProcess::Wait() const {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return status_.has_value(); });
  return *status_;
}

std::optional<ExitStatus> TrainingProcess::WaitFor(std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, timeout, [&] { return status_.has_value(); });
  return status_;
}

TrainingProcess::~TrainingProcess() {
  Kill();
  if (supervisor_.joinable()) supervisor_.join();
  if (killer_.joinable()) killer_.join();
}

}  // namespace trainyard
