// InstanceLayout: where the SageMaker container contract's files live for one
// instance.
//
// Inside an instance's own mount namespace the root is "/opt/ml"; without
// root privileges it is the instance's directory on the host, and the program
// learns the paths from its SM_* environment. Every path is derived from the
// root, so nothing a job names (a channel, a checkpoint path) can point
// outside it, except CheckpointConfig.LocalPath, which SageMaker lets the user
// choose (see Make).
//
//   <ml_root>/input/config/{hyperparameters,resourceconfig,inputdataconfig,
//                           checkpointconfig}.json
//   <ml_root>/input/data/<channel>/
//   <ml_root>/model/
//   <ml_root>/output/{data/,intermediate/,failure}
//   <ml_root>/code/
//   <ml_root>/checkpoints/   (or CheckpointConfig.LocalPath)
//
// A plain value; thread-compatible.
#pragma once

#include <filesystem>
#include <string_view>

#include "common/result.h"

namespace trainyard {

inline constexpr std::string_view kSageMakerMlRoot = "/opt/ml";
inline constexpr std::string_view kDefaultCheckpointPath = "/opt/ml/checkpoints";

struct InstanceLayout {
  std::filesystem::path ml_root;         // absolute, normalized, no trailing slash
  std::filesystem::path checkpoint_dir;  // absolute, normalized

  // Builds the layout for `ml_root` (absolute; "/opt/ml" inside an instance
  // namespace) and the job's CheckpointConfig.LocalPath (empty: the default
  // /opt/ml/checkpoints).
  //
  // When ml_root is not /opt/ml, a LocalPath at or under /opt/ml is re-rooted
  // under ml_root (/opt/ml/ckpt -> <ml_root>/ckpt); any other absolute path is
  // used as given. kInvalidArgument when ml_root or LocalPath is relative,
  // contains a ".." component, or LocalPath is "/", ml_root itself or one of
  // its ancestors (the agent mirrors and clears the checkpoint directory).
  static Result<InstanceLayout> Make(const std::filesystem::path& ml_root,
                                     std::string_view checkpoint_local_path = {});

  std::filesystem::path input_dir() const { return ml_root / "input"; }
  std::filesystem::path input_config_dir() const { return input_dir() / "config"; }
  std::filesystem::path input_data_dir() const { return input_dir() / "data"; }
  std::filesystem::path model_dir() const { return ml_root / "model"; }
  std::filesystem::path output_dir() const { return ml_root / "output"; }
  std::filesystem::path output_data_dir() const { return output_dir() / "data"; }
  std::filesystem::path output_intermediate_dir() const { return output_dir() / "intermediate"; }
  std::filesystem::path failure_file() const { return output_dir() / "failure"; }
  std::filesystem::path code_dir() const { return ml_root / "code"; }

  std::filesystem::path hyperparameters_file() const {
    return input_config_dir() / "hyperparameters.json";
  }
  std::filesystem::path resource_config_file() const {
    return input_config_dir() / "resourceconfig.json";
  }
  std::filesystem::path input_data_config_file() const {
    return input_config_dir() / "inputdataconfig.json";
  }
  std::filesystem::path checkpoint_config_file() const {
    return input_config_dir() / "checkpointconfig.json";
  }

  // <ml_root>/input/data/<channel>; kInvalidArgument for a name that
  // ValidateChannelName refuses.
  Result<std::filesystem::path> channel_dir(std::string_view channel) const;
};

// A channel name is 1-64 characters of [A-Za-z0-9.\-_] and not "." or "..",
// so it is always exactly one path component. kInvalidArgument otherwise.
Status ValidateChannelName(std::string_view channel);

}  // namespace trainyard
