// JobWatcher: follows a training job through the API the way a person
// watching it would: prints every instance's new log lines prefixed with the
// host, and (on a terminal) keeps a live status line with the secondary
// status, the elapsed time and the latest metrics.
#pragma once

#include <atomic>
#include <string>

#include "cli/api_client.h"

namespace trainyard::cli {

struct WatchOptions {
  std::string instance;        // only this host's lines; empty for all
  bool follow = true;          // keep polling until the job ends
  bool status_line = false;    // draw the live status line (stderr is a terminal)
  int poll_interval_ms = 200;
  const std::atomic<bool>* interrupted = nullptr;  // set by a signal handler: stop the job once
};

// Returns the final DescribeTrainingJob response (when following) or the
// current one.
Result<Json> WatchJob(ApiClient& client, const std::string& job_name, const WatchOptions& options);

}  // namespace trainyard::cli
