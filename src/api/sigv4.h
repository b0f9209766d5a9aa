// AWS Signature Version 4 verification of incoming requests (header form).
//
// VerifySigV4 recomputes the signature from the request as received and the
// secret of the access key named in the Authorization header, and compares it
// in constant time. It checks the algorithm, the credential scope (date equals
// the X-Amz-Date day, region, service, "aws4_request"), that host and
// x-amz-date are signed, the clock skew, and the session token when the
// credential has one. It returns the verified access key id, or an error:
//   kMissingAuthentication  no Authorization header
//   kIncompleteSignature    malformed Authorization header / missing X-Amz-Date
//   kUnrecognizedClient     unknown access key, or wrong/missing session token
//   kInvalidSignature       signature mismatch, wrong scope
//   kSignatureExpired       X-Amz-Date more than max_skew_seconds from now
// Messages follow AWS's wording. Pure: no I/O; safe to call concurrently.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "common/result.h"

namespace trainyard {

struct Credential {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // when non-empty, requests must carry it in X-Amz-Security-Token
};

// Looks credentials up by access key id. Thread-safe.
class CredentialSource {
 public:
  virtual ~CredentialSource() = default;
  virtual std::optional<Credential> Lookup(std::string_view access_key_id) const = 0;
};

// A fixed set of credentials.
class StaticCredentialSource : public CredentialSource {
 public:
  explicit StaticCredentialSource(std::vector<Credential> credentials);
  std::optional<Credential> Lookup(std::string_view access_key_id) const override;
  bool empty() const { return credentials_.empty(); }

 private:
  std::vector<Credential> credentials_;
};

// Reads an AWS-style INI credentials file: every section with
// aws_access_key_id and aws_secret_access_key (and optionally
// aws_session_token) becomes one credential.
Result<std::vector<Credential>> LoadCredentialsFile(const std::string& path);

struct HttpRequestView {
  std::string_view method;       // "POST"
  std::string_view path;         // "/" (raw, as received)
  std::string_view query;        // raw query string without '?', may be empty
  // Headers as received; names in any case; a name may repeat.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string_view body;
};

struct SigV4Options {
  std::string service = "sagemaker";
  std::string region = "us-east-1";  // the credential scope's region must match
  int64_t max_skew_seconds = 300;
};

Result<std::string> VerifySigV4(const HttpRequestView& request, const CredentialSource& credentials,
                                const SigV4Options& options, EpochMs now);

}  // namespace trainyard
