// ApiHandler: the SageMaker JSON 1.1 protocol, independent of the HTTP library.
//
// Handle() takes one request as received and always returns a response; it
// never throws and never crashes on bad input. In order it checks: method and
// path (POST /), body size, SigV4 signature, content type, X-Amz-Target,
// JSON well-formedness (depth, UTF-8), the operation's input shape, then calls
// the operation registered under that name. Every response carries
// x-amzn-RequestId; errors carry SageMaker's error shape (error_response.h).
// Thread safety: Handle may run concurrently once registration is done.
#pragma once

#include <functional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "api/sigv4.h"
#include "common/clock.h"
#include "common/ids.h"
#include "common/json.h"

namespace trainyard {

struct ApiResponse {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

struct ApiOptions {
  SigV4Options sigv4;
  size_t max_body_bytes = 1 << 20;  // larger bodies get 413
  int max_json_depth = 32;
};

class ApiHandler {
 public:
  using Operation = std::function<Result<Json>(const Json& request)>;

  ApiHandler(ApiOptions options, const CredentialSource& credentials, const Clock& clock,
             IdGenerator& ids);

  // Serves `name` (as in X-Amz-Target "SageMaker.<name>"), after checking the
  // request against the service model. Call before serving.
  void Register(std::string name, Operation operation);
  // Serves trainyard's own operations under "Trainyard.<name>" (same signing
  // and error shapes; the operation validates its input itself).
  void RegisterExtension(std::string name, Operation operation);

  ApiResponse Handle(const HttpRequestView& request) const;

 private:
  Result<Json> Dispatch(const HttpRequestView& request) const;

  ApiOptions options_;
  const CredentialSource& credentials_;
  const Clock& clock_;
  IdGenerator& ids_;
  std::unordered_map<std::string, Operation> operations_;
  std::unordered_map<std::string, Operation> extensions_;
};

// Looks a header up by name, case-insensitively; empty when absent.
std::string_view FindHeader(const HttpRequestView& request, std::string_view name);

}  // namespace trainyard
