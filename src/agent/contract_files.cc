#include "agent/contract_files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <set>

namespace trainyard {
namespace {

namespace fs = std::filesystem;

Error FileError(const fs::path& path, std::string_view what, int err) {
  ErrorCode code = (err == ENOSPC || err == EDQUOT) ? ErrorCode::kResourceExhausted
                   : (err == EACCES || err == EPERM || err == EROFS || err == ELOOP)
                       ? ErrorCode::kFailedPrecondition
                       : ErrorCode::kInternal;
  return MakeError(code, std::string(what) + " " + path.string() + ": " + std::strerror(err));
}

const Json& Member(const Json& object, std::string_view key) {
  static const Json kNull;
  if (!object.is_object()) return kNull;
  auto it = object.find(key);
  return it == object.end() ? kNull : *it;
}

// The number k of host "algo-k", if it has that form.
std::optional<int> HostNumber(std::string_view host) {
  constexpr std::string_view kPrefix = "algo-";
  if (!host.starts_with(kPrefix)) return std::nullopt;
  int k = 0;
  auto digits = host.substr(kPrefix.size());
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), k);
  if (ec != std::errc() || end != digits.data() + digits.size() || k < 1) return std::nullopt;
  return k;
}

struct HostGroup {
  std::string name;
  std::string instance_type;
  std::vector<std::string> hosts;
};

// Hosts per instance group; empty when the request has no InstanceGroups or
// the hosts are not all named algo-<k>.
std::vector<HostGroup> InstanceGroups(const Json& resource_config,
                                      const std::vector<std::string>& hosts) {
  const Json& groups = Member(resource_config, "InstanceGroups");
  if (!groups.is_array() || groups.empty()) return {};
  std::vector<HostGroup> out;
  int first = 1;
  for (const Json& g : groups) {
    HostGroup group{GetString(g, "InstanceGroupName"), GetString(g, "InstanceType"), {}};
    int count = static_cast<int>(GetInt(g, "InstanceCount").value_or(0));
    for (const std::string& host : hosts) {
      auto k = HostNumber(host);
      if (!k) return {};
      if (*k >= first && *k < first + count) group.hosts.push_back(host);
    }
    first += count;
    out.push_back(std::move(group));
  }
  return out;
}

}  // namespace

Result<std::vector<ChannelSpec>> ChannelSpecs(const Json& request) {
  std::vector<ChannelSpec> channels;
  const Json& config = Member(request, "InputDataConfig");
  if (!config.is_array()) return channels;
  std::string job_mode = GetString(Member(request, "AlgorithmSpecification"),
                                   "TrainingInputMode", "File");
  std::set<std::string> seen;
  for (const Json& c : config) {
    ChannelSpec spec;
    spec.name = GetString(c, "ChannelName");
    TY_RETURN_IF_ERROR(ValidateChannelName(spec.name));
    if (!seen.insert(spec.name).second) {
      return MakeError(ErrorCode::kInvalidArgument, "channel '" + spec.name + "' is given twice");
    }
    const Json& s3 = Member(Member(c, "DataSource"), "S3DataSource");
    spec.s3_uri = GetString(s3, "S3Uri");
    spec.distribution = GetString(s3, "S3DataDistributionType", spec.distribution);
    spec.content_type = GetString(c, "ContentType");
    spec.input_mode = GetString(c, "InputMode", job_mode);
    spec.record_wrapper = GetString(c, "RecordWrapperType", spec.record_wrapper);
    channels.push_back(std::move(spec));
  }
  return channels;
}

Json HyperparametersJson(const Json& request) {
  const Json& hps = Member(request, "HyperParameters");
  return hps.is_object() ? hps : Json::object();
}

Json ResourceConfigJson(const Assignment& assignment) {
  std::vector<std::string> hosts = assignment.hosts;
  std::sort(hosts.begin(), hosts.end());
  const Json& resources = Member(assignment.request, "ResourceConfig");
  std::vector<HostGroup> groups = InstanceGroups(resources, hosts);
  if (groups.empty()) {
    groups.push_back({std::string(kHomogeneousGroupName), GetString(resources, "InstanceType"),
                      hosts});
  }
  Json config = {{"current_host", assignment.host},
                 {"hosts", hosts},
                 {"network_interface_name", kNetworkInterfaceName}};
  Json groups_json = Json::array();
  for (const HostGroup& g : groups) {
    groups_json.push_back(
        {{"instance_group_name", g.name}, {"instance_type", g.instance_type}, {"hosts", g.hosts}});
    if (std::find(g.hosts.begin(), g.hosts.end(), assignment.host) != g.hosts.end()) {
      config["current_group_name"] = g.name;
      config["current_instance_type"] = g.instance_type;
    }
  }
  if (!config.contains("current_group_name")) {  // a host outside every group: name the first
    config["current_group_name"] = groups.front().name;
    config["current_instance_type"] = groups.front().instance_type;
  }
  config["instance_groups"] = std::move(groups_json);
  return config;
}

