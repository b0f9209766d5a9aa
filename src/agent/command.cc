#include "agent/command.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>

#include "agent/submit_directory.h"
#include "agent/toolkit_values.h"

namespace trainyard {
namespace {

namespace fs = std::filesystem;

Error Invalid(std::string message) {
  return MakeError(ErrorCode::kInvalidArgument, std::move(message));
}

bool IsExecutableFile(const fs::path& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
         ::access(path.c_str(), X_OK) == 0;
}

bool IsRegularFile(const fs::path& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

Result<fs::path> ImageDirectory(const Json& spec) {
  std::string image = GetString(spec, "TrainingImage");
  if (image.empty()) {
    return Invalid("AlgorithmSpecification.TrainingImage is required: an absolute path to a "
                   "directory holding an executable 'train'");
  }
  fs::path dir(image);
  std::error_code ec;
  if (!dir.is_absolute() || !fs::is_directory(dir, ec)) {
    return Invalid("TrainingImage '" + image + "' is not an absolute path to a directory");
  }
  dir = dir.lexically_normal();
  return dir.has_filename() ? dir : dir.parent_path();  // "/img/" -> "/img"
}

std::vector<std::string> StringList(const Json& spec, std::string_view key) {
  std::vector<std::string> out;
  auto it = spec.find(key);
  if (it == spec.end() || !it->is_array()) return out;
  for (const Json& v : *it) out.push_back(v.is_string() ? v.get<std::string>() : v.dump());
  return out;
}

Result<LaunchSpec> OverrideCommand(const Json& spec) {
  TY_ASSIGN_OR_RETURN(fs::path image, ImageDirectory(spec));
  LaunchSpec launch{StringList(spec, "ContainerEntrypoint"), image};
  for (std::string& arg : StringList(spec, "ContainerArguments")) {
    launch.argv.push_back(std::move(arg));
  }
  if (launch.argv.empty() || launch.argv[0].empty()) {
    return Invalid("ContainerEntrypoint/ContainerArguments give no program to run");
  }
  std::string& program = launch.argv[0];
  if (program.find('/') == std::string::npos) {
    if (IsExecutableFile(image / program)) program = (image / program).string();
  } else if (program.front() != '/') {
    program = (image / program).lexically_normal().string();
  }
  return launch;
}

Result<LaunchSpec> ScriptCommand(const Json& request, const InstanceLayout& layout,
                                 const CommandOptions& options) {
  std::string program = ScriptModeParameter(request, "sagemaker_program");
  fs::path relative(program);
  if (program.empty() || relative.is_absolute()) {
    return Invalid("sagemaker_program '" + program +
                   "' must name a file relative to the submit directory");
  }
  for (const fs::path& part : relative) {
    if (part == "..") return Invalid("sagemaker_program '" + program + "' must not contain '..'");
  }
  fs::path path = layout.code_dir() / relative;
  if (!IsRegularFile(path)) {
    std::string submit = ScriptModeParameter(request, "sagemaker_submit_directory");
    return Invalid("sagemaker_program '" + program + "' was not found in " +
                   (submit.empty() ? "the code directory (no sagemaker_submit_directory given)"
                                   : "sagemaker_submit_directory '" + submit + "'"));
  }
  const Json hps = request.value("HyperParameters", Json::object());
  std::vector<std::string> args = ToolkitCommandArgs(UserHyperparameters(hps));
  LaunchSpec launch{{}, layout.code_dir()};
  if (program.ends_with(".py")) {
    launch.argv = {options.python, program};
  } else if (program.ends_with(".sh")) {
    launch.argv = {options.bash, program};
  } else {
    launch.argv = {path.string()};
  }
  launch.argv.insert(launch.argv.end(), args.begin(), args.end());
  return launch;
}

Result<LaunchSpec> ImageCommand(const Json& spec) {
  TY_ASSIGN_OR_RETURN(fs::path image, ImageDirectory(spec));
  fs::path train = image / "train";
  if (!IsExecutableFile(train)) {
    return Invalid("TrainingImage '" + GetString(spec, "TrainingImage") +
                   "' has no executable 'train'");
  }
  return LaunchSpec{{train.string()}, image};
}

}  // namespace

CommandOptions CommandOptionsFromEnvironment() {
  CommandOptions options;
  if (const char* python = std::getenv("TRAINYARD_PYTHON"); python && *python) {
    options.python = python;
  }
  return options;
}

Result<LaunchSpec> BuildCommand(const Json& request, const InstanceLayout& layout,
                                const CommandOptions& options) {
  if (!request.is_object()) return Invalid("the training job request is not a JSON object");
  const Json spec = request.value("AlgorithmSpecification", Json::object());
  if (spec.contains("ContainerEntrypoint") || spec.contains("ContainerArguments")) {
    return OverrideCommand(spec);
  }
  if (!ScriptModeParameter(request, "sagemaker_program").empty()) {
    return ScriptCommand(request, layout, options);
  }
  return ImageCommand(spec);
}

}  // namespace trainyard
