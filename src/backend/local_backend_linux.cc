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

#include "backend/hosts_file.h"
#include "backend/instance_description.h"
#include "backend/local_backend.h"
#include "common/log.h"

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
  // `bridge` (may be null) detaches `network` when the instance is killed.
  LocalInstance(std::string host, pid_t pid, bool is_child, std::optional<NetworkAttachment> network,
                BridgeNetwork* bridge)
      : host_(std::move(host)), pid_(pid), is_child_(is_child), network_(std::move(network)), bridge_(bridge) {}
  ~LocalInstance() override {
    // A live agent stays (the next server adopts it); a dead one's namespace goes.
    if (Poll()) DetachNetwork();
  }

  const std::string& host() const override { return host_; }
  std::string Describe() const override { return FormatInstanceDescription({pid_, network_}); }
  std::string Address() const override { return network_ ? network_->address : ""; }
  std::string NetworkLink() const override { return network_ ? network_->link : ""; }

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
      DetachNetwork();
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
    DetachNetwork();
  }

 private:
  void DetachNetwork() {
    if (!network_ || !bridge_ || detached_) return;
    detached_ = true;
    if (Status s = bridge_->Detach(*network_); !s.ok()) LogWarning("instance " + host_ + ": " + s.error().ToString());
  }

  std::string host_;
  pid_t pid_;
  bool is_child_;
  std::optional<NetworkAttachment> network_;
  BridgeNetwork* bridge_;
  bool detached_ = false;
  std::optional<int> exit_status_;
};

// Everything the agent's child process needs, built before fork: after it,
// only syscalls.
struct ChildPlan {
  std::vector<std::string> args;
  std::vector<std::string> env;  // "NAME=value"
  std::string log_path;
  bool isolate = false;          // mount and UTS namespaces
  std::string ml_dir, hosts_path, hostname;
  int netns_fd = -1;             // enter this network namespace first (-1: stay)
  int max_fd = 1024;             // descriptors below it are closed where close_range is missing
};

// Only stdin, stdout and stderr reach the agent. Without this it would hold
// whatever the server had open without O_CLOEXEC when it forked (httplib's
// accepted connections among them): after the server dies, another agent's
// keep-alive connection would then stay open, unread, until it times out.
void CloseInheritedDescriptors(int max_fd) {
  if (close_range(3, ~0U, 0) == 0) return;
  for (int fd = 3; fd < max_fd; ++fd) close(fd);
}

[[noreturn]] void Fail(const char* message, int code) {
  (void)!write(STDERR_FILENO, message, std::strlen(message));
  _exit(code);
}

// In the forked child: sets up the namespaces and execs the agent.
[[noreturn]] void RunChild(const ChildPlan& plan, char* const* argv, char* const* envp) {
  setsid();
  int log = open(plan.log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  int null = open("/dev/null", O_RDONLY);
  if (null >= 0) dup2(null, STDIN_FILENO);
  if (log >= 0) {
    dup2(log, STDOUT_FILENO);
    dup2(log, STDERR_FILENO);
  }
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);  // the server blocks SIGTERM/SIGINT; agents must not
  // The network namespace before the mount namespace: its file lives in
  // the host's mount table (opened before fork all the same).
  if (plan.netns_fd >= 0 && setns(plan.netns_fd, CLONE_NEWNET) != 0) {
    Fail("trainyard: cannot enter the instance's network namespace\n", 126);
  }
  if (plan.isolate) {
    if (unshare(CLONE_NEWNS | CLONE_NEWUTS) != 0 ||
        mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0 ||
        mount(plan.ml_dir.c_str(), "/opt/ml", nullptr, MS_BIND, nullptr) != 0 ||
        mount(plan.hosts_path.c_str(), "/etc/hosts", nullptr, MS_BIND, nullptr) != 0 ||
        sethostname(plan.hostname.c_str(), plan.hostname.size()) != 0) {
      Fail("trainyard: cannot set up the instance namespace\n", 126);
    }
    // Our copy of the other instances' namespace files would keep those
    // namespaces alive after Kill deletes them; an instance needs none.
    if (plan.netns_fd >= 0) umount2("/var/run/netns", MNT_DETACH);
  }
  CloseInheritedDescriptors(plan.max_fd);
  execve(argv[0], argv, envp);
  Fail("trainyard: cannot exec the agent\n", 127);
}

