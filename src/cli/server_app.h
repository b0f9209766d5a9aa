// ServerApp: the composition root of `trainyard server` and of the embedded
// server in `trainyard run`. It opens the store under the state directory,
// wires the API, the service and the launcher, and serves HTTP(S): on
// `http.host`, and with the bridge instance network also on the bridge's
// address (same port, same routes) for the agents there.
// Start() returns once the socket is bound; Stop() (or the destructor) shuts
// everything down.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "api/http_server.h"
#include "api/sigv4.h"
#include "backend/local_backend.h"
#include "common/result.h"
#include "model/health_report.h"

namespace trainyard {

struct ServerConfig {
  HttpServerOptions http;
  std::string state_dir;                 // holds trainyard.db
  std::string region = "us-east-1";
  std::string account_id = "000000000000";
  std::vector<Credential> credentials;   // at least one
  int64_t max_clock_skew_seconds = 300;
  // Execution on local instances.
  std::string agent_binary;              // the executable agents run (default: DefaultAgentBinary())
  std::map<std::string, std::string> images;  // TrainingImage name -> directory
  int grace_period_seconds = 120;        // SIGTERM to SIGKILL on stop and failure
  int64_t heartbeat_timeout_ms = 2500;   // an agent silent this long is lost
  bool use_namespaces = true;            // per-instance mount/UTS namespaces when root
  // kBridge (root and namespaces only): a network namespace per instance on
  // the bridge `instance_bridge`; the server then also listens on the
  // bridge's address, on the same port, for the agents.
  InstanceNetwork instance_network = InstanceNetwork::kHost;
  BridgeNetworkOptions instance_bridge;
  int64_t max_log_bytes_per_job = 64 << 20;  // later output is dropped, with a note in the log
  // Object stores (s3:// channels, output, checkpoints): the standard AWS
  // variables (AWS_ENDPOINT_URL, AWS_REGION, AWS_ACCESS_KEY_ID, ...) that the
  // server and every agent use, on top of those in the server's environment.
  std::map<std::string, std::string> object_store_environment;
  int checkpoint_keep_last = 10;               // sync points kept per instance
  int checkpoint_flush_timeout_seconds = 600;  // a final flush waits this long for the store
  // Health checks and automatic restarts (controller/fault_policy.h).
  HealthSettings health;                 // what every agent checks, and how often
  int max_restarts = 10;                 // automatic restarts per job, then Failed
  int restart_grace_seconds = 10;        // SIGTERM to SIGKILL when stopping for a restart
  int64_t hang_timeout_ms = 0;           // no output for this long while training is a hang (0: off)
};

class ServerApp {
 public:
  ~ServerApp();
  static Result<std::unique_ptr<ServerApp>> Start(ServerConfig config);
  int port() const;
  std::string url() const;
  const ServerConfig& config() const;
  void Stop();

 private:
  struct Impl;
  explicit ServerApp(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The path of the running trainyard executable (agents run it too).
std::string CurrentExecutable();

// The agent instances run: `trainyard-agent` beside this executable (the agent
// linked alone: less memory and start-up per instance), else this executable.
std::string DefaultAgentBinary();

// $TRAINYARD_STATE_DIR, else $XDG_STATE_HOME/trainyard, else ~/.local/state/trainyard.
std::string DefaultStateDir();

}  // namespace trainyard
