// What to run in an instance: the training program's argv and working
// directory, read from AlgorithmSpecification the way the design's "What runs
// in an instance" describes. No shell is ever involved.
//
//   1. ContainerEntrypoint and/or ContainerArguments (as `docker run
//      [--entrypoint E] IMAGE [ARGS]`): argv = E + ARGS (ARGS alone without an
//      entrypoint); working dir = the TrainingImage directory. An argv[0]
//      without '/' naming an executable file in the image directory runs that
//      file; a relative path with '/' is taken relative to the image
//      directory; any other bare name is looked up in PATH when spawned.
//   2. Script mode (hyperparameter sagemaker_program, its code staged into
//      the code dir by StageSubmitDirectory): "x.py" -> [python, x.py, ARGS],
//      "x.sh" -> [bash, x.sh, ARGS], else [<code dir>/x, ARGS], where ARGS are
//      the user hyperparameters as the toolkit passes them ("--key value",
//      sorted); working dir = the code dir.
//   3. Otherwise: [<TrainingImage>/train]; working dir = TrainingImage, which
//      must be an absolute path to a directory holding an executable `train`.
//
// Errors (kInvalidArgument, which the caller reports as a ClientError): a
// TrainingImage that is not such a directory, a sagemaker_program that is
// absolute, contains "..", or is missing from the code dir.
// Thread safety: reads the file system only.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "agent/instance_layout.h"
#include "common/json.h"
#include "common/result.h"

namespace trainyard {

struct CommandOptions {
  std::string python = "/usr/bin/python3";  // runs .py programs (TRAINYARD_PYTHON)
  std::string bash = "/bin/bash";           // runs .sh programs
};

// Defaults, with `python` from the agent's TRAINYARD_PYTHON when set.
CommandOptions CommandOptionsFromEnvironment();

struct LaunchSpec {
  std::vector<std::string> argv;  // argv[0] is the program to execute
  std::filesystem::path working_dir;
};

// `request` is the normalized CreateTrainingJob request.
Result<LaunchSpec> BuildCommand(const Json& request, const InstanceLayout& layout,
                                const CommandOptions& options = {});

}  // namespace trainyard
