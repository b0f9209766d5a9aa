#include "model/training_job_rules.h"

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace trainyard {
namespace {

constexpr int64_t kDefaultMaxRuntimeSeconds = 86400;  // "The default value is 1 day."

// The member `key` of `object`, or nullptr when either is absent or null.
const Json* Find(const Json* object, std::string_view key) {
  if (object == nullptr || !object->is_object()) return nullptr;
  auto it = object->find(key);
  return it == object->end() || it->is_null() ? nullptr : &*it;
}

std::optional<int64_t> FindInt(const Json* object, std::string_view key) {
  const Json* v = Find(object, key);
  if (v == nullptr || !v->is_number_integer()) return std::nullopt;
  return v->get<int64_t>();
}

std::string FindString(const Json* object, std::string_view key) {
  const Json* v = Find(object, key);
  return v != nullptr && v->is_string() ? v->get<std::string>() : std::string();
}

bool FindBool(const Json* object, std::string_view key) {
  const Json* v = Find(object, key);
  return v != nullptr && v->is_boolean() && v->get<bool>();
}

bool HasInstanceGroups(const Json* resource_config) {
  const Json* groups = Find(resource_config, "InstanceGroups");
  return groups != nullptr && groups->is_array() && !groups->empty();
}

// The members botocore 1.29 required and 1.43 made optional for serverless jobs,
// reported as Coral reported them then.
std::optional<std::string> MissingRequiredMembers(const Json& request) {
  if (Find(&request, "ServerlessJobConfig") != nullptr) return std::nullopt;
  std::vector<std::string> missing;
  for (const auto& [member, path] : {std::pair{"AlgorithmSpecification", "algorithmSpecification"},
                                     std::pair{"ResourceConfig", "resourceConfig"}}) {
    if (Find(&request, member) == nullptr) {
      missing.push_back(std::string("Value null at '") + path +
                        "' failed to satisfy constraint: Member must not be null");
    }
  }
  if (missing.empty()) return std::nullopt;
  std::string out =
      std::to_string(missing.size()) +
      (missing.size() == 1 ? " validation error detected: " : " validation errors detected: ");
  for (size_t i = 0; i < missing.size(); ++i) out += (i ? "; " : "") + missing[i];
  return out;
}

void CheckAlgorithm(const Json& request, std::vector<std::string>& problems) {
  const Json* spec = Find(&request, "AlgorithmSpecification");
  if (spec == nullptr) return;
  const bool image = Find(spec, "TrainingImage") != nullptr;
  const bool algorithm = Find(spec, "AlgorithmName") != nullptr;
  if (image && algorithm) {
    problems.push_back(
        "AlgorithmSpecification must specify exactly one of TrainingImage and "
        "AlgorithmName, not both");
  } else if (!image && !algorithm) {
    problems.push_back(
        "AlgorithmSpecification must specify exactly one of TrainingImage and "
        "AlgorithmName; neither was given");
  }
}

void CheckResources(const Json& request, std::vector<std::string>& problems) {
  const Json* resources = Find(&request, "ResourceConfig");
  if (resources == nullptr) return;
  const bool groups = HasInstanceGroups(resources);
  if (!groups && FindInt(resources, "InstanceCount").value_or(0) < 1) {
    problems.push_back(
        "ResourceConfig.InstanceCount must be at least 1 when "
        "ResourceConfig.InstanceGroups is not given");
  }
  if (FindInt(resources, "KeepAlivePeriodInSeconds").value_or(0) > 0) {
    if (groups) {
      problems.push_back(
          "ResourceConfig.KeepAlivePeriodInSeconds (a warm pool) cannot be used "
          "with ResourceConfig.InstanceGroups");
    }
    if (FindBool(&request, "EnableManagedSpotTraining")) {
      problems.push_back(
          "ResourceConfig.KeepAlivePeriodInSeconds (a warm pool) cannot be used "
          "with EnableManagedSpotTraining");
    }
  }
}

void CheckStopping(const Json& request, std::vector<std::string>& problems) {
  const Json* stopping = Find(&request, "StoppingCondition");
  const std::optional<int64_t> max_wait = FindInt(stopping, "MaxWaitTimeInSeconds");
  if (FindBool(&request, "EnableManagedSpotTraining") && !max_wait) {
    problems.push_back("EnableManagedSpotTraining requires StoppingCondition.MaxWaitTimeInSeconds");
  }
  if (!max_wait) return;
  const std::optional<int64_t> runtime = FindInt(stopping, "MaxRuntimeInSeconds");
  const int64_t effective = runtime.value_or(kDefaultMaxRuntimeSeconds);
  if (*max_wait < effective) {
    problems.push_back("StoppingCondition.MaxWaitTimeInSeconds (" + std::to_string(*max_wait) +
                       ") must be greater than or equal to MaxRuntimeInSeconds (" +
                       std::to_string(effective) + (runtime ? ")" : ", the default)"));
  }
}

void CheckChannels(const Json& request, std::vector<std::string>& problems) {
  const Json* channels = Find(&request, "InputDataConfig");
  if (channels == nullptr || !channels->is_array()) return;
  const std::string job_mode =
      FindString(Find(&request, "AlgorithmSpecification"), "TrainingInputMode");
  std::map<std::string, int> name_counts;
  for (const Json& channel : *channels) {
    const std::string name = FindString(&channel, "ChannelName");
    if (++name_counts[name] == 2) {
      problems.push_back("InputDataConfig channel names must be unique; '" + name +
                         "' is used more than once");
    }
    std::string mode = FindString(&channel, "InputMode");
    if (mode.empty()) mode = job_mode;
    if (mode == "Pipe") continue;
    for (const char* member : {"CompressionType", "RecordWrapperType"}) {
      const std::string value = FindString(&channel, member);
      if (!value.empty() && value != "None") {
        problems.push_back("InputDataConfig channel '" + name + "': " + member + " " + value +
                           " requires Pipe input mode, but the channel's input mode is " +
                           (mode.empty() ? std::string("not set") : mode));
      }
    }
  }
}

// CheckpointConfig.LocalPath is where restores write and deletions are
// mirrored from, so it must be a directory of the instance's own: beneath
// /opt/ml (mapped to the instance's directory), spelled without "." or ".."
// segments, and outside the directories the contract gives other meanings.
void CheckCheckpoint(const Json& request, std::vector<std::string>& problems) {
  const Json* checkpoint = Find(&request, "CheckpointConfig");
  if (checkpoint == nullptr || Find(checkpoint, "LocalPath") == nullptr) return;
  const std::string path = FindString(checkpoint, "LocalPath");
  auto refuse = [&](const std::string& why) {
    problems.push_back("CheckpointConfig.LocalPath '" + path + "' " + why);
  };
  if (path.empty() || path.front() != '/') return refuse("must be an absolute path");
  std::vector<std::string> segments;
  for (size_t start = 1; start <= path.size();) {
    size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    std::string segment = path.substr(start, end - start);
    const bool trailing_slash = segment.empty() && end == path.size();
    if (!trailing_slash && (segment.empty() || segment == "." || segment == "..")) {
      return refuse("must not contain empty, '.' or '..' segments");
    }
    if (!segment.empty()) segments.push_back(std::move(segment));
    start = end + 1;
  }
  if (segments.size() < 3 || segments[0] != "opt" || segments[1] != "ml") {
    return refuse("must be a directory beneath /opt/ml (each instance has its own /opt/ml)");
  }
  for (const char* reserved : {"input", "model", "output", "code"}) {
    if (segments[2] == reserved) {
      return refuse(std::string("must not be inside /opt/ml/") + reserved +
                    ", which the training container contract uses for other data");
    }
  }
}

// Sets object[key] = value unless the member is present and not null.
void SetDefault(Json& object, const char* key, Json value) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) object[key] = std::move(value);
}

