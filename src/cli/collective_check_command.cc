// `trainyard-agent collective-check`: one instance's collective check, run
// by its agent in a child process (agent/collective_check_child.h). Hidden:
// not for people. The job's token comes in TRAINYARD_AGENT_TOKEN.
#include <memory>
#include <optional>

#include "agent/collective_check_child.h"
#include "cli/commands.h"

namespace trainyard::cli {
namespace {

struct CollectiveCheckFlags {
  std::string server, job, host, options;
};

int RunCollectiveCheck(const CollectiveCheckFlags& flags) {
  std::optional<std::string> token = AgentTokenFromEnvironment("collective-check");
  if (!token) return 2;
  return CollectiveCheckChildMain(
      {.server_url = flags.server, .job_name = flags.job, .host = flags.host, .token = *token}, flags.options);
}

}  // namespace

void AddCollectiveCheckCommand(CLI::App& app, int* exit_code) {
  auto flags = std::make_shared<CollectiveCheckFlags>();
  CLI::App* cmd = app.add_subcommand("collective-check", "One instance's collective check (run by its agent)");
  cmd->group("");  // internal: hidden from --help
  cmd->add_option("--server", flags->server, "Server URL")->required();
  cmd->add_option("--job", flags->job, "Training job name")->required();
  cmd->add_option("--host", flags->host, "This instance's host name (algo-k)")->required();
  cmd->add_option("--options", flags->options, "The check's options as JSON")->required();
  cmd->callback([flags, exit_code] { *exit_code = RunCollectiveCheck(*flags); });
}

}  // namespace trainyard::cli
