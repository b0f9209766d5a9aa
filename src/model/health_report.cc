#include "model/health_report.h"

namespace trainyard {

bool HealthRound::unhealthy() const {
  for (const HealthOutcomeReport& o : outcomes) {
    if (o.state == "unhealthy") return true;
  }
  return false;
}

std::string HealthRound::Summary() const {
  std::string out;
  for (const HealthOutcomeReport& o : outcomes) {
    if (o.state != "unhealthy") continue;
    out += (out.empty() ? "" : "; ") + o.check + (o.detail.empty() ? "" : ": " + o.detail);
  }
  return out;
}

Json ToJson(const HealthSettings& s) {
  return {{"NodeChecks", s.node_checks},
          {"Programs", s.programs},
          {"ProgramTimeoutMs", s.program_timeout_ms},
          {"MinFreeDiskBytes", s.min_free_disk_bytes},
          {"MinAvailableMemoryBytes", s.min_available_memory_bytes},
          {"IntervalMs", s.interval_ms},
          {"CollectiveCheck", s.collective_check},
          {"CollectiveBytes", s.collective_bytes},
          {"CollectiveTimeoutMs", s.collective_timeout_ms}};
}

Json ToJson(const HealthRound& r) {
  Json outcomes = Json::array();
  for (const HealthOutcomeReport& o : r.outcomes) {
    outcomes.push_back({{"Check", o.check}, {"State", o.state}, {"Detail", o.detail}, {"DurationMs", o.duration_ms}});
  }
  return {{"Seq", r.seq}, {"When", r.when}, {"Time", r.time_ms}, {"Outcomes", std::move(outcomes)}};
}

Result<HealthSettings> HealthSettingsFromJson(const Json& j) {
  try {
    HealthSettings s;
    s.node_checks = j.value("NodeChecks", s.node_checks);
    s.programs = j.value("Programs", s.programs);
    s.program_timeout_ms = j.value("ProgramTimeoutMs", s.program_timeout_ms);
    s.min_free_disk_bytes = j.value("MinFreeDiskBytes", s.min_free_disk_bytes);
    s.min_available_memory_bytes = j.value("MinAvailableMemoryBytes", s.min_available_memory_bytes);
    s.interval_ms = j.value("IntervalMs", s.interval_ms);
    s.collective_check = j.value("CollectiveCheck", s.collective_check);
    s.collective_bytes = j.value("CollectiveBytes", s.collective_bytes);
    s.collective_timeout_ms = j.value("CollectiveTimeoutMs", s.collective_timeout_ms);
    return s;
  } catch (const Json::exception& e) {
    return MakeError(ErrorCode::kSerialization, std::string("health settings: ") + e.what());
  }
}

Result<HealthRound> HealthRoundFromJson(const Json& j) {
  try {
    HealthRound r;
    r.seq = j.at("Seq").get<int64_t>();
    r.when = j.value("When", "");
    r.time_ms = j.value("Time", int64_t{0});
    for (const Json& o : j.value("Outcomes", Json::array())) {
      r.outcomes.push_back({o.at("Check").get<std::string>(), o.at("State").get<std::string>(),
                            o.value("Detail", ""), o.value("DurationMs", int64_t{0})});
    }
    return r;
  } catch (const Json::exception& e) {
    return MakeError(ErrorCode::kSerialization, std::string("health round: ") + e.what());
  }
}

}  // namespace trainyard
