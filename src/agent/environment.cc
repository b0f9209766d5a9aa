#include "agent/environment.h"

#include <algorithm>
#include <cstdlib>

#include "agent/contract_files.h"
#include "agent/toolkit_values.h"

namespace trainyard {
namespace {

using Env = std::map<std::string, std::string>;

constexpr const char* kPassedThrough[] = {"PATH", "HOME", "LANG"};
constexpr std::string_view kDefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
constexpr int kDefaultLogLevel = 20;  // logging.INFO

// The toolkit enables distribution for the current group when any of these
// framework parameters is truthy.
constexpr std::string_view kDistributionFlags[] = {
    "sagemaker_mpi_enabled", "sagemaker_parameter_server_enabled",
    "sagemaker_distributed_dataparallel_enabled", "sagemaker_pytorch_ddp_enabled",
    "sagemaker_pytorch_xla_multi_worker_enabled",
    "sagemaker_multi_worker_mirrored_strategy_enabled"};

std::string Upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) {
    return static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
  });
  return s;
}

// Python truthiness.
bool Truthy(const OrderedJson& v) {
  if (v.is_boolean()) return v.get<bool>();
  if (v.is_number()) return v.get<double>() != 0;
  if (v.is_string() || v.is_array() || v.is_object()) return !v.empty();
  return false;
}

OrderedJson Ordered(const Json& j) { return OrderedJson(j); }

OrderedJson LoadedOrNull(const Json& hps, std::string_view key) {
  auto it = hps.find(key);
  if (it == hps.end()) return nullptr;
  return it->is_string() ? LoadHyperparameterValue(it->get_ref<const std::string&>())
                         : Ordered(*it);
}

