// `trainyard server`: runs the control plane until SIGINT/SIGTERM.
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include "cli/commands.h"
#include "cli/server_app.h"
#include "common/log.h"

namespace trainyard::cli {
namespace {

struct ServerFlags {
  std::string listen = "127.0.0.1:8080";
  std::string state_dir;
  std::string region = "us-east-1";
  std::string account_id = "000000000000";
  std::string credentials_file;
  std::string tls_cert, tls_key;
  int64_t max_clock_skew = 300;
  int threads = 16;
  std::vector<std::string> images;
  int grace_period = 120;
  int64_t heartbeat_timeout_ms = 2500;
  bool no_namespaces = false;
  std::string instance_network = "host";
  BridgeNetworkOptions instance_bridge;
  int64_t max_log_mib = 64;
  std::string s3_endpoint_url, s3_region, s3_addressing_style, s3_credentials_file;
  int checkpoint_keep_last = 10;
  int checkpoint_flush_timeout = 600;
  // Health checks and restarts.
  std::vector<std::string> health_programs;
  int health_interval = 30;
  int health_timeout = 10;
  int64_t min_free_disk_mib = 256;
  int64_t min_available_memory_mib = 256;
  bool no_node_checks = false;
  bool no_collective_check = false;
  int64_t collective_check_mib = 4;
  int collective_check_timeout = 15;
  int max_restarts = 10;
  int restart_grace = 10;
  int hang_timeout = 0;
};

// Check programs are the operator's: absolute paths of executables, checked
// once here so that a typo fails the server's start, not every job.
Status AddHealthSettings(const ServerFlags& flags, ServerConfig& config) {
  HealthSettings& health = config.health;
  for (const std::string& program : flags.health_programs) {
    if (program.empty() || program[0] != '/' || access(program.c_str(), X_OK) != 0) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "--health-check-program takes the absolute path of an executable, got " + program);
    }
    health.programs.push_back(program);
  }
  if (flags.health_interval < 0 || flags.health_timeout < 1 || flags.max_restarts < 0 || flags.restart_grace < 0 ||
      flags.hang_timeout < 0 || flags.collective_check_mib < 1 || flags.collective_check_timeout < 1 ||
      flags.min_free_disk_mib < 0 || flags.min_available_memory_mib < 0) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "health and restart settings must be positive (intervals and limits may be 0)");
  }
  health.node_checks = !flags.no_node_checks;
  health.interval_ms = flags.health_interval * 1000;
  health.program_timeout_ms = flags.health_timeout * 1000;
  health.min_free_disk_bytes = flags.min_free_disk_mib << 20;
  health.min_available_memory_bytes = flags.min_available_memory_mib << 20;
  health.collective_check = !flags.no_collective_check;
  health.collective_bytes = flags.collective_check_mib << 20;
  health.collective_timeout_ms = flags.collective_check_timeout * 1000;
  config.max_restarts = flags.max_restarts;
  config.restart_grace_seconds = flags.restart_grace;
  config.hang_timeout_ms = static_cast<int64_t>(flags.hang_timeout) * 1000;
  return Ok();
}

// The object store settings become the standard AWS variables that the
// server's and the agents' S3 clients read.
Status AddObjectStoreEnvironment(const ServerFlags& flags, ServerConfig& config) {
  std::map<std::string, std::string>& env = config.object_store_environment;
  if (!flags.s3_endpoint_url.empty()) env["AWS_ENDPOINT_URL_S3"] = flags.s3_endpoint_url;
  if (!flags.s3_region.empty()) env["AWS_REGION"] = flags.s3_region;
  if (!flags.s3_addressing_style.empty()) {
    if (flags.s3_addressing_style != "auto" && flags.s3_addressing_style != "path" &&
        flags.s3_addressing_style != "virtual") {
      return MakeError(ErrorCode::kInvalidArgument,
                       "--s3-addressing-style takes auto, path or virtual, got " + flags.s3_addressing_style);
    }
    env["TRAINYARD_S3_ADDRESSING_STYLE"] = flags.s3_addressing_style;
  }
  if (!flags.s3_credentials_file.empty()) {
    TY_ASSIGN_OR_RETURN(std::vector<Credential> keys, LoadCredentialsFile(flags.s3_credentials_file));
    if (keys.empty()) {
      return MakeError(ErrorCode::kInvalidArgument, flags.s3_credentials_file + " holds no access key");
    }
    env["AWS_ACCESS_KEY_ID"] = keys.front().access_key_id;
    env["AWS_SECRET_ACCESS_KEY"] = keys.front().secret_access_key;
    if (!keys.front().session_token.empty()) env["AWS_SESSION_TOKEN"] = keys.front().session_token;
  }
  return Ok();
}

