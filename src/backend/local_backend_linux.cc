#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>

#include "backend/local_backend.h"

extern char** environ;

namespace trainyard {
namespace {

// Session id of `pid` from /proc/<pid>/stat, or -1.
pid_t SessionOf(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat;
  if (!std::getline(in, stat)) return -1;
  size_t close = stat.rfind(')');  // the command name may hold spaces and parentheses
  if (close == std::string::npos) return -1;
  // After ")": state ppid pgrp session ...
  char state;
  int ppid, pgrp, session;
  if (std::sscanf(stat.c_str() + close + 1, " %c %d %d %d", &state, &ppid, &pgrp, &session) != 4) return -1;
  return session;
}

// SIGKILLs every process of session `sid`: the agent, its training process
// (which runs in a process group of its own) and their descendants.
void KillSession(pid_t sid) {
  for (int round = 0; round < 3; ++round) {
    DIR* proc = opendir("/proc");
    if (!proc) return;
    bool found = false;
    while (dirent* entry = readdir(proc)) {
      char* end = nullptr;
      long pid = std::strtol(entry->d_name, &end, 10);
      if (*end != '\0' || pid <= 0) continue;
      if (SessionOf(static_cast<pid_t>(pid)) == sid) {
        kill(static_cast<pid_t>(pid), SIGKILL);
        found = true;
      }
    }
    closedir(proc);
    if (!found) return;
  }
}

class LocalInstance : public Instance {
 public:
  LocalInstance(std::string host, pid_t pid, bool is_child)
      : host_(std::move(host)), pid_(pid), is_child_(is_child) {}
  ~LocalInstance() override {
    if (is_child_ && !exit_status_) Poll();  // reap if it already ended
  }

  const std::string& host() const override { return host_; }
  std::string Describe() const override { return "pid " + std::to_string(pid_); }

  std::optional<int> Poll() override {
    if (exit_status_) return exit_status_;
    if (is_child_) {
      int status = 0;
      pid_t r = waitpid(pid_, &status, WNOHANG);
      if (r == pid_) {
        exit_status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      } else if (r < 0) {
        exit_status_ = 255;
      }
    } else if (kill(pid_, 0) != 0 || SessionOf(pid_) != pid_) {
      exit_status_ = 255;  // an adopted agent: we only know that it is gone
    }
    return exit_status_;
  }

  void Kill() override {
    if (Poll()) {
      KillSession(pid_);  // leftovers of a dead agent
      return;
    }
    KillSession(pid_);
    if (is_child_) {
      int status = 0;
      if (waitpid(pid_, &status, 0) == pid_) {
        exit_status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
    } else {
      exit_status_ = 128 + SIGKILL;
    }
  }

 private:
  std::string host_;
  pid_t pid_;
  bool is_child_;
  std::optional<int> exit_status_;
};

std::string HostsFile(const std::vector<std::string>& hosts) {
  std::string out = "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n";
  for (const std::string& h : hosts) out += "127.0.0.1\t" + h + "\n";
  return out;
}

}  // namespace

LocalBackend::LocalBackend(LocalBackendOptions options)
    : options_(std::move(options)), isolate_(options_.use_namespaces && geteuid() == 0) {}

Result<std::unique_ptr<Instance>> LocalBackend::Launch(const InstanceLaunch& launch) {
  namespace fs = std::filesystem;
  std::error_code ec;
  std::string ml_dir = launch.instance_dir + "/ml";
  fs::create_directories(ml_dir, ec);
  if (isolate_) fs::create_directories("/opt/ml", ec);
  if (ec) return MakeError(ErrorCode::kUnavailable, "creating " + ml_dir + ": " + ec.message());
  std::string hosts_path = launch.instance_dir + "/hosts";
  {
    std::ofstream hosts(hosts_path, std::ios::trunc);
    hosts << HostsFile(launch.hosts);
    if (!hosts) return MakeError(ErrorCode::kUnavailable, "writing " + hosts_path);
  }
  std::string log_path = (options_.log_dir.empty() ? launch.instance_dir : options_.log_dir) +
                         "/" + launch.job_name + "-" + launch.host + ".agent.log";

  // Everything the child needs is built before fork: after it, only syscalls.
  std::vector<std::string> args = {options_.agent_binary, "agent",
                                   "--server", launch.server_url,
                                   "--job", launch.job_name,
                                   "--host", launch.host,
                                   "--ml-root", isolate_ ? "/opt/ml" : ml_dir};
  if (isolate_) args.push_back("--hosts-resolve");
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<std::string> env_strings;
  for (char** e = environ; *e; ++e) {
    std::string_view entry(*e);
    std::string_view name = entry.substr(0, entry.find('='));
    if (name == "TRAINYARD_AGENT_TOKEN" || name == "TRAINYARD_INSTANCE_ID" ||
        options_.environment.count(std::string(name))) {
      continue;
    }
    env_strings.emplace_back(entry);
  }
  for (const auto& [name, value] : options_.environment) env_strings.push_back(name + "=" + value);
  env_strings.push_back("TRAINYARD_AGENT_TOKEN=" + launch.token);  // not on the command line
  if (!launch.instance_id.empty()) env_strings.push_back("TRAINYARD_INSTANCE_ID=" + launch.instance_id);
  std::vector<char*> envp;
  for (std::string& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);
  std::string hostname = launch.host;
  bool isolate = isolate_;

  pid_t pid = fork();
  if (pid < 0) return MakeError(ErrorCode::kUnavailable, std::string("fork: ") + std::strerror(errno));
  if (pid == 0) {
    setsid();
    int log = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    int null = open("/dev/null", O_RDONLY);
    if (null >= 0) dup2(null, STDIN_FILENO);
    if (log >= 0) {
      dup2(log, STDOUT_FILENO);
      dup2(log, STDERR_FILENO);
    }
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);  // the server blocks SIGTERM/SIGINT; agents must not
    if (isolate) {
      if (unshare(CLONE_NEWNS | CLONE_NEWUTS) != 0 ||
          mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0 ||
          mount(ml_dir.c_str(), "/opt/ml", nullptr, MS_BIND, nullptr) != 0 ||
          mount(hosts_path.c_str(), "/etc/hosts", nullptr, MS_BIND, nullptr) != 0 ||
          sethostname(hostname.c_str(), hostname.size()) != 0) {
        const char msg[] = "trainyard: cannot set up the instance namespace\n";
        (void)!write(STDERR_FILENO, msg, sizeof msg - 1);
        _exit(126);
      }
    }
    execve(argv[0], argv.data(), envp.data());
    const char msg[] = "trainyard: cannot exec the agent\n";
    (void)!write(STDERR_FILENO, msg, sizeof msg - 1);
    _exit(127);
  }
  return std::unique_ptr<Instance>(new LocalInstance(launch.host, pid, /*is_child=*/true));
}

std::unique_ptr<Instance> LocalBackend::Adopt(const std::string& description, const std::string& host) {
  if (description.rfind("pid ", 0) != 0) return nullptr;
  pid_t pid = static_cast<pid_t>(std::strtol(description.c_str() + 4, nullptr, 10));
  if (pid <= 0 || SessionOf(pid) != pid) return nullptr;
  return std::unique_ptr<Instance>(new LocalInstance(host, pid, /*is_child=*/false));
}

}  // namespace trainyard