// The toolkit's Environment properties (dict(env)); SM_<KEY> for most keys.
OrderedJson ToolkitProperties(const Assignment& assignment, const InstanceLayout& layout,
                              const EnvironmentOptions& options,
                              const std::vector<ChannelSpec>& channels,
                              const Json& input_data_config) {
  const Json hps = HyperparametersJson(assignment.request);
  const Json resource_config = ResourceConfigJson(assignment);
  OrderedJson framework = AdditionalFrameworkParameters(hps);
  std::string current_group = resource_config["current_group_name"];

  OrderedJson groups = OrderedJson::array(), groups_dict = OrderedJson::object();
  OrderedJson current_group_hosts = OrderedJson::array();
  for (const Json& g : resource_config["instance_groups"]) {
    groups.push_back(Ordered(g["instance_group_name"]));
    groups_dict[g["instance_group_name"].get<std::string>()] = Ordered(g);
    if (g["instance_group_name"] == current_group) current_group_hosts = Ordered(g["hosts"]);
  }
  OrderedJson distribution_groups = OrderedJson::array();
  if (framework.contains("sagemaker_distribution_instance_groups")) {
    distribution_groups = framework["sagemaker_distribution_instance_groups"];
  } else if (std::any_of(std::begin(kDistributionFlags), std::end(kDistributionFlags),
                         [&](std::string_view f) {
                           auto it = framework.find(f);
                           return it != framework.end() && Truthy(*it);
                         })) {
    distribution_groups.push_back(current_group);
  }
  OrderedJson distribution_hosts = OrderedJson::array();
  for (const Json& g : resource_config["instance_groups"]) {
    bool in = distribution_groups.is_array() &&
              std::find(distribution_groups.begin(), distribution_groups.end(),
                        OrderedJson(g["instance_group_name"])) != distribution_groups.end();
    if (in) for (const Json& h : g["hosts"]) distribution_hosts.push_back(Ordered(h));
  }
  OrderedJson hosts = Ordered(resource_config["hosts"]);
  std::string master = !distribution_hosts.empty() ? distribution_hosts[0].get<std::string>()
                       : !hosts.empty()             ? hosts[0].get<std::string>()
                                                    : assignment.host;

  OrderedJson entry_point = LoadedOrNull(hps, "sagemaker_program");
  OrderedJson module_name = entry_point;
  if (entry_point.is_string() && entry_point.get<std::string>().ends_with(".py")) {
    std::string name = entry_point.get<std::string>();
    module_name = name.substr(0, name.size() - 3);
  }
  OrderedJson submit_dir = LoadedOrNull(hps, "sagemaker_submit_directory");
  OrderedJson log_level = LoadedOrNull(hps, "sagemaker_container_log_level");

  OrderedJson channel_dirs = OrderedJson::object();
  for (const ChannelSpec& c : channels) {
    channel_dirs[c.name] = (layout.input_data_dir() / c.name).string();
  }
  OrderedJson p = OrderedJson::object();
  p["additional_framework_parameters"] = framework;
  p["channel_input_dirs"] = channel_dirs;
  p["current_host"] = assignment.host;
  p["current_instance_group"] = current_group;
  p["current_instance_group_hosts"] = current_group_hosts;
  p["current_instance_type"] = resource_config["current_instance_type"];
  p["distribution_hosts"] = distribution_hosts;
  p["distribution_instance_groups"] = distribution_groups;
  p["framework_module"] = nullptr;
  p["hosts"] = hosts;
  p["hyperparameters"] = UserHyperparameters(hps);
  p["input_config_dir"] = layout.input_config_dir().string();
  p["input_data_config"] = Ordered(input_data_config);
  p["input_dir"] = layout.input_dir().string();
  p["instance_groups"] = groups;
  p["instance_groups_dict"] = groups_dict;
  p["is_hetero"] = groups.size() > 1;
  p["is_master"] = assignment.host == master;
  p["is_modelparallel_enabled"] = nullptr;
  p["job_name"] = assignment.job_name;
  p["log_level"] = log_level.is_null() ? OrderedJson(kDefaultLogLevel) : log_level;
  p["master_hostname"] = master;
  p["model_dir"] = layout.model_dir().string();
  p["module_dir"] = submit_dir.is_null() ? OrderedJson(layout.code_dir().string())
                                         : OrderedJson(PythonStr(submit_dir));
  p["module_name"] = module_name;
  p["network_interface_name"] = kNetworkInterfaceName;
  p["num_cpus"] = options.num_cpus;
  p["num_gpus"] = options.num_gpus;
  p["num_neurons"] = 0;
  p["output_data_dir"] = layout.output_data_dir().string();
  p["output_dir"] = layout.output_dir().string();
  p["output_intermediate_dir"] = layout.output_intermediate_dir().string();
  p["resource_config"] = Ordered(resource_config);
  p["user_entry_point"] = entry_point;
  return p;
}

