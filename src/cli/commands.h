// The subcommands of the trainyard CLI, one file each. Each Add* function
// attaches a subcommand to the CLI11 app; its callback runs the command and
// sets *exit_code.
#pragma once

#include <CLI/CLI.hpp>
#include <optional>
#include <string>

namespace trainyard::cli {

// Flags shared by every command that talks to a server.
struct ClientFlags {
  std::string endpoint_url;
  std::string region;
  std::string profile;
  bool json = false;
};

void AddServerCommand(CLI::App& app, int* exit_code);
void AddJobsCommand(CLI::App& app, ClientFlags& flags, int* exit_code);
void AddTagsCommand(CLI::App& app, ClientFlags& flags, int* exit_code);
void AddLogsCommand(CLI::App& app, ClientFlags& flags, int* exit_code);
void AddRunCommand(CLI::App& app, int* exit_code);
void AddCheckpointsCommand(CLI::App& app, ClientFlags& flags, int* exit_code);
void AddAgentCommand(CLI::App& app, int* exit_code);
void AddCollectiveCheckCommand(CLI::App& app, int* exit_code);  // the agent's child

// The job's token from TRAINYARD_AGENT_TOKEN (how a backend hands it to an
// agent, and an agent to its collective check: never on a command line);
// nullopt, said on stderr as `command`'s complaint, when it is unset.
std::optional<std::string> AgentTokenFromEnvironment(const char* command);

}  // namespace trainyard::cli
