#include "cli/run_request.h"

#include <unistd.h>

#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace trainyard::cli {
namespace {

namespace fs = std::filesystem;

std::string Absolute(const std::string& path) {
  std::error_code ec;
  fs::path abs = fs::absolute(path, ec);
  return ec ? path : abs.lexically_normal().string();
}

bool IsImageDir(const fs::path& dir) {
  std::error_code ec;
  fs::path train = dir / "train";
  return fs::is_regular_file(train, ec) && access(train.c_str(), X_OK) == 0;
}

// "name-20261127-190102-123": SageMaker's SDK's way of making names unique.
std::string Timestamped(const std::string& base) {
  using namespace std::chrono;
  auto now = system_clock::now();
  std::time_t t = system_clock::to_time_t(now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
  int ms = static_cast<int>(duration_cast<milliseconds>(now.time_since_epoch()).count() % 1000);
  std::string name = base.substr(0, 40) + "-" + stamp + "-" + std::to_string(1000 + ms).substr(1);
  return name;
}

Result<std::pair<std::string, std::string>> SplitPair(const std::string& item, const char* what) {
  size_t eq = item.find('=');
  if (eq == std::string::npos || eq == 0) {
    return MakeError(ErrorCode::kInvalidArgument, std::string(what) + " takes NAME=VALUE, got '" + item + "'");
  }
  return std::make_pair(item.substr(0, eq), item.substr(eq + 1));
}

Status ApplyFlags(const RunFlags& flags, Json& r) {
  Json& algorithm = r["AlgorithmSpecification"];
  if (!algorithm.contains("TrainingInputMode")) algorithm["TrainingInputMode"] = "File";
  Json& hps = r["HyperParameters"];
  if (!hps.is_object()) hps = Json::object();
  if (!flags.entry_point.empty()) hps["sagemaker_program"] = flags.entry_point;
  if (!flags.source_dir.empty()) hps["sagemaker_submit_directory"] = flags.source_dir;
  std::stringstream items(flags.hyperparameters);
  for (std::string item; std::getline(items, item, ',');) {
    if (item.empty()) continue;
    TY_ASSIGN_OR_RETURN(auto kv, SplitPair(item, "--hyperparameters"));
    hps[kv.first] = kv.second;
  }
  for (const std::string& metric : flags.metrics) {
    TY_ASSIGN_OR_RETURN(auto kv, SplitPair(metric, "--metric"));
    algorithm["MetricDefinitions"].push_back({{"Name", kv.first}, {"Regex", kv.second}});
  }
  for (const std::string& env : flags.environment) {
    TY_ASSIGN_OR_RETURN(auto kv, SplitPair(env, "--env"));
    r["Environment"][kv.first] = kv.second;
  }
  if (!flags.image.empty()) algorithm["TrainingImage"] = flags.image;
  if (!algorithm.contains("TrainingImage") && !algorithm.contains("AlgorithmName")) {
    algorithm["TrainingImage"] = "script-mode";  // the program comes from the submit directory
  }
  Json& resources = r["ResourceConfig"];
  if (flags.instance_count > 0) resources["InstanceCount"] = flags.instance_count;
  if (!resources.contains("InstanceCount")) resources["InstanceCount"] = 1;
  if (!flags.instance_type.empty()) resources["InstanceType"] = flags.instance_type;
  if (!resources.contains("InstanceType")) resources["InstanceType"] = "ml.m5.xlarge";
  if (!resources.contains("VolumeSizeInGB")) resources["VolumeSizeInGB"] = 1;
  if (!flags.checkpoint_s3_uri.empty()) r["CheckpointConfig"]["S3Uri"] = flags.checkpoint_s3_uri;
  if (!flags.checkpoint_local_path.empty()) r["CheckpointConfig"]["LocalPath"] = flags.checkpoint_local_path;
  if (!flags.output_path.empty()) r["OutputDataConfig"]["S3OutputPath"] = flags.output_path;
  if (flags.max_run_seconds > 0) r["StoppingCondition"]["MaxRuntimeInSeconds"] = flags.max_run_seconds;
  if (!r.contains("RoleArn")) r["RoleArn"] = "arn:aws:iam::000000000000:role/trainyard";
  return Ok();
}

// Local paths in the request become absolute file:// URIs or paths.
void ResolvePaths(Json& r) {
  Json& hps = r["HyperParameters"];
  std::string submit = GetString(hps, "sagemaker_submit_directory");
  if (!submit.empty() && submit.find("://") == std::string::npos && submit[0] != '/') {
    hps["sagemaker_submit_directory"] = Absolute(submit);
  }
  // A local folder for checkpoints or output: "./ckpt" or "/srv/ckpt".
  for (auto [object, member] : {std::pair{"CheckpointConfig", "S3Uri"}, std::pair{"OutputDataConfig", "S3OutputPath"}}) {
    if (!r.contains(object) || !r[object].is_object()) continue;
    std::string uri = GetString(r[object], member);
    if (!uri.empty() && uri.find("://") == std::string::npos) r[object][member] = "file://" + Absolute(uri);
  }
  Json& algorithm = r["AlgorithmSpecification"];
  std::string image = GetString(algorithm, "TrainingImage");
  if (!image.empty() && image[0] != '/' && IsImageDir(image)) algorithm["TrainingImage"] = Absolute(image);
}

}  // namespace

Result<RunRequest> BuildRunRequest(const RunFlags& flags, const std::string& default_output) {
  RunRequest run;
  Json& r = run.request;
  r = Json::object();
  if (!flags.job_file.empty()) {
    std::ifstream in(flags.job_file);
    if (!in) return MakeError(ErrorCode::kNotFound, "cannot read job file " + flags.job_file);
    std::stringstream text;
    text << in.rdbuf();
    Result<Json> parsed = ParseJson(text.str());
    if (!parsed.ok()) return parsed.error().WithContext(flags.job_file);
    r = std::move(parsed).value();
    fs::path dir = fs::path(Absolute(flags.job_file)).parent_path();
    std::string image = GetString(r.value("AlgorithmSpecification", Json::object()), "TrainingImage");
    if (!image.empty() && image[0] != '/' && !IsImageDir(image) && IsImageDir(dir)) {
      run.images[image] = dir.string();
    }
  } else if (flags.entry_point.empty() && flags.image.empty()) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "give a job file (trainyard run JOB.json) or --entry-point/--image");
  }
  TY_RETURN_IF_ERROR(ApplyFlags(flags, r));
  ResolvePaths(r);
  if (!flags.name.empty()) r["TrainingJobName"] = flags.name;
  if (GetString(r, "TrainingJobName").empty()) {
    std::string base = flags.entry_point.empty() ? "trainyard-job" : fs::path(flags.entry_point).stem().string();
    for (char& c : base) {
      if (!std::isalnum(static_cast<unsigned char>(c))) c = '-';
    }
    r["TrainingJobName"] = Timestamped(base);
  }
  if (!r["OutputDataConfig"].contains("S3OutputPath")) r["OutputDataConfig"]["S3OutputPath"] = default_output;
  return run;
}

std::string UniqueName(const std::string& base) { return Timestamped(base); }

}  // namespace trainyard::cli