// Toolkit.to_env_vars(): SM_<KEY> for the properties it exports.
void AddToolkitVariables(const OrderedJson& p, const std::vector<ChannelSpec>& channels,
                         Env& env) {
  static constexpr std::pair<std::string_view, std::string_view> kExported[] = {
      {"hosts", "hosts"}, {"network_interface_name", "network_interface_name"},
      {"hps", "hyperparameters"}, {"user_entry_point", "user_entry_point"},
      {"framework_params", "additional_framework_parameters"},
      {"resource_config", "resource_config"}, {"input_data_config", "input_data_config"},
      {"output_data_dir", "output_data_dir"}, {"current_host", "current_host"},
      {"current_instance_type", "current_instance_type"},
      {"current_instance_group", "current_instance_group"},
      {"current_instance_group_hosts", "current_instance_group_hosts"},
      {"instance_groups", "instance_groups"}, {"instance_groups_dict", "instance_groups_dict"},
      {"distribution_instance_groups", "distribution_instance_groups"},
      {"is_hetero", "is_hetero"}, {"module_name", "module_name"}, {"log_level", "log_level"},
      {"framework_module", "framework_module"}, {"input_dir", "input_dir"},
      {"input_config_dir", "input_config_dir"}, {"output_dir", "output_dir"},
      {"num_cpus", "num_cpus"}, {"num_gpus", "num_gpus"}, {"num_neurons", "num_neurons"},
      {"model_dir", "model_dir"}, {"module_dir", "module_dir"},
      {"output_intermediate_dir", "output_intermediate_dir"}};
  for (const auto& [name, property] : kExported) {
    env["SM_" + Upper(std::string(name))] = ToolkitEnvValue(p.at(std::string(property)));
  }
  env["SM_TRAINING_ENV"] = PythonJsonDumps(p);
  OrderedJson channel_names = OrderedJson::array();
  for (const auto& [name, dir] : p.at("channel_input_dirs").items()) channel_names.push_back(name);
  std::sort(channel_names.begin(), channel_names.end());
  env["SM_CHANNELS"] = PythonJsonDumps(channel_names);
  for (const ChannelSpec& c : channels) {
    env["SM_CHANNEL_" + Upper(c.name)] = p.at("channel_input_dirs").at(c.name).get<std::string>();
  }
  const OrderedJson& user_hps = p.at("hyperparameters");
  env["SM_USER_ARGS"] = PythonJsonDumps(ToolkitCommandArgs(user_hps));
  for (const auto& [key, value] : user_hps.items()) {
    if (key.find('=') != std::string::npos) continue;
    env["SM_HP_" + Upper(key)] = ToolkitEnvValue(value);
  }
}

}  // namespace

std::map<std::string, std::string> InheritedEnvironment() {
  std::map<std::string, std::string> out;
  for (const char* name : kPassedThrough) {
    if (const char* value = std::getenv(name)) out[name] = value;
  }
  return out;
}

Result<std::vector<std::string>> BuildEnvironment(const Assignment& assignment,
                                                  const InstanceLayout& layout,
                                                  const EnvironmentOptions& options) {
  TY_ASSIGN_OR_RETURN(std::vector<ChannelSpec> channels, ChannelSpecs(assignment.request));
  TY_ASSIGN_OR_RETURN(Json input_data_config, InputDataConfigJson(assignment.request));
  Env env;
  for (const char* name : kPassedThrough) {
    auto it = options.inherited.find(name);
    if (it != options.inherited.end()) env[name] = it->second;
  }
  if (!env.contains("PATH")) env["PATH"] = kDefaultPath;

  env["TRAINING_JOB_NAME"] = assignment.job_name;
  env["TRAINING_JOB_ARN"] = assignment.job_arn;
  env["AWS_REGION"] = assignment.region;
  env["SAGEMAKER_REGION"] = assignment.region;
  env["CURRENT_HOST"] = assignment.host;
  env["MASTER_ADDR"] = options.master_addr;
  if (assignment.master_port > 0) env["MASTER_PORT"] = std::to_string(assignment.master_port);
  if (HyperparametersJson(assignment.request).contains("sagemaker_program")) {
    env["PYTHONPATH"] = layout.code_dir().string();
  }

  OrderedJson properties =
      ToolkitProperties(assignment, layout, options, channels, input_data_config);
  AddToolkitVariables(properties, channels, env);
  env["SM_CHECKPOINT_DIR"] = layout.checkpoint_dir.string();

  const Json no_env = Json::object();
  auto found = assignment.request.find("Environment");
  const Json& job_env =
      found != assignment.request.end() && found->is_object() ? *found : no_env;
  for (const auto& [name, value] : job_env.items()) {
    if (name.empty() || name.find('=') != std::string::npos || name.find('\0') != std::string::npos) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "Environment name '" + name + "' is not a valid variable name");
    }
    env[name] = value.is_string() ? value.get<std::string>() : value.dump();
  }

  std::vector<std::string> out;
  out.reserve(env.size());
  for (const auto& [name, value] : env) {
    if (value.find('\0') != std::string::npos) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "the value of environment variable " + name + " contains a NUL byte");
    }
    out.push_back(name + "=" + value);
  }
  return out;
}

}  // namespace trainyard