std::vector<std::string> AgentEnvironment(const LocalBackendOptions& options, const InstanceLaunch& launch) {
  std::vector<std::string> env;
  for (char** e = environ; *e; ++e) {
    std::string_view entry(*e);
    std::string_view name = entry.substr(0, entry.find('='));
    if (name == "TRAINYARD_AGENT_TOKEN" || name == "TRAINYARD_INSTANCE_ID" ||
        options.environment.count(std::string(name))) {
      continue;
    }
    env.emplace_back(entry);
  }
  for (const auto& [name, value] : options.environment) env.push_back(name + "=" + value);
  env.push_back("TRAINYARD_AGENT_TOKEN=" + launch.token);  // not on the command line
  if (!launch.instance_id.empty()) env.push_back("TRAINYARD_INSTANCE_ID=" + launch.instance_id);
  return env;
}

// Writes the instance's files and forks its agent (in `network` when set).
Result<pid_t> StartAgent(const LocalBackendOptions& options, bool isolate, const InstanceLaunch& launch,
                         const NetworkAttachment* network, const std::string& server_url) {
  namespace fs = std::filesystem;
  std::error_code ec;
  ChildPlan plan;
  plan.isolate = isolate;
  plan.ml_dir = launch.instance_dir + "/ml";
  fs::create_directories(plan.ml_dir, ec);
  if (isolate) fs::create_directories("/opt/ml", ec);
  if (ec) return MakeError(ErrorCode::kUnavailable, "creating " + plan.ml_dir + ": " + ec.message());
  plan.hosts_path = launch.instance_dir + "/hosts";
  {
    std::ofstream hosts(plan.hosts_path, std::ios::trunc);
    hosts << HostsFile(launch.hosts, network ? network->hosts : std::map<std::string, std::string>{});
    if (!hosts) return MakeError(ErrorCode::kUnavailable, "writing " + plan.hosts_path);
  }
  plan.log_path = (options.log_dir.empty() ? launch.instance_dir : options.log_dir) + "/" + launch.job_name +
                  "-" + launch.host + ".agent.log";
  plan.hostname = launch.host;
  plan.args = {options.agent_binary, "agent", "--server", server_url, "--job", launch.job_name,
               "--host", launch.host, "--ml-root", isolate ? "/opt/ml" : plan.ml_dir};
  if (isolate) plan.args.push_back("--hosts-resolve");
  plan.env = AgentEnvironment(options, launch);
  std::vector<char*> argv, envp;
  for (std::string& a : plan.args) argv.push_back(a.data());
  argv.push_back(nullptr);
  for (std::string& e : plan.env) envp.push_back(e.data());
  envp.push_back(nullptr);
  if (network) {
    plan.netns_fd = open(NetnsPath(network->netns).c_str(), O_RDONLY | O_CLOEXEC);
    if (plan.netns_fd < 0) {
      return MakeError(ErrorCode::kUnavailable, "opening " + NetnsPath(network->netns) + ": " + std::strerror(errno));
    }
  }
  long open_max = sysconf(_SC_OPEN_MAX);
  plan.max_fd = open_max > 0 && open_max < 65536 ? static_cast<int>(open_max) : 65536;
  pid_t pid = fork();
  if (pid == 0) RunChild(plan, argv.data(), envp.data());
  int fork_errno = errno;
  if (plan.netns_fd >= 0) close(plan.netns_fd);
  if (pid < 0) return MakeError(ErrorCode::kUnavailable, std::string("fork: ") + std::strerror(fork_errno));
  return pid;
}

}  // namespace

