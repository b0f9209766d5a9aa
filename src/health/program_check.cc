#include "health/program_check.h"

#include <string.h>
#include <unistd.h>

#include <utility>

#include "common/strings.h"
#include "health/program_runner.h"

namespace trainyard {
namespace {

std::vector<std::string> AgentEnvironment() {
  std::vector<std::string> env;
  for (char** var = environ; var && *var; ++var) env.emplace_back(*var);
  return env;
}

std::string FormatDuration(std::chrono::milliseconds duration) {
  if (duration.count() % 1000 == 0) return std::to_string(duration.count() / 1000) + " s";
  return std::to_string(duration.count()) + " ms";
}

// The output as one line: trimmed, its lines joined by " / ", "..." in front
// when earlier output was dropped.
std::string OneLine(const ProgramOutcome& outcome) {
  std::string line;
  std::string_view rest = outcome.output;
  while (!rest.empty()) {
    std::string_view piece = Trim(NextField(&rest, '\n'));
    if (piece.empty()) continue;
    if (!line.empty()) line += " / ";
    line += piece;
  }
  if (outcome.output_truncated && !line.empty()) line = "..." + line;
  return line;
}

std::string Describe(const ProgramOutcome& outcome, std::chrono::milliseconds timeout) {
  std::string what;
  if (outcome.timed_out) {
    what = "timed out after " + FormatDuration(timeout);
  } else if (outcome.signal != 0) {
    what = "killed by signal " + std::to_string(outcome.signal) + " (" + strsignal(outcome.signal) + ")";
  } else {
    what = "exited " + std::to_string(outcome.exit_code);
  }
  const std::string output = OneLine(outcome);
  return output.empty() ? what : what + ": " + output;
}

}  // namespace

ProgramHealthCheck::ProgramHealthCheck(std::filesystem::path program, ProgramCheckOptions options)
    : program_(std::move(program)), options_(options), name_("program " + program_.string()) {}

Result<HealthVerdict> ProgramHealthCheck::Run(const HealthContext& context) {
  if (!program_.is_absolute()) {
    return MakeError(ErrorCode::kInvalidArgument, "health check program " + program_.string() + " is not an absolute path");
  }
  ProgramSpec spec;
  spec.argv = {program_.string()};
  spec.env = HealthProgramEnvironment(AgentEnvironment(), context);
  spec.timeout = options_.timeout;
  spec.max_output_bytes = options_.max_output_bytes;
  TY_ASSIGN_OR_RETURN(ProgramOutcome outcome, RunProgram(spec));
  const bool healthy = !outcome.timed_out && outcome.signal == 0 && outcome.exit_code == 0;
  return HealthVerdict{name_, healthy, Describe(outcome, options_.timeout)};
}

std::vector<std::string> HealthProgramEnvironment(const std::vector<std::string>& base, const HealthContext& context) {
  const std::pair<std::string, std::string> added[] = {
      {"TRAINYARD_HEALTH_CHECK", "1"},
      {"SM_CURRENT_HOST", context.host},
      {"TRAINYARD_INSTANCE_ID", context.instance_id},
      {"TRAINYARD_INSTANCE_TYPE", context.instance_type},
      {"TRAINING_JOB_NAME", context.job_name},
      {"TRAINYARD_ML_ROOT", context.ml_root.string()},
      {"TRAINYARD_CHECKPOINT_DIR", context.checkpoint_dir.string()},
  };
  std::vector<std::string> env;
  for (const std::string& var : base) {
    bool replaced = false;
    for (const auto& [name, value] : added) replaced = replaced || var.starts_with(name + "=");
    if (!replaced) env.push_back(var);
  }
  for (const auto& [name, value] : added) env.push_back(name + "=" + value);
  return env;
}

}  // namespace trainyard
