// The /opt/ml configuration files of the SageMaker container contract (4.2),
// built from the server's Assignment and written into an InstanceLayout.
//
//   hyperparameters.json   exactly the request's HyperParameters map
//   resourceconfig.json    current_host, current_instance_type,
//                          current_group_name, hosts, network_interface_name,
//                          instance_groups
//   inputdataconfig.json   per channel: ContentType (if given),
//                          TrainingInputMode, S3DistributionType,
//                          RecordWrapperType
//   checkpointconfig.json  LocalPath, S3Uri (only with a CheckpointConfig)
//
// The builders are pure; WriteContractFiles does the I/O. Thread safety: pure
// functions, and WriteContractFiles touches only the layout's files.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "agent/instance_layout.h"
#include "common/json.h"
#include "common/result.h"
#include "model/agent_protocol.h"

namespace trainyard {

inline constexpr std::string_view kHomogeneousGroupName = "homogeneousCluster";
inline constexpr std::string_view kNetworkInterfaceName = "eth0";

// One InputDataConfig channel, with SageMaker's defaults filled in.
struct ChannelSpec {
  std::string name;                 // validated: one path component
  std::string s3_uri;               // DataSource.S3DataSource.S3Uri ("" if another source)
  std::string content_type;         // "" when not given
  std::string input_mode;           // channel InputMode, else the job's TrainingInputMode
  std::string distribution = "FullyReplicated";  // S3DataDistributionType
  std::string record_wrapper = "None";
};

// The request's channels in request order. kInvalidArgument for a bad
// channel name (ValidateChannelName) or a duplicate.
Result<std::vector<ChannelSpec>> ChannelSpecs(const Json& request);

// The request's HyperParameters ({} when absent).
Json HyperparametersJson(const Json& request);

// resourceconfig.json for assignment.host. Hosts are sorted. With
// ResourceConfig.InstanceGroups, hosts algo-1.. are given to the groups in
// request order by their number (the first InstanceCount hosts to the first
// group, ...); otherwise one group "homogeneousCluster".
Json ResourceConfigJson(const Assignment& assignment);

// inputdataconfig.json; kInvalidArgument as ChannelSpecs.
Result<Json> InputDataConfigJson(const Json& request);

// checkpointconfig.json ({"LocalPath": the layout's checkpoint dir as the
// program sees it, "S3Uri": ...}), or nullopt without a CheckpointConfig.
std::optional<Json> CheckpointConfigJson(const Json& request, const InstanceLayout& layout);

// Creates the layout's directories (input/config, input/data/<channel>, model,
// output/data, output/intermediate, code, the checkpoint dir) and writes the
// configuration files, replacing earlier ones. Directories below ml_root are
// created without following symlinks (a symlink in the way, say one a previous
// attempt's program planted, is kFailedPrecondition). kInvalidArgument for a
// bad channel; other codes from the file system, with the path in the message.
Status WriteContractFiles(const Assignment& assignment, const InstanceLayout& layout);

// mkdir -p for `dir`, which must be `root` or below it; components below
// `root` must be real directories, not symlinks (kFailedPrecondition).
Status CreateDirectoryBelow(const std::filesystem::path& root, const std::filesystem::path& dir);

// Writes `text` to `path` (created 0644 or truncated), refusing to follow a
// symlink at `path`.
Status WriteTextFile(const std::filesystem::path& path, std::string_view text);

}  // namespace trainyard
