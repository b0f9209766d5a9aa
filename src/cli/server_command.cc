// `trainyard server`: runs the control plane until SIGINT/SIGTERM.
#include <signal.h>

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
  int64_t heartbeat_timeout_ms = 3000;
  bool no_namespaces = false;
  std::string instance_network = "host";
  BridgeNetworkOptions instance_bridge;
  int64_t max_log_mib = 64;
  std::string s3_endpoint_url, s3_region, s3_addressing_style, s3_credentials_file;
  int checkpoint_keep_last = 10;
  int checkpoint_flush_timeout = 600;
};

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
  cmd->callback([flags, exit_code] { *exit_code = RunServer(*flags); });
}

}  // namespace trainyard::cli
