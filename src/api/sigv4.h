// AWS Signature Version 4 verification of incoming requests (header form).
//
// VerifySigV4 recomputes the signature from the request as received and the
// secret of the access key named in the Authorization header, and compares it
// in constant time. It checks the algorithm, the credential scope (date equals
// the request day, region and service equal the options, "aws4_request"), that
// host and the timestamp header are signed, the clock skew, and the session
// token when the credential has one. The timestamp is X-Amz-Date
// (YYYYMMDD'T'HHMMSS'Z'); without it, an RFC 1123 Date header (botocore sends
// that only when the caller set Date). It returns the verified access key id,
// or an error whose message follows AWS's wording:
//   kMissingAuthentication  no (or an empty) Authorization header
//   kIncompleteSignature    malformed Authorization header; missing, repeated or
//                           malformed timestamp; host, the timestamp header,
//                           X-Amz-Security-Token or X-Amz-Content-SHA256 present
//                           but not among SignedHeaders
//   kInvalidSignature       signature mismatch; wrong scope (date, region,
//                           service, terminator); X-Amz-Content-SHA256 that is
//                           not the SHA-256 of the body
//   kSignatureExpired       timestamp more than max_skew_seconds before or
//                           after now ("Signature expired: ..." / "Signature
//                           not yet current: ...")
//   kUnrecognizedClient     unknown access key; session token missing or wrong
//                           for a credential that has one; a token sent for a
//                           credential that has none
// VerifySigV4 is pure (no I/O) and safe to call concurrently.
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

// Reads an AWS-style INI credentials file: every [section] with
// aws_access_key_id and aws_secret_access_key (and optionally
// aws_session_token) becomes one credential; sections with none of the three
// are skipped, other keys are ignored. Lines starting with '#' or ';' are
// comments; whitespace around '=' does not matter. Errors: kNotFound when the
// file does not exist; kInvalidArgument "<path>:<line>: ..." for malformed
// content (never quoting a value), including one access key id listed with
// two different secrets; kUnavailable when it cannot be read.
Result<std::vector<Credential>> LoadCredentialsFile(const std::string& path);

struct HttpRequestView {
  std::string_view method;       // "POST"
  std::string_view path;         // "/" (raw, as received: not percent-decoded)
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
