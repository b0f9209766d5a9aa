#include "cli/execution_tables.h"

#include <cstdio>

#include "cli/progress_bar.h"
#include "cli/table.h"

namespace trainyard::cli {
namespace {

double Seconds(const Json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_number() ? it->get<double>() : 0;
}

std::string Millis(const Json& j, const char* key) {
  auto ms = GetInt(j, key);
  if (!ms) return "-";
  char text[32];
  std::snprintf(text, sizeof text, "%.2f s", static_cast<double>(*ms) / 1000);
  return text;
}

std::string Joined(const Json& list) {
  std::string out;
  for (const Json& item : list) {
    if (item.is_string()) out += (out.empty() ? "" : ", ") + item.get<std::string>();
  }
  return out.empty() ? "-" : out;
}

// "healthy (preflight)", "unhealthy (periodic): program check.sh: exited 1".
std::string HealthText(const Json& round) {
  std::string when = GetString(round, "When");
  std::string bad, errors;
  for (const Json& o : round.value("Outcomes", Json::array())) {
    std::string state = GetString(o, "State");
    std::string line = GetString(o, "Check") + ": " + GetString(o, "Detail");
    if (state == "unhealthy") bad += (bad.empty() ? "" : "; ") + line;
    if (state == "error") errors += (errors.empty() ? "" : "; ") + line;
  }
  if (!bad.empty()) return "unhealthy (" + when + "): " + bad;
  if (!errors.empty()) return "healthy (" + when + "), could not run: " + errors;
  return "healthy (" + when + ")";
}

std::string CollectiveText(const Json& result) {
  if (!result.is_object()) return "-";
  if (!result.value("Ok", false)) return "failed: " + GetString(result, "Error");
  char text[64];
  std::snprintf(text, sizeof text, "ok, %.0f MB/s", result.value("AlgbwBytesPerS", 0.0) / 1e6);
  return text;
}

}  // namespace

void PrintInstances(const Json& execution) {
  std::vector<std::vector<std::string>> rows;
  for (const Json& i : execution.value("Instances", Json::array())) {
    std::string address = GetString(i, "Address");
    rows.push_back({GetString(i, "InstanceName"), GetString(i, "InstanceId"), address.empty() ? "-" : address,
                    FormatTime(Seconds(i, "LaunchTime")),
                    i.contains("Health") ? HealthText(i["Health"]) : "-",
                    i.contains("Collective") ? CollectiveText(i["Collective"]) : "-",
                    i.contains("LostReason") ? "lost: " + GetString(i, "LostReason") : ""});
  }
  if (rows.empty()) return;
  std::printf("\nInstances (attempt %lld):\n%s", static_cast<long long>(GetInt(execution, "Attempt").value_or(1)),
              RenderTable({"INSTANCE", "ID", "ADDRESS", "LAUNCHED", "HEALTH", "COLLECTIVE CHECK", ""}, rows).c_str());
}

void PrintRestarts(const Json& execution, int64_t billable_seconds) {
  const Json& restarts = execution.value("Restarts", Json::array());
  if (restarts.empty()) return;
  std::vector<std::vector<std::string>> rows;
  for (const Json& r : restarts) {
    rows.push_back({std::to_string(GetInt(r, "Attempt").value_or(0) - 1), FormatTime(Seconds(r, "FaultTime")),
                    GetString(r, "Cause"), Joined(r.value("Replaced", Json::array())),
                    Millis(r, "DetectionLatencyMs"), Millis(r, "TimeToResumeMs"),
                    GetString(r, "RestoredSyncPoint").empty() ? "-" : GetString(r, "RestoredSyncPoint"),
                    Millis(r, "WorkLostMs")});
  }
  std::printf("\nAutomatic restarts:\n%s",
              RenderTable({"#", "FAULT", "CAUSE", "REPLACED", "DETECTED AFTER", "RESUMED AFTER", "RESUMED FROM",
                           "WORK LOST"},
                          rows)
                  .c_str());
  const int64_t spent = GetInt(execution, "RestartInstanceSeconds").value_or(0);
  std::printf("Restarts cost %s of instance time (fault to training again, all instances)", FormatDuration(spent).c_str());
  if (billable_seconds > 0) {
    std::printf(", %.1f%% of the billable %s", 100.0 * static_cast<double>(spent) / static_cast<double>(billable_seconds),
                FormatDuration(billable_seconds).c_str());
  }
  std::printf(".\n");
}

// The checkpoint sync state each instance last reported.
void PrintCheckpoints(const Json& execution) {
  if (!execution.contains("CheckpointConfig")) return;
  const Json& config = execution["CheckpointConfig"];
  std::printf("\nCheckpoints:    %s <- %s\n", GetString(config, "S3Uri").c_str(),
              GetString(config, "LocalPath", "/opt/ml/checkpoints").c_str());
  std::vector<std::vector<std::string>> rows;
  for (const Json& instance : execution.value("Instances", Json::array())) {
    if (!instance.contains("Checkpoint")) continue;
    const Json& c = instance["Checkpoint"];
    int64_t last_sync = GetInt(c, "LastSyncTime").value_or(0);
    std::string backlog = std::to_string(GetInt(c, "BacklogFiles").value_or(0)) + " files / " +
                          FormatBytes(GetInt(c, "BacklogBytes").value_or(0));
    std::string error = GetString(c, "LastError");
    rows.push_back({GetString(instance, "InstanceName"), GetString(c, "Stage"),
                    std::to_string(GetInt(c, "Files").value_or(0)), FormatBytes(GetInt(c, "Bytes").value_or(0)),
                    last_sync ? FormatTime(static_cast<double>(last_sync) / 1000) : "never",
                    std::to_string(GetInt(c, "LagMs").value_or(0)) + " ms", backlog,
                    GetString(c, "LastSyncPoint"), error.empty() ? "-" : error});
  }
  if (rows.empty()) {
    std::printf("  (no instance has reported yet)\n");
    return;
  }
  std::printf("%s", RenderTable({"INSTANCE", "STAGE", "FILES", "BYTES", "LAST SYNC", "LAG", "BACKLOG",
                                 "SYNC POINT", "LAST ERROR"},
                                rows)
                        .c_str());
}

}  // namespace trainyard::cli
