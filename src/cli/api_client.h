// ApiClient: calls the SageMaker API of a trainyard server (or any
// SageMaker-compatible endpoint) with SigV4-signed JSON 1.1 requests, the same
// way the AWS CLI does. libcurl does the HTTP and the signing.
//
// Call() returns the response object, or an Error whose message is
// "<__type>: <message>" as the server sent it (kInvalidArgument for 4xx,
// kUnavailable for 5xx and connection failures).
// Thread safety: one ApiClient per thread.
#pragma once

#include <string>

#include "api/sigv4.h"
#include "common/json.h"
#include "common/result.h"

namespace trainyard {

struct ClientConfig {
  std::string endpoint_url = "http://127.0.0.1:8080";
  std::string region = "us-east-1";
  Credential credential;
  std::string ca_file;       // extra CA bundle for https endpoints
  long timeout_seconds = 30;
};

// Fills a ClientConfig from flags (non-empty arguments win), then
// TRAINYARD_ENDPOINT_URL / AWS_ENDPOINT_URL_SAGEMAKER / AWS_ENDPOINT_URL,
// AWS_REGION / AWS_DEFAULT_REGION, AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY /
// AWS_SESSION_TOKEN, else the profile (AWS_PROFILE or "default") of
// ~/.aws/credentials. kInvalidArgument when no credentials are found.
Result<ClientConfig> ResolveClientConfig(const std::string& endpoint_flag,
                                         const std::string& region_flag,
                                         const std::string& profile_flag);

class ApiClient {
 public:
  explicit ApiClient(ClientConfig config);
  ~ApiClient();
  ApiClient(const ApiClient&) = delete;
  ApiClient& operator=(const ApiClient&) = delete;

  // `operation` is a SageMaker operation ("DescribeTrainingJob") or a full
  // target with its prefix ("Trainyard.GetTrainingJobLogs").
  Result<Json> Call(const std::string& operation, const Json& request);

 private:
  ClientConfig config_;
  void* curl_;  // CURL*, reused across calls for connection reuse
};

}  // namespace trainyard
