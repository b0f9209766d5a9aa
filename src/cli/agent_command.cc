// `trainyard agent`: one instance's agent, started by an instance backend.
#include <cstdio>
#include <memory>

#include "cli/commands.h"

namespace trainyard::cli {

void AddAgentCommand(CLI::App& app, int* exit_code) {
  CLI::App* cmd = app.add_subcommand("agent", "Run one instance's agent (started by the server)");
  cmd->group("");  // internal: hidden from --help
  cmd->allow_extras();
  cmd->callback([exit_code] {
    std::fprintf(stderr, "trainyard agent: not built yet\n");
    *exit_code = 2;
  });
}

}  // namespace trainyard::cli