Result<ServerConfig> ConfigFrom(const ServerFlags& flags) {
  ServerConfig config;
  size_t colon = flags.listen.rfind(':');
  if (colon == std::string::npos) {
    return MakeError(ErrorCode::kInvalidArgument, "--listen takes HOST:PORT, got " + flags.listen);
  }
  config.http.host = flags.listen.substr(0, colon);
  try {
    config.http.port = std::stoi(flags.listen.substr(colon + 1));
  } catch (...) {
    return MakeError(ErrorCode::kInvalidArgument, "--listen takes HOST:PORT, got " + flags.listen);
  }
  config.http.tls_cert_file = flags.tls_cert;
  config.http.tls_key_file = flags.tls_key;
  config.http.threads = flags.threads;
  config.state_dir = flags.state_dir.empty() ? DefaultStateDir() : flags.state_dir;
  config.region = flags.region;
  config.account_id = flags.account_id;
  config.max_clock_skew_seconds = flags.max_clock_skew;
  config.grace_period_seconds = flags.grace_period;
  config.heartbeat_timeout_ms = flags.heartbeat_timeout_ms;
  config.use_namespaces = !flags.no_namespaces;
  config.instance_network =
      flags.instance_network == "bridge" ? InstanceNetwork::kBridge : InstanceNetwork::kHost;
  config.instance_bridge = flags.instance_bridge;
  config.max_log_bytes_per_job = flags.max_log_mib << 20;
  config.checkpoint_keep_last = flags.checkpoint_keep_last;
  config.checkpoint_flush_timeout_seconds = flags.checkpoint_flush_timeout;
  TY_RETURN_IF_ERROR(AddObjectStoreEnvironment(flags, config));
  TY_RETURN_IF_ERROR(AddHealthSettings(flags, config));
  for (const std::string& image : flags.images) {
    size_t eq = image.find('=');
    if (eq == std::string::npos || eq == 0 || image.size() <= eq + 1 || image[eq + 1] != '/') {
      return MakeError(ErrorCode::kInvalidArgument, "--image takes NAME=/absolute/dir, got " + image);
    }
    config.images[image.substr(0, eq)] = image.substr(eq + 1);
  }
  if (!flags.credentials_file.empty()) {
    TY_ASSIGN_OR_RETURN(config.credentials, LoadCredentialsFile(flags.credentials_file));
  } else if (const char* akid = std::getenv("AWS_ACCESS_KEY_ID"); akid && *akid) {
    const char* secret = std::getenv("AWS_SECRET_ACCESS_KEY");
    const char* token = std::getenv("AWS_SESSION_TOKEN");
    config.credentials.push_back({akid, secret ? secret : "", token ? token : ""});
  }
  return config;
}

int RunServer(const ServerFlags& flags) {
  Result<ServerConfig> config = ConfigFrom(flags);
  if (!config.ok()) {
    std::fprintf(stderr, "trainyard server: %s\n", config.error().message.c_str());
    return 2;
  }
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);  // before threads start, so all inherit it
  Result<std::unique_ptr<ServerApp>> app = ServerApp::Start(*config);
  if (!app.ok()) {
    std::fprintf(stderr, "trainyard server: %s\n", app.error().message.c_str());
    return 1;
  }
  std::string url = (*app)->url();
  std::printf(
      "trainyard server listening on %s (region %s, state %s)\n"
      "Point the AWS CLI or boto3 at it with the access keys it was given:\n"
      "  aws sagemaker list-training-jobs --endpoint-url %s --region %s\n"
      "  boto3.client('sagemaker', endpoint_url='%s', region_name='%s')\n",
      url.c_str(), config->region.c_str(), config->state_dir.c_str(), url.c_str(),
      config->region.c_str(), url.c_str(), config->region.c_str());
  std::fflush(stdout);
  int received = 0;
  sigwait(&signals, &received);
  LogInfo("shutting down on signal " + std::to_string(received));
  (*app)->Stop();
  return 0;
}

}  // namespace

