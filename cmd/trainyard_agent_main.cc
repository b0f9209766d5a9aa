// trainyard-agent: the instance agent alone (`trainyard-agent agent ...`, the
// same command line as `trainyard agent`), linked without the server's and
// the CLI client's libraries so each instance costs less memory and start-up.
#include <malloc.h>

#include <CLI/CLI.hpp>

#include "cli/commands.h"

int main(int argc, char** argv) {
  // One malloc arena for all threads: the agent allocates little, and each
  // thread's own arena would keep pages of its own resident.
  mallopt(M_ARENA_MAX, 1);
  CLI::App app{"trainyard-agent: one instance's agent (started by the server)"};
  app.require_subcommand(1);
  int exit_code = 0;
  trainyard::cli::AddAgentCommand(app, &exit_code);
  trainyard::cli::AddCollectiveCheckCommand(app, &exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  return exit_code;
}