// The object member `key` of `object`, when it is one; nullptr otherwise.
Json* FindObject(Json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_object() ? &*it : nullptr;
}

}  // namespace

Status ValidateCreateTrainingJobRules(const Json& request) {
  if (!request.is_object())
    return MakeError(ErrorCode::kInvalidArgument, "request must be a JSON object");
  if (auto missing = MissingRequiredMembers(request)) {
    return MakeError(ErrorCode::kInvalidArgument, std::move(*missing));
  }
  std::vector<std::string> problems;
  CheckAlgorithm(request, problems);
  CheckResources(request, problems);
  CheckStopping(request, problems);
  CheckChannels(request, problems);
  CheckCheckpoint(request, problems);
  if (problems.empty()) return Ok();
  std::string message;
  for (size_t i = 0; i < problems.size(); ++i) message += (i ? "; " : "") + problems[i];
  return MakeError(ErrorCode::kInvalidArgument, std::move(message));
}

Result<Json> NormalizeCreateTrainingJob(const Json& request) {
  if (!request.is_object())
    return MakeError(ErrorCode::kInvalidArgument, "request must be a JSON object");
  Json out = request;
  out.erase("Tags");
  SetDefault(out, "StoppingCondition", Json::object());
  if (Json* stopping = FindObject(out, "StoppingCondition")) {
    SetDefault(*stopping, "MaxRuntimeInSeconds", kDefaultMaxRuntimeSeconds);
  }
  if (Json* checkpoint = FindObject(out, "CheckpointConfig")) {
    SetDefault(*checkpoint, "LocalPath", "/opt/ml/checkpoints");
  }
  if (Json* output = FindObject(out, "OutputDataConfig"))
    SetDefault(*output, "CompressionType", "GZIP");
  if (Json* spec = FindObject(out, "AlgorithmSpecification")) {
    SetDefault(*spec, "EnableSageMakerMetricsTimeSeries", false);
  }
  auto channels = out.find("InputDataConfig");
  if (channels != out.end() && channels->is_array()) {
    for (Json& channel : *channels) {
      if (!channel.is_object()) continue;
      SetDefault(channel, "CompressionType", "None");
      SetDefault(channel, "RecordWrapperType", "None");
      Json* source = FindObject(channel, "DataSource");
      if (Json* s3 = source ? FindObject(*source, "S3DataSource") : nullptr) {
        SetDefault(*s3, "S3DataDistributionType", "FullyReplicated");
      }
    }
  }
  for (const char* flag : {"EnableNetworkIsolation", "EnableInterContainerTrafficEncryption",
                           "EnableManagedSpotTraining"}) {
    SetDefault(out, flag, false);
  }
  return out;
}

}  // namespace trainyard
