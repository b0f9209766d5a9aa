// `trainyard agent`: one instance's agent, started by an instance backend.
// The job's token comes in TRAINYARD_AGENT_TOKEN (not on the command line,
// where other users could read it).
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <thread>
#include <unistd.h>
#include <vector>

#include "agent/agent_modules.h"
#include "agent/agent_runner.h"
#include "agent/http_agent_transport.h"
#include "agent/node_instance_health.h"
#include "cli/commands.h"
#include "common/current_executable.h"
#include "common/log.h"

namespace trainyard::cli {
namespace {

struct AgentFlags {
  std::string server, job, host, ml_root = "/opt/ml";
  bool hosts_resolve = false;
};

// This program, started again for the collective check.
std::string SelfExecutable() {
  std::string self = CurrentExecutablePath();
  return self.empty() ? std::string("/proc/self/exe") : self;
}

std::vector<std::string> CurrentEnvironment() {
  std::vector<std::string> env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) env.emplace_back(*e);
  return env;
}

int RunAgent(const AgentFlags& flags) {
  std::optional<std::string> agent_token = AgentTokenFromEnvironment("trainyard agent");
  if (!agent_token) return 2;
  const std::string token = *agent_token;
  Result<std::unique_ptr<HttpAgentTransport>> transport =
      HttpAgentTransport::Create({.server_url = flags.server, .job_name = flags.job, .host = flags.host,
                                  .token = token});
  if (!transport.ok()) {
    std::fprintf(stderr, "trainyard agent: %s\n", transport.error().message.c_str());
    return 2;
  }
  SystemClock clock;
  unsetenv("TRAINYARD_AGENT_TOKEN");  // the training program must not see it
  NodeInstanceHealth health(clock, {.server_url = flags.server, .token = token,
                                    .hosts_resolve = flags.hosts_resolve,
                                    .check_executable = SelfExecutable(),
                                    .check_environment = CurrentEnvironment()});
  // S3, archives and Gloo come from modules loaded on first use: an idle
  // agent maps none of their libraries.
  ModuleObjectStoreOpener opener(S3OptionsFromEnvironment(ProcessEnvironment()));
  RealSleeper sleeper;
  AgentRunnerOptions options;
  options.ml_root = flags.ml_root;
  // With its own /etc/hosts, an instance reaches the master by name, as on SageMaker.
  options.environment.master_addr = flags.hosts_resolve ? "algo-1" : "127.0.0.1";
  options.environment.num_cpus = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  options.environment.inherited = InheritedEnvironment();
  AgentRunner runner(AgentRunnerDeps{**transport, opener, clock, sleeper, &health}, options);
  Status status = runner.Run();
  if (!status.ok()) {
    LogError("agent " + flags.job + "/" + flags.host + ": " + status.error().ToString());
    return 1;
  }
  return 0;
}

}  // namespace

std::optional<std::string> AgentTokenFromEnvironment(const char* command) {
  const char* token = std::getenv("TRAINYARD_AGENT_TOKEN");
  if (token && *token) return std::string(token);
  std::fprintf(stderr, "%s: TRAINYARD_AGENT_TOKEN is not set\n", command);
  return std::nullopt;
}

void AddAgentCommand(CLI::App& app, int* exit_code) {
  auto flags = std::make_shared<AgentFlags>();
  CLI::App* cmd = app.add_subcommand("agent", "Run one instance's agent (started by the server)");
  cmd->group("");  // internal: hidden from --help
  cmd->add_option("--server", flags->server, "Server URL")->required();
  cmd->add_option("--job", flags->job, "Training job name")->required();
  cmd->add_option("--host", flags->host, "This instance's host name (algo-k)")->required();
  cmd->add_option("--ml-root", flags->ml_root, "This instance's /opt/ml")->capture_default_str();
  cmd->add_flag("--hosts-resolve", flags->hosts_resolve, "algo-1..N resolve in this instance");
  cmd->callback([flags, exit_code] { *exit_code = RunAgent(*flags); });
}

}  // namespace trainyard::cli
