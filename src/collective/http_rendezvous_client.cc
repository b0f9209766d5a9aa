#include "collective/http_rendezvous_client.h"

#include <httplib.h>

#include "agent_http/agent_http_client.h"
#include "common/json.h"
#include "common/query_string.h"

namespace trainyard {
namespace {

constexpr char kPath[] = "/agent/v1/rendezvous?key=";

// The "__type" of an AWS-shaped JSON error body, "" when it is not one.
std::string ErrorType(const std::string& body) {
  Result<Json> json = ParseJson(body, {.max_depth = 4});
  return json.ok() ? GetString(*json, "__type") : "";
}

Error StatusError(const std::string& what, const httplib::Response& res) {
  int status = res.status;
  std::string message =
      what + ": HTTP " + std::to_string(status) + " " + res.body.substr(0, 512);
  if (status >= 500 || status == 408 || status == 429) {
    return MakeError(ErrorCode::kUnavailable, message);
  }
  if (status == 401 || status == 403) return MakeError(ErrorCode::kFailedPrecondition, message);
  if (ErrorType(res.body) == "ResourceLimitExceeded") {
    return MakeError(ErrorCode::kResourceExhausted, message);
  }
  return MakeError(ErrorCode::kInvalidArgument, message);
}

}  // namespace

struct HttpRendezvousClient::Impl {
  HttpRendezvousClientOptions options;
  std::unique_ptr<httplib::Client> client;
};

HttpRendezvousClient::HttpRendezvousClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
HttpRendezvousClient::~HttpRendezvousClient() = default;

Result<std::unique_ptr<HttpRendezvousClient>> HttpRendezvousClient::Create(
    HttpRendezvousClientOptions options) {
  auto impl = std::make_unique<Impl>();
  TY_ASSIGN_OR_RETURN(impl->client, OpenAgentHttpClient({.server_url = options.server_url,
                                                         .job_name = options.job_name,
                                                         .host = options.host,
                                                         .token = options.token,
                                                         .connect_timeout = options.connect_timeout,
                                                         .read_timeout = options.read_timeout}));
  impl->options = std::move(options);
  return std::unique_ptr<HttpRendezvousClient>(new HttpRendezvousClient(std::move(impl)));
}

Status HttpRendezvousClient::Set(const std::string& key, const std::string& value) {
  const std::string what = "PUT rendezvous key " + key;
  std::lock_guard lock(mu_);
  httplib::Result res =
      impl_->client->Put(kPath + PercentEncode(key), value, "application/octet-stream");
  if (!res) return MakeError(ErrorCode::kUnavailable, what + ": " + httplib::to_string(res.error()));
  if (res->status >= 200 && res->status < 300) return Ok();
  return StatusError(what, *res);
}

Result<std::optional<std::string>> HttpRendezvousClient::Get(const std::string& key) {
  const std::string what = "GET rendezvous key " + key;
  std::lock_guard lock(mu_);
  httplib::Result res = impl_->client->Get(kPath + PercentEncode(key));
  if (!res) return MakeError(ErrorCode::kUnavailable, what + ": " + httplib::to_string(res.error()));
  if (res->status == 200) return std::optional<std::string>(std::move(res->body));
  // Only the route's own "not set yet" answer means absent; any other 404
  // (a server without the route) is an error.
  if (res->status == 404 && ErrorType(res->body) == "ResourceNotFound") {
    return std::optional<std::string>();
  }
  return StatusError(what, *res);
}

}  // namespace trainyard
