// ServerApp: the composition root of `trainyard server` and of the embedded
// server in `trainyard run`. It opens the store under the state directory,
// wires the API, the service and the launcher, and serves HTTP(S).
// Start() returns once the socket is bound; Stop() (or the destructor) shuts
// everything down.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "api/http_server.h"
#include "api/sigv4.h"
#include "common/result.h"

namespace trainyard {

struct ServerConfig {
  HttpServerOptions http;
  std::string state_dir;                 // holds trainyard.db
  std::string region = "us-east-1";
  std::string account_id = "000000000000";
  std::vector<Credential> credentials;   // at least one
  int64_t max_clock_skew_seconds = 300;
};

class ServerApp {
 public:
  ~ServerApp();
  static Result<std::unique_ptr<ServerApp>> Start(ServerConfig config);
  int port() const;
  const ServerConfig& config() const;
  void Stop();

 private:
  struct Impl;
  explicit ServerApp(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// $TRAINYARD_STATE_DIR, else $XDG_STATE_HOME/trainyard, else ~/.local/state/trainyard.
std::string DefaultStateDir();

}  // namespace trainyard
