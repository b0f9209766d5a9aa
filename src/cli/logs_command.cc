// `trainyard logs JOB [--instance algo-2] [--follow]`
#include <unistd.h>

#include <memory>

#include "cli/client_command.h"
#include "cli/job_watcher.h"

namespace trainyard::cli {

void AddLogsCommand(CLI::App& app, ClientFlags& flags, int* exit_code) {
  struct LogsFlags {
    std::string job, instance;
    bool follow = false;
  };
  auto logs = std::make_shared<LogsFlags>();
  CLI::App* cmd = app.add_subcommand("logs", "Print a training job's output, every instance prefixed by its host");
  AddClientFlags(*cmd, flags);
  cmd->add_option("job", logs->job, "Training job name")->required();
  cmd->add_option("--instance", logs->instance, "Only this instance (algo-1, algo-2, ...)");
  cmd->add_flag("-f,--follow", logs->follow, "Keep printing new lines until the job ends");
  cmd->callback([&flags, logs, exit_code] {
    *exit_code = WithClient(flags, [&](ApiClient& client) -> Status {
      WatchOptions options;
      options.instance = logs->instance;
      options.follow = logs->follow;
      options.poll_interval_ms = 500;
      TY_RETURN_IF_ERROR(WatchJob(client, logs->job, options));
      return Ok();
    });
  });
}

}  // namespace trainyard::cli
