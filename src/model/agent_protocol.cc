#include "model/agent_protocol.h"

#include <array>

namespace trainyard {
namespace {

constexpr std::array<std::string_view, 7> kPhases = {"Preparing", "Checking", "Training", "Exited",
                                                    "Uploading", "Uploaded", "Failed"};
constexpr std::array<std::string_view, 5> kActions = {"Continue", "Stop", "Upload", "Exit", "Restart"};

template <typename Enum, size_t N>
std::optional<Enum> ParseEnum(const std::array<std::string_view, N>& names, std::string_view text) {
  for (size_t i = 0; i < N; ++i) {
    if (names[i] == text) return static_cast<Enum>(i);
  }
  return std::nullopt;
}

Error BadShape(const std::string& what, const std::string& why) {
  return MakeError(ErrorCode::kSerialization, what + ": " + why);
}

}  // namespace

std::string_view ToString(AgentPhase phase) { return kPhases[static_cast<size_t>(phase)]; }
std::string_view ToString(AgentAction action) { return kActions[static_cast<size_t>(action)]; }

Json ToJson(const Assignment& a) {
  return {{"JobName", a.job_name}, {"JobArn", a.job_arn}, {"Host", a.host}, {"Hosts", a.hosts},
          {"Region", a.region}, {"Request", a.request}, {"MasterPort", a.master_port},
          {"GracePeriodSeconds", a.grace_period_seconds},
          {"ReportIntervalMs", a.report_interval_ms}, {"StagingPrefix", a.staging_prefix},
          {"CheckpointKeepLast", a.checkpoint_keep_last},
          {"CheckpointFlushTimeoutSeconds", a.checkpoint_flush_timeout_seconds},
          {"Attempt", a.attempt}, {"InstanceId", a.instance_id},
          {"RendezvousPrefix", a.rendezvous_prefix}, {"Health", ToJson(a.health)}};
}

Json ToJson(const CheckpointReport& c) {
  return {{"Stage", c.stage},
          {"Files", c.files},
          {"Bytes", c.bytes},
          {"LastSyncTime", c.last_sync_ms},
          {"LagMs", c.lag_ms},
          {"BacklogFiles", c.backlog_files},
          {"BacklogBytes", c.backlog_bytes},
          {"Retries", c.retries},
          {"LastError", c.last_error},
          {"LastErrorTime", c.last_error_ms},
          {"LastSyncPoint", c.last_point},
          {"RestoredSyncPoint", c.restored_point},
          {"RestoredFiles", c.restored_files},
          {"RestoredBytes", c.restored_bytes}};
}

Result<CheckpointReport> CheckpointReportFromJson(const Json& j) {
  if (!j.is_object()) return BadShape("checkpoint report", "not an object");
  CheckpointReport c;
  try {
    c.stage = j.at("Stage").get<std::string>();
    c.files = j.value("Files", int64_t{0});
    c.bytes = j.value("Bytes", int64_t{0});
    c.last_sync_ms = j.value("LastSyncTime", int64_t{0});
    c.lag_ms = j.value("LagMs", int64_t{0});
    c.backlog_files = j.value("BacklogFiles", int64_t{0});
    c.backlog_bytes = j.value("BacklogBytes", int64_t{0});
    c.retries = j.value("Retries", int64_t{0});
    c.last_error = j.value("LastError", "");
    c.last_error_ms = j.value("LastErrorTime", int64_t{0});
    c.last_point = j.value("LastSyncPoint", "");
    c.restored_point = j.value("RestoredSyncPoint", "");
    c.restored_files = j.value("RestoredFiles", int64_t{0});
    c.restored_bytes = j.value("RestoredBytes", int64_t{0});
  } catch (const Json::exception& e) {
    return BadShape("checkpoint report", e.what());
  }
  return c;
}

Json ToJson(const AgentReport& r) {
  Json j = {{"Phase", ToString(r.phase)}, {"Failure", r.failure}, {"DroppedLines", r.dropped_lines}};
  if (r.exit_code) j["ExitCode"] = *r.exit_code;
  if (r.exit_signal) j["ExitSignal"] = *r.exit_signal;
  Json logs = Json::array();
  for (const LogLine& l : r.logs) {
    logs.push_back({{"Seq", l.seq}, {"Time", l.time_ms}, {"Stream", l.stream}, {"Text", l.text}});
  }
  j["Logs"] = std::move(logs);
  if (r.checkpoint) j["Checkpoint"] = ToJson(*r.checkpoint);
  j["Attempt"] = r.attempt;
  if (r.health) j["Health"] = ToJson(*r.health);
  if (r.collective) j["Collective"] = *r.collective;
  return j;
}

Json ToJson(const AgentCommand& c) {
  Json j = {{"Action", ToString(c.action)}, {"GraceSeconds", c.grace_seconds}, {"AckedSeq", c.acked_seq}};
  if (c.action == AgentAction::kRestart) {
    j["Attempt"] = c.attempt;
    j["MasterPort"] = c.master_port;
    j["RendezvousPrefix"] = c.rendezvous_prefix;
  }
  return j;
}

Result<Assignment> AssignmentFromJson(const Json& j) {
  if (!j.is_object()) return BadShape("assignment", "not an object");
  Assignment a;
  try {
    a.job_name = j.at("JobName").get<std::string>();
    a.job_arn = j.at("JobArn").get<std::string>();
    a.host = j.at("Host").get<std::string>();
    a.hosts = j.at("Hosts").get<std::vector<std::string>>();
    a.region = j.at("Region").get<std::string>();
    a.request = j.at("Request");
    a.master_port = j.at("MasterPort").get<int>();
    a.grace_period_seconds = j.at("GracePeriodSeconds").get<int>();
    a.report_interval_ms = j.at("ReportIntervalMs").get<int>();
    a.staging_prefix = j.at("StagingPrefix").get<std::string>();
    a.checkpoint_keep_last = j.value("CheckpointKeepLast", 10);
    a.checkpoint_flush_timeout_seconds = j.value("CheckpointFlushTimeoutSeconds", 600);
    a.attempt = j.value("Attempt", 1);
    a.instance_id = j.value("InstanceId", "");
    a.rendezvous_prefix = j.value("RendezvousPrefix", "");
    if (j.contains("Health")) {
      TY_ASSIGN_OR_RETURN(a.health, HealthSettingsFromJson(j["Health"]));
    }
  } catch (const Json::exception& e) {
    return BadShape("assignment", e.what());
  }
  return a;
}

Result<AgentReport> AgentReportFromJson(const Json& j) {
  if (!j.is_object()) return BadShape("report", "not an object");
  AgentReport r;
  try {
    auto phase = ParseEnum<AgentPhase>(kPhases, j.at("Phase").get<std::string>());
    if (!phase) return BadShape("report", "unknown phase");
    r.phase = *phase;
    r.failure = j.value("Failure", "");
    r.dropped_lines = j.value("DroppedLines", int64_t{0});
    if (j.contains("ExitCode")) r.exit_code = j["ExitCode"].get<int>();
    if (j.contains("ExitSignal")) r.exit_signal = j["ExitSignal"].get<int>();
    for (const Json& l : j.value("Logs", Json::array())) {
      r.logs.push_back({l.at("Seq").get<int64_t>(), l.at("Time").get<int64_t>(),
                        l.at("Stream").get<std::string>(), l.at("Text").get<std::string>()});
    }
    if (j.contains("Checkpoint")) {
      TY_ASSIGN_OR_RETURN(CheckpointReport checkpoint, CheckpointReportFromJson(j["Checkpoint"]));
      r.checkpoint = std::move(checkpoint);
    }
    r.attempt = j.value("Attempt", 1);
    if (j.contains("Health")) {
      TY_ASSIGN_OR_RETURN(HealthRound health, HealthRoundFromJson(j["Health"]));
      r.health = std::move(health);
    }
    if (j.contains("Collective")) r.collective = j["Collective"];
  } catch (const Json::exception& e) {
    return BadShape("report", e.what());
  }
  return r;
}

Result<AgentCommand> AgentCommandFromJson(const Json& j) {
  if (!j.is_object()) return BadShape("command", "not an object");
  AgentCommand c;
  try {
    auto action = ParseEnum<AgentAction>(kActions, j.at("Action").get<std::string>());
    if (!action) return BadShape("command", "unknown action");
    c.action = *action;
    c.grace_seconds = j.value("GraceSeconds", 120);
    c.acked_seq = j.value("AckedSeq", int64_t{0});
    c.attempt = j.value("Attempt", 0);
    c.master_port = j.value("MasterPort", 0);
    c.rendezvous_prefix = j.value("RendezvousPrefix", "");
  } catch (const Json::exception& e) {
    return BadShape("command", e.what());
  }
  return c;
}

}  // namespace trainyard