void AddServerCommand(CLI::App& app, int* exit_code) {
  auto flags = std::make_shared<ServerFlags>();
  CLI::App* cmd = app.add_subcommand("server", "Run the control plane (SageMaker API)");
  cmd->add_option("--listen", flags->listen, "HOST:PORT to listen on (port 0: any free port)")
      ->capture_default_str();
  cmd->add_option("--state-dir", flags->state_dir,
                  "Where jobs are stored (default $TRAINYARD_STATE_DIR or ~/.local/state/trainyard)");
  cmd->add_option("--region", flags->region, "Region in signatures and ARNs")->capture_default_str();
  cmd->add_option("--account-id", flags->account_id, "Account id in ARNs")->capture_default_str();
  cmd->add_option("--credentials-file", flags->credentials_file,
                  "AWS-style credentials file with the access keys to accept "
                  "(default: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY)");
  cmd->add_option("--tls-cert", flags->tls_cert, "PEM certificate: serve HTTPS");
  cmd->add_option("--tls-key", flags->tls_key, "PEM private key for --tls-cert");
  cmd->add_option("--max-clock-skew", flags->max_clock_skew, "Seconds a signature's time may be off")
      ->capture_default_str();
  cmd->add_option("--threads", flags->threads, "HTTP worker threads")->capture_default_str();
  cmd->add_option("--image", flags->images,
                  "NAME=/dir: a TrainingImage name and the directory (with an executable `train`) it stands for");
  cmd->add_option("--grace-period", flags->grace_period, "Seconds between SIGTERM and SIGKILL")
      ->capture_default_str();
  cmd->add_option("--heartbeat-timeout-ms", flags->heartbeat_timeout_ms,
                  "An instance whose agent is silent this long is lost")->capture_default_str();
  cmd->add_option("--max-log-mib", flags->max_log_mib, "Log storage per job; later output is dropped, with a note")
      ->capture_default_str()->check(CLI::Range(1, 1 << 20));
  cmd->add_option("--s3-endpoint-url", flags->s3_endpoint_url,
                  "S3-compatible endpoint for s3:// URIs (default: AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, else AWS)");
  cmd->add_option("--s3-region", flags->s3_region, "Region for S3 signatures (default: AWS_REGION)");
  cmd->add_option("--s3-addressing-style", flags->s3_addressing_style,
                  "auto, path (http://host/bucket/key) or virtual (http://bucket.host/key)");
  cmd->add_option("--s3-credentials-file", flags->s3_credentials_file,
                  "AWS-style credentials file with the key for S3 (default: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY)");
  cmd->add_option("--checkpoint-keep-last", flags->checkpoint_keep_last,
                  "Checkpoint sync points kept per instance (older ones are garbage-collected)")
      ->capture_default_str()->check(CLI::Range(1, 1000000));
  cmd->add_option("--checkpoint-flush-timeout", flags->checkpoint_flush_timeout,
                  "Seconds a final checkpoint flush waits for an unreachable store")
      ->capture_default_str()->check(CLI::Range(1, 86400));
  cmd->add_flag("--no-namespaces", flags->no_namespaces,
                "Run instances without their own mount/UTS namespaces even as root");
  cmd->add_option("--instance-network", flags->instance_network,
                  "host: instances share this machine's network; bridge (root): each gets a network "
                  "namespace and address on --instance-bridge, so it can be cut off alone")
      ->capture_default_str()->check(CLI::IsMember({"host", "bridge"}));
  cmd->add_option("--instance-bridge", flags->instance_bridge.bridge,
                  "Bridge for --instance-network bridge (created if missing, kept on exit)")
      ->capture_default_str();
  cmd->add_option("--instance-subnet", flags->instance_bridge.subnet,
                  "IPv4 subnet of the bridge: it takes the first address, instances the others")
      ->capture_default_str();
  cmd->add_option("--health-check-program", flags->health_programs,
                  "An executable every instance runs as a health check (exit 0: healthy; else its output "
                  "is the reason); repeatable")
      ->group("Health checks and restarts");
  cmd->add_option("--health-check-interval-seconds", flags->health_interval,
                  "How often instances rerun their node checks while training (0: only before)")
      ->capture_default_str()->group("Health checks and restarts");
  cmd->add_option("--health-check-timeout-seconds", flags->health_timeout, "Time limit of one check program")
      ->capture_default_str()->group("Health checks and restarts");
  cmd->add_option("--min-free-disk-mib", flags->min_free_disk_mib,
                  "Free space /opt/ml and the checkpoint directory need")
      ->capture_default_str()->group("Health checks and restarts");
  cmd->add_option("--min-available-memory-mib", flags->min_available_memory_mib, "MemAvailable an instance needs")
      ->capture_default_str()->group("Health checks and restarts");
  cmd->add_flag("--no-node-checks", flags->no_node_checks, "Skip the GPU, disk, memory and program checks")
      ->group("Health checks and restarts");
  cmd->add_flag("--no-collective-check", flags->no_collective_check,
                "Skip the Gloo allreduce across instances before training")
      ->group("Health checks and restarts");
  cmd->add_option("--collective-check-mib", flags->collective_check_mib, "Allreduce size of the collective check (instances on one loopback move 64 KiB)")
      ->capture_default_str()->group("Health checks and restarts");
  cmd->add_option("--collective-check-timeout-seconds", flags->collective_check_timeout,
                  "How long the collective check waits for a peer")
      ->capture_default_str()->group("Health checks and restarts");
  cmd->add_option("--max-restarts", flags->max_restarts,
                  "Automatic restarts per job after platform faults, then Failed")
      ->capture_default_str()->group("Health checks and restarts");
  cmd->add_option("--restart-grace-seconds", flags->restart_grace,
                  "SIGTERM to SIGKILL for the healthy instances when restarting")
      ->capture_default_str()->group("Health checks and restarts");
  cmd->add_option("--hang-timeout-seconds", flags->hang_timeout,
                  "No log line or metric for this long while training is a hang: restart (0: off)")
      ->capture_default_str()->group("Health checks and restarts");
  cmd->callback([flags, exit_code] { *exit_code = RunServer(*flags); });
}

}  // namespace trainyard::cli
