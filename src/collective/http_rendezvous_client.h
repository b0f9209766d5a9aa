// HttpRendezvousClient: RendezvousClient over the server's agent API
// (PUT/GET /agent/v1/rendezvous?key=..., cpp-httplib), with the agent
// protocol's X-Trainyard-Job, X-Trainyard-Host and bearer-token headers.
// Each call is one request bounded by the configured timeouts; polling and
// retrying are the caller's business (ServerGlooStore does both).
// Thread safety: calls may come from any thread; they are serialized on one
// kept-alive connection.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <string>

#include "collective/rendezvous_client.h"

namespace trainyard {

struct HttpRendezvousClientOptions {
  std::string server_url;  // "http://127.0.0.1:8080" or "https://..."
  std::string job_name;
  std::string host;        // "algo-1"
  std::string token;       // the per-job bearer token
  std::chrono::milliseconds connect_timeout{2000};
  std::chrono::milliseconds read_timeout{5000};
};

class HttpRendezvousClient : public RendezvousClient {
 public:
  // kInvalidArgument for a server URL that is not http(s)://host[:port].
  static Result<std::unique_ptr<HttpRendezvousClient>> Create(HttpRendezvousClientOptions options);
  ~HttpRendezvousClient() override;

  // Errors: kUnavailable (no connection, 5xx, 408, 429), kFailedPrecondition
  // (401/403: not this job's agent, or the job is over), kResourceExhausted
  // (the job's store is full), kInvalidArgument (other refusals, e.g. a key
  // outside the current attempt's prefix).
  Status Set(const std::string& key, const std::string& value) override;
  Result<std::optional<std::string>> Get(const std::string& key) override;

 private:
  struct Impl;  // keeps <httplib.h> out of headers
  explicit HttpRendezvousClient(std::unique_ptr<Impl> impl);

  std::mutex mu_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace trainyard
