// Building the CreateTrainingJob request of `trainyard run` from a job file
// (the JSON `aws sagemaker create-training-job --cli-input-json` takes) and
// estimator-style flags, which override the file. Relative local paths are
// made absolute against the current directory, so the server and its agents
// (which run elsewhere) see the same files; a checkpoint or output location
// given as a local folder ("./ckpt") becomes a file:// URI.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "common/json.h"
#include "common/result.h"

namespace trainyard::cli {

struct RunFlags {
  std::string job_file;
  std::string name;
  std::string entry_point;       // script mode: sagemaker_program
  std::string source_dir;        // script mode: sagemaker_submit_directory
  std::string image;             // TrainingImage: a directory with `train`, or a configured name
  int instance_count = 0;        // 0: from the file, else 1
  std::string instance_type;
  std::string hyperparameters;   // "k=v,k2=v2"
  std::vector<std::string> metrics;      // NAME=REGEX
  std::vector<std::string> environment;  // K=V
  std::string checkpoint_s3_uri;
  std::string checkpoint_local_path;
  std::string output_path;
  int max_run_seconds = 0;
  std::string state_dir;
  bool no_namespaces = false;
};

struct RunRequest {
  Json request;
  // TrainingImage names that stand for a directory (the job file's own
  // directory when it holds an executable `train`).
  std::map<std::string, std::string> images;
};

// `base` with a timestamp appended: "base-20261127-190102-123".
std::string UniqueName(const std::string& base);

// `default_output` is used when neither the file nor the flags name an output path.
Result<RunRequest> BuildRunRequest(const RunFlags& flags, const std::string& default_output);

}  // namespace trainyard::cli
