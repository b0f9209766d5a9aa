// How the SageMaker training toolkit turns hyperparameters into environment
// values and command-line arguments (contract 4.3, 4.4), reproduced in C++ so
// that programs see byte-for-byte what they would see under the toolkit.
//
// The toolkit json.loads() every hyperparameter value and falls back to the raw
// string when that fails; it then formats values with Python's str() for
// arguments and json.dumps(sort_keys=True, separators=(",", ":")) for
// environment values. Known gaps: integers beyond 64 bits become floats, and
// repr() of non-ASCII strings keeps every non-ASCII character (Python escapes
// unprintable ones).
//
// Thread safety: pure functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/json.h"

namespace trainyard {

// Keeps object members in document order, as Python dicts do.
using OrderedJson = nlohmann::ordered_json;

// json.loads(text), falling back to the string itself when it is not JSON.
// Accepts Python's NaN, Infinity and -Infinity.
OrderedJson LoadHyperparameterValue(std::string_view text);

// Python's str(value): True/False/None, 0.001, 1e-05, [1, 'a'], {'k': 1}.
std::string PythonStr(const OrderedJson& value);

// Python's json.dumps(value, sort_keys=True, separators=(",", ":"),
// ensure_ascii=True).
std::string PythonJsonDumps(const OrderedJson& value);

// The toolkit's environment value: strings unchanged, None as "", anything
// else as PythonJsonDumps.
std::string ToolkitEnvValue(const OrderedJson& value);

// The toolkit's argument value: None as "", dicts as "k=v,k2=v2" (sorted by
// key, values str()'d), anything else str()'d.
std::string ToolkitArgValue(const OrderedJson& value);

// True for the hyperparameters the toolkit keeps from the user program: every
// "sagemaker_*" key, "_tuning_objective_metric" and "default_user_module_name".
bool IsReservedHyperparameter(std::string_view name);

// The user hyperparameters of a HyperParameters map (string -> string), each
// value loaded with LoadHyperparameterValue, reserved keys left out. Keys are
// sorted.
OrderedJson UserHyperparameters(const Json& hyperparameters);

// The "sagemaker_*" hyperparameters that are not reserved by name
// (additional_framework_parameters), loaded the same way.
OrderedJson AdditionalFrameworkParameters(const Json& hyperparameters);

// to_cmd_args: "--key value" (or "-k value" for one-character keys) for each
// user hyperparameter, sorted by key.
std::vector<std::string> ToolkitCommandArgs(const OrderedJson& user_hyperparameters);

}  // namespace trainyard