LocalBackend::LocalBackend(LocalBackendOptions options, bool isolate, std::unique_ptr<BridgeNetwork> bridge)
    : options_(std::move(options)), isolate_(isolate), bridge_(std::move(bridge)) {}

LocalBackend::~LocalBackend() = default;

Result<std::unique_ptr<LocalBackend>> LocalBackend::Create(LocalBackendOptions options, LocalBackendDeps deps) {
  bool isolate = options.use_namespaces && geteuid() == 0;
  std::unique_ptr<BridgeNetwork> bridge;
  if (options.network == InstanceNetwork::kBridge) {
    if (geteuid() != 0) {
      return MakeError(ErrorCode::kFailedPrecondition,
                       "the bridge instance network needs root (network namespaces, a bridge, veth pairs)");
    }
    if (!isolate) {
      return MakeError(ErrorCode::kFailedPrecondition,
                       "the bridge instance network needs the instances' namespaces, which are turned off");
    }
    if (!deps.network_control || !deps.ids) {
      return MakeError(ErrorCode::kFailedPrecondition, "the bridge instance network needs a NetworkControl");
    }
    TY_ASSIGN_OR_RETURN(bridge, BridgeNetwork::Create(options.bridge, *deps.network_control, *deps.ids));
  }
  return std::unique_ptr<LocalBackend>(new LocalBackend(std::move(options), isolate, std::move(bridge)));
}

std::string LocalBackend::bridge_address() const { return bridge_ ? bridge_->gateway() : ""; }

Result<std::unique_ptr<Instance>> LocalBackend::Launch(const InstanceLaunch& launch) {
  if (!bridge_) {
    TY_ASSIGN_OR_RETURN(pid_t pid, StartAgent(options_, isolate_, launch, nullptr, launch.server_url));
    return std::unique_ptr<Instance>(new LocalInstance(launch.host, pid, /*is_child=*/true, std::nullopt, nullptr));
  }
  TY_ASSIGN_OR_RETURN(NetworkAttachment network, bridge_->Attach(launch.job_name, launch.host, launch.hosts));
  Result<pid_t> pid =
      StartAgent(options_, isolate_, launch, &network, ReplaceUrlHost(launch.server_url, bridge_->gateway()));
  if (!pid.ok()) {
    if (Status s = bridge_->Detach(network); !s.ok()) LogWarning(s.error().ToString());
    return pid.error();
  }
  return std::unique_ptr<Instance>(
      new LocalInstance(launch.host, *pid, /*is_child=*/true, std::move(network), bridge_.get()));
}

std::unique_ptr<Instance> LocalBackend::Adopt(const std::string& description, const std::string& host) {
  std::optional<InstanceDescription> parsed = ParseInstanceDescription(description);
  if (!parsed) return nullptr;
  pid_t pid = static_cast<pid_t>(parsed->pid);
  bool alive = SessionOf(pid) == pid;
  std::optional<NetworkAttachment> network = parsed->network;
  BridgeNetwork* detach_with = bridge_.get();  // null: Kill leaves the namespace as it is
  if (network) {
    network->host = host;
    if (!bridge_) {
      LogWarning("instance " + host + " (" + description +
                 "): this server has no bridge network; its namespace stays as it is");
    } else if (!alive) {
      bridge_->RemoveLeftover(*network);
    } else if (Status s = bridge_->Adopt(*network); !s.ok()) {
      LogWarning("instance " + host + ": " + s.error().ToString() + "; its namespace stays as it is");
      detach_with = nullptr;  // it holds no address here to give back
    }
  }
  if (!alive) return nullptr;
  return std::unique_ptr<Instance>(new LocalInstance(host, pid, /*is_child=*/false, std::move(network), detach_with));
}

}  // namespace trainyard
