#include "cli/main.h"

#include <curl/curl.h>

#include "cli/commands.h"

namespace trainyard::cli {

int Main(int argc, char** argv) {
  curl_global_init(CURL_GLOBAL_DEFAULT);
  CLI::App app{"trainyard: self-hosted training jobs with the SageMaker API"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "trainyard 0.1.0");
  int exit_code = 0;
  ClientFlags flags;
  AddServerCommand(app, &exit_code);
  AddJobsCommand(app, flags, &exit_code);
  AddTagsCommand(app, flags, &exit_code);
  AddLogsCommand(app, flags, &exit_code);
  AddRunCommand(app, &exit_code);
  AddCheckpointsCommand(app, flags, &exit_code);
  AddAgentCommand(app, &exit_code);
  AddCollectiveCheckCommand(app, &exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  curl_global_cleanup();
  return exit_code;
}

}  // namespace trainyard::cli
