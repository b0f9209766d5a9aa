// `trainyard run JOB.json | --entry-point ...`: the embedded mode. Starts the
// server in-process on a loopback port (state under the state directory,
// file:// storage, local instances), submits one job, streams its output and
// exits 0 only if it Completed.
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <memory>

#include "cli/commands.h"
#include "cli/job_watcher.h"
#include "cli/run_request.h"
#include "cli/server_app.h"
#include "common/ids.h"
#include "common/log.h"

namespace trainyard::cli {
namespace {

std::atomic<bool> g_interrupted{false};  // set by SIGINT/SIGTERM; the watcher stops the job

void OnSignal(int) {
  if (g_interrupted.exchange(true)) _exit(130);  // a second Ctrl-C leaves at once
}

Result<std::string> Submit(ApiClient& client, Json request) {
  Result<Json> created = client.Call("CreateTrainingJob", request);
  if (!created.ok() && created.error().message.rfind("ResourceInUse", 0) == 0) {
    std::string base = GetString(request, "TrainingJobName");
    request["TrainingJobName"] = UniqueName(base);
    std::fprintf(stderr, "A job named %s exists already; running this one as %s\n", base.c_str(),
                 GetString(request, "TrainingJobName").c_str());
    created = client.Call("CreateTrainingJob", request);
  }
  if (!created.ok()) return created.error();
  return GetString(request, "TrainingJobName");
}

void PrintOutcome(const Json& job) {
  std::string status = GetString(job, "TrainingJobStatus");
  std::printf("\nTraining job %s: %s", GetString(job, "TrainingJobName").c_str(), status.c_str());
  if (job.contains("TrainingTimeInSeconds")) {
    std::printf(" (training %llds, billable %llds)",
                static_cast<long long>(GetInt(job, "TrainingTimeInSeconds").value_or(0)),
                static_cast<long long>(GetInt(job, "BillableTimeInSeconds").value_or(0)));
  }
  std::printf("\n");
  if (job.contains("FailureReason")) std::printf("Failure reason: %s\n", GetString(job, "FailureReason").c_str());
  std::string model = GetString(job.value("ModelArtifacts", Json::object()), "S3ModelArtifacts");
  if (!model.empty()) std::printf("Model:       %s\n", model.c_str());
  const Json& checkpoints = job.value("CheckpointConfig", Json::object());
  if (checkpoints.contains("S3Uri")) {
    std::string uri = GetString(checkpoints, "S3Uri");
    std::printf("Checkpoints: %s (see `trainyard checkpoints list %s`)\n", uri.c_str(), uri.c_str());
  }
}

int Run(const RunFlags& flags) {
  ServerConfig config;
  config.http.port = 0;
  config.http.threads = 8;
  config.state_dir = flags.state_dir.empty() ? DefaultStateDir() : flags.state_dir;
  config.use_namespaces = !flags.no_namespaces;
  Result<RunRequest> run = BuildRunRequest(flags, "file://" + config.state_dir + "/output");
  if (!run.ok()) {
    std::fprintf(stderr, "trainyard run: %s\n", run.error().message.c_str());
    return 2;
  }
  config.images = run->images;
  RandomIdGenerator ids;
  Credential credential{"TY" + ids.NewHex(9), ids.NewHex(20), ""};  // this process's own key
  config.credentials = {credential};
  SetLogLevel(LogLevel::kWarning);  // the job's output is what the user came for
  Result<std::unique_ptr<ServerApp>> app = ServerApp::Start(config);
  if (!app.ok()) {
    std::fprintf(stderr, "trainyard run: %s\n", app.error().message.c_str());
    return 1;
  }
  ClientConfig client_config;
  client_config.endpoint_url = (*app)->url();
  client_config.credential = credential;
  ApiClient client(client_config);
  Result<std::string> name = Submit(client, run->request);
  if (!name.ok()) {
    std::fprintf(stderr, "trainyard run: %s\n", name.error().message.c_str());
    return 2;
  }
  std::fprintf(stderr, "Running %s on %lld local instance(s); state in %s\n", name->c_str(),
               static_cast<long long>(GetInt(run->request["ResourceConfig"], "InstanceCount").value_or(1)),
               config.state_dir.c_str());
  struct sigaction action {};
  action.sa_handler = OnSignal;
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
  WatchOptions watch;
  watch.status_line = isatty(STDERR_FILENO);
  watch.interrupted = &g_interrupted;
  Result<Json> job = WatchJob(client, *name, watch);
  (*app)->Stop();
  if (!job.ok()) {
    std::fprintf(stderr, "trainyard run: %s\n", job.error().message.c_str());
    return 1;
  }
  PrintOutcome(*job);
  return GetString(*job, "TrainingJobStatus") == "Completed" ? 0 : 1;
}

}  // namespace

void AddRunCommand(CLI::App& app, int* exit_code) {
  auto flags = std::make_shared<RunFlags>();
  CLI::App* cmd = app.add_subcommand("run", "Run one training job on local instances and watch it");
  cmd->add_option("job", flags->job_file, "CreateTrainingJob JSON (as aws sagemaker --cli-input-json takes)");
  cmd->add_option("--name", flags->name, "Training job name (default: from the file, or generated)");
  cmd->add_option("--entry-point", flags->entry_point, "Script to run (script mode: .py, .sh or executable)");
  cmd->add_option("--source-dir", flags->source_dir, "Directory (or file:// URI / .tar.gz) holding the entry point");
  cmd->add_option("--image", flags->image, "TrainingImage: a directory with an executable `train`");
  cmd->add_option("--instance-count", flags->instance_count, "Number of instances");
  cmd->add_option("--instance-type", flags->instance_type, "Instance type (default ml.m5.xlarge)");
  cmd->add_option("--hyperparameters", flags->hyperparameters, "k=v,k2=v2");
  cmd->add_option("--metric", flags->metrics, "NAME=REGEX (first capture group is the value); repeatable");
  cmd->add_option("--env", flags->environment, "K=V environment for the program; repeatable");
  cmd->add_option("--checkpoint-s3-uri", flags->checkpoint_s3_uri, "Where checkpoints are kept (s3:// or file://)");
  cmd->add_option("--checkpoint-local-path", flags->checkpoint_local_path, "Checkpoint directory in the instance");
  cmd->add_option("--output-path", flags->output_path, "Where model.tar.gz goes (default file://<state>/output)");
  cmd->add_option("--max-run", flags->max_run_seconds, "MaxRuntimeInSeconds");
  cmd->add_option("--state-dir", flags->state_dir, "State directory (default $TRAINYARD_STATE_DIR or ~/.local/state/trainyard)");
  cmd->add_flag("--no-namespaces", flags->no_namespaces, "No per-instance namespaces even as root");
  cmd->callback([flags, exit_code] { *exit_code = Run(*flags); });
}

}  // namespace trainyard::cli
