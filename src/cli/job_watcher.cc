#include "cli/job_watcher.h"

#include <chrono>
#include <cstdio>
#include <thread>

#include "cli/table.h"

namespace trainyard::cli {
namespace {

bool IsTerminalStatus(const std::string& status) {
  return status == "Completed" || status == "Failed" || status == "Stopped";
}

std::string StatusLine(const Json& job, double started) {
  std::string line = GetString(job, "SecondaryStatus");
  double now = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  line += " | " + FormatDuration(static_cast<int64_t>(now - started));
  for (const Json& m : job.value("FinalMetricDataList", Json::array())) {
    char value[32];
    std::snprintf(value, sizeof value, "%.4g", m.value("Value", 0.0));
    line += " | " + GetString(m, "MetricName") + "=" + value;
  }
  return line;
}

}  // namespace

Result<Json> WatchJob(ApiClient& client, const std::string& job_name, const WatchOptions& options) {
  int64_t after_id = 0;
  bool stop_sent = false;
  std::string last_status_line;
  double started = 0;
  while (true) {
    if (options.interrupted && options.interrupted->load() && !stop_sent) {
      std::fprintf(stderr, "\r\033[KStopping %s (SIGTERM to the training processes)...\n", job_name.c_str());
      (void)client.Call("StopTrainingJob", {{"TrainingJobName", job_name}});
      stop_sent = true;
    }
    Json request = {{"TrainingJobName", job_name}, {"AfterId", after_id}, {"Limit", 5000}};
    if (!options.instance.empty()) request["InstanceName"] = options.instance;
    TY_ASSIGN_OR_RETURN(Json page, client.Call("Trainyard.GetTrainingJobLogs", request));
    const Json& lines = page["Lines"];
    if (!lines.empty() && options.status_line) std::fprintf(stderr, "\r\033[K");
    for (const Json& line : lines) {
      std::printf("[%s] %s\n", GetString(line, "Instance").c_str(), GetString(line, "Text").c_str());
    }
    std::fflush(stdout);
    after_id = GetInt(page, "LastId").value_or(after_id);
    bool done = IsTerminalStatus(GetString(page, "TrainingJobStatus"));
    if (!lines.empty() && lines.size() >= 5000) continue;  // more waiting: read on before sleeping
    if (options.status_line || done || !options.follow) {
      TY_ASSIGN_OR_RETURN(Json job, client.Call("DescribeTrainingJob", {{"TrainingJobName", job_name}}));
      if (started == 0) started = job.value("CreationTime", 0.0);
      if (options.status_line && !done) {
        std::string line = StatusLine(job, started);
        std::fprintf(stderr, "\r\033[K%s", line.c_str());
        std::fflush(stderr);
      }
      if (done || !options.follow) {
        if (options.status_line) std::fprintf(stderr, "\r\033[K");
        return job;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(options.poll_interval_ms));
  }
}

}  // namespace trainyard::cli
