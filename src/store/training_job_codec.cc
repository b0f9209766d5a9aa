#include "store/training_job_codec.h"

#include <cmath>
#include <limits>
#include <optional>
#include <string>

namespace trainyard {
namespace {

// Internal decoding failure; caught at the edge of DecodeTrainingJob.
struct CorruptRecord {
  std::string what;
};

std::string_view StopCauseName(StopCause cause) {
  switch (cause) {
    case StopCause::kNone: return "None";
    case StopCause::kUser: return "User";
    case StopCause::kMaxRuntime: return "MaxRuntime";
  }
  return "None";
}

StopCause ParseStopCause(const std::string& text) {
  if (text == "None") return StopCause::kNone;
  if (text == "User") return StopCause::kUser;
  if (text == "MaxRuntime") return StopCause::kMaxRuntime;
  throw CorruptRecord{"unknown stop cause " + text};
}

void PutOptional(Json& out, const char* key, const std::optional<EpochMs>& value) {
  if (value) out[key] = *value;
}

std::optional<EpochMs> GetOptional(const Json& in, const char* key) {
  auto it = in.find(key);
  if (it == in.end() || it->is_null()) return std::nullopt;
  return it->get<EpochMs>();
}

Json EncodeState(const JobState& state) {
  Json transitions = Json::array();
  for (const StatusTransition& t : state.transitions) {
    Json item = {{"status", ToString(t.status)}, {"start_time", t.start_time},
                 {"message", t.message}};
    PutOptional(item, "end_time", t.end_time);
    transitions.push_back(std::move(item));
  }
  Json out = {
      {"status", ToString(state.status)},
      {"secondary", ToString(state.secondary)},
      {"transitions", std::move(transitions)},
      {"failure_reason", state.failure_reason},
      {"stop_cause", StopCauseName(state.stop_cause)},
      {"restart_count", state.restart_count},
      {"retry_count", state.retry_count},
  };
  PutOptional(out, "training_start_time", state.training_start_time);
  PutOptional(out, "training_end_time", state.training_end_time);
  return out;
}

SecondaryStatus DecodeSecondary(const Json& value) {
  auto status = ParseSecondaryStatus(value.get<std::string>());
  if (!status) throw CorruptRecord{"unknown secondary status " + value.dump()};
  return *status;
}

JobState DecodeState(const Json& in) {
  JobState state;
  auto status = ParseTrainingJobStatus(in.at("status").get<std::string>());
  if (!status) throw CorruptRecord{"unknown status " + in.at("status").dump()};
  state.status = *status;
  state.secondary = DecodeSecondary(in.at("secondary"));
  for (const Json& item : in.at("transitions")) {
    state.transitions.push_back(StatusTransition{
        DecodeSecondary(item.at("status")), item.at("start_time").get<EpochMs>(),
        GetOptional(item, "end_time"), item.at("message").get<std::string>()});
  }
  state.failure_reason = in.at("failure_reason").get<std::string>();
  state.training_start_time = GetOptional(in, "training_start_time");
  state.training_end_time = GetOptional(in, "training_end_time");
  state.stop_cause = ParseStopCause(in.at("stop_cause").get<std::string>());
  state.restart_count = in.at("restart_count").get<int>();
  state.retry_count = in.at("retry_count").get<int>();
  return state;
}

TrainingJob Decode(const Json& in) {
  if (!in.is_object()) throw CorruptRecord{"not a JSON object"};
  TrainingJob job;
  job.name = in.at("name").get<std::string>();
  job.arn = in.at("arn").get<std::string>();
  job.request = in.at("request");
  job.state = DecodeState(in.at("state"));
  job.creation_time = in.at("creation_time").get<EpochMs>();
  job.last_modified_time = in.at("last_modified_time").get<EpochMs>();
  job.training_time_seconds = in.at("training_time_seconds").get<int64_t>();
  job.billable_time_seconds = in.at("billable_time_seconds").get<int64_t>();
  for (const Json& m : in.at("final_metrics")) {
    const Json& value = m.at("value");
    job.final_metrics.push_back(MetricDatum{
        m.at("name").get<std::string>(),
        value.is_null() ? std::numeric_limits<double>::quiet_NaN() : value.get<double>(),
        m.at("timestamp").get<EpochMs>()});
  }
  job.model_artifacts = in.at("model_artifacts").get<std::string>();
  job.details = in.at("details");
  return job;
}

}  // namespace

Json EncodeTrainingJob(const TrainingJob& job) {
  Json metrics = Json::array();
  for (const MetricDatum& m : job.final_metrics) {
    Json value = std::isfinite(m.value) ? Json(m.value) : Json(nullptr);
    metrics.push_back({{"name", m.name}, {"value", std::move(value)}, {"timestamp", m.timestamp}});
  }
  return Json{
      {"name", job.name},
      {"arn", job.arn},
      {"request", job.request},
      {"state", EncodeState(job.state)},
      {"creation_time", job.creation_time},
      {"last_modified_time", job.last_modified_time},
      {"training_time_seconds", job.training_time_seconds},
      {"billable_time_seconds", job.billable_time_seconds},
      {"final_metrics", std::move(metrics)},
      {"model_artifacts", job.model_artifacts},
      {"details", job.details},
  };
}

Result<TrainingJob> DecodeTrainingJob(const Json& record) {
  try {
    return Decode(record);
  } catch (const CorruptRecord& e) {
    return MakeError(ErrorCode::kInternal, "corrupt training job record: " + e.what);
  } catch (const Json::exception& e) {
    return MakeError(ErrorCode::kInternal, std::string("corrupt training job record: ") + e.what());
  }
}

Result<TrainingJob> DecodeTrainingJobText(std::string_view record_text) {
  Json record = Json::parse(record_text.begin(), record_text.end(), nullptr,
                            /*allow_exceptions=*/false);
  if (record.is_discarded()) {
    return MakeError(ErrorCode::kInternal, "corrupt training job record: not valid JSON");
  }
  return DecodeTrainingJob(record);
}

}  // namespace trainyard