Result<Json> InputDataConfigJson(const Json& request) {
  TY_ASSIGN_OR_RETURN(std::vector<ChannelSpec> channels, ChannelSpecs(request));
  Json config = Json::object();
  for (const ChannelSpec& c : channels) {
    Json entry = {{"TrainingInputMode", c.input_mode},
                  {"S3DistributionType", c.distribution},
                  {"RecordWrapperType", c.record_wrapper}};
    if (!c.content_type.empty()) entry["ContentType"] = c.content_type;
    config[c.name] = std::move(entry);
  }
  return config;
}

std::optional<Json> CheckpointConfigJson(const Json& request, const InstanceLayout& layout) {
  const Json& checkpoint = Member(request, "CheckpointConfig");
  if (!checkpoint.is_object()) return std::nullopt;
  return Json{{"LocalPath", layout.checkpoint_dir.string()},
              {"S3Uri", GetString(checkpoint, "S3Uri")}};
}

Status CreateDirectoryBelow(const fs::path& root, const fs::path& dir) {
  fs::path rel = dir.lexically_relative(root);
  if (rel.empty() || *rel.begin() == "..") {
    return MakeError(ErrorCode::kInternal, dir.string() + " is not below " + root.string());
  }
  std::error_code ec;
  fs::create_directories(root, ec);
  if (ec) return FileError(root, "creating", ec.value());
  fs::path at = root;
  for (const fs::path& part : rel) {
    if (part == ".") continue;
    at /= part;
    struct stat st {};
    if (::lstat(at.c_str(), &st) == 0) {
      if (S_ISDIR(st.st_mode)) continue;
      return MakeError(ErrorCode::kFailedPrecondition,
                       at.string() + " is in the way (not a directory, or a symlink)");
    }
    if (errno != ENOENT) return FileError(at, "inspecting", errno);
    if (::mkdir(at.c_str(), 0755) != 0 && errno != EEXIST) return FileError(at, "creating", errno);
  }
  return Ok();
}

Status WriteTextFile(const fs::path& path, std::string_view text) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd < 0) return FileError(path, "opening", errno);
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      ::close(fd);
      return FileError(path, "writing", err);
    }
    done += static_cast<size_t>(n);
  }
  if (::close(fd) != 0) return FileError(path, "closing", errno);
  return Ok();
}

Status WriteContractFiles(const Assignment& assignment, const InstanceLayout& layout) {
  const Json& request = assignment.request;
  TY_ASSIGN_OR_RETURN(std::vector<ChannelSpec> channels, ChannelSpecs(request));
  TY_ASSIGN_OR_RETURN(Json input_data_config, InputDataConfigJson(request));

  std::vector<fs::path> dirs = {layout.input_config_dir(), layout.input_data_dir(),
                                layout.model_dir(),        layout.output_data_dir(),
                                layout.output_intermediate_dir(), layout.code_dir()};
  for (const ChannelSpec& c : channels) dirs.push_back(layout.input_data_dir() / c.name);
  for (const fs::path& dir : dirs) TY_RETURN_IF_ERROR(CreateDirectoryBelow(layout.ml_root, dir));
  fs::path checkpoint_rel = layout.checkpoint_dir.lexically_relative(layout.ml_root);
  if (!checkpoint_rel.empty() && *checkpoint_rel.begin() != "..") {
    TY_RETURN_IF_ERROR(CreateDirectoryBelow(layout.ml_root, layout.checkpoint_dir));
  } else {  // a LocalPath the user chose outside /opt/ml
    std::error_code ec;
    fs::create_directories(layout.checkpoint_dir, ec);
    if (ec) return FileError(layout.checkpoint_dir, "creating", ec.value());
  }

  TY_RETURN_IF_ERROR(
      WriteTextFile(layout.hyperparameters_file(), DumpJson(HyperparametersJson(request))));
  TY_RETURN_IF_ERROR(
      WriteTextFile(layout.resource_config_file(), DumpJson(ResourceConfigJson(assignment))));
  TY_RETURN_IF_ERROR(WriteTextFile(layout.input_data_config_file(), DumpJson(input_data_config)));
  if (auto checkpoint = CheckpointConfigJson(request, layout)) {
    TY_RETURN_IF_ERROR(WriteTextFile(layout.checkpoint_config_file(), DumpJson(*checkpoint)));
  } else {
    std::error_code ec;
    fs::remove(layout.checkpoint_config_file(), ec);  // from an earlier job on this instance
  }
  return Ok();
}

}  // namespace trainyard
