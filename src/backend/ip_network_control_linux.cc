#include "backend/ip_network_control.h"

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/strings.h"

namespace trainyard {
namespace {

constexpr size_t kMaxOutputBytes = 1 << 20;  // `ip` writes far less; a bound all the same

std::string CommandLine(const std::vector<std::string>& args) {
  std::string line = "ip";
  for (const std::string& a : args) line += " " + a;
  return line;
}

// Reads both pipes until both close (poll, so neither can fill and block
// `ip`). Closes the descriptors.
void ReadBoth(int out_fd, int err_fd, std::string& out, std::string& err) {
  pollfd fds[2] = {{out_fd, POLLIN, 0}, {err_fd, POLLIN, 0}};
  std::string* sinks[2] = {&out, &err};
  int open_count = 2;
  char buf[4096];
  while (open_count > 0) {
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      ssize_t n = read(fds[i].fd, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        close(fds[i].fd);
        fds[i].fd = -1;
        --open_count;
        continue;
      }
      if (sinks[i]->size() < kMaxOutputBytes) sinks[i]->append(buf, static_cast<size_t>(n));
    }
  }
  for (pollfd& p : fds) {
    if (p.fd >= 0) close(p.fd);
  }
}

}  // namespace

Result<std::unique_ptr<IpNetworkControl>> IpNetworkControl::Create() {
  for (const char* path : {"/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"}) {
    if (access(path, X_OK) == 0) return std::unique_ptr<IpNetworkControl>(new IpNetworkControl(path));
  }
  return MakeError(ErrorCode::kFailedPrecondition,
                   "iproute2's ip is not installed (looked in /usr/sbin, /sbin, /usr/bin, /bin)");
}

Result<std::string> IpNetworkControl::Ip(const std::vector<std::string>& args) {
  std::string command = CommandLine(args);
  int out_pipe[2], err_pipe[2];
  if (pipe2(out_pipe, O_CLOEXEC) != 0) {
    return MakeError(ErrorCode::kUnavailable, command + ": pipe: " + std::strerror(errno));
  }
  if (pipe2(err_pipe, O_CLOEXEC) != 0) {
    int saved = errno;
    close(out_pipe[0]);
    close(out_pipe[1]);
    return MakeError(ErrorCode::kUnavailable, command + ": pipe: " + std::strerror(saved));
  }
  std::vector<std::string> argv_strings = {binary_};
  argv_strings.insert(argv_strings.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& a : argv_strings) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::string path_var = "PATH=/usr/sbin:/usr/bin:/sbin:/bin", locale_var = "LC_ALL=C";
  char* envp[] = {path_var.data(), locale_var.data(), nullptr};

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, err_pipe[1], STDERR_FILENO);
  pid_t pid = -1;
  int spawned = posix_spawn(&pid, binary_.c_str(), &actions, nullptr, argv.data(), envp);
  posix_spawn_file_actions_destroy(&actions);
  close(out_pipe[1]);
  close(err_pipe[1]);
  if (spawned != 0) {
    close(out_pipe[0]);
    close(err_pipe[0]);
    return MakeError(ErrorCode::kUnavailable, command + ": cannot run " + binary_ + ": " + std::strerror(spawned));
  }
  std::string out, err;
  ReadBoth(out_pipe[0], err_pipe[0], out, err);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return MakeError(ErrorCode::kUnavailable, command + ": waitpid: " + std::strerror(errno));
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return out;
  std::string why(Trim(err));
  if (why.empty()) {
    why = WIFEXITED(status) ? "exit status " + std::to_string(WEXITSTATUS(status))
                            : "killed by signal " + std::to_string(WTERMSIG(status));
  }
  return MakeError(ErrorCode::kUnavailable, command + ": " + why);
}

}  // namespace trainyard
