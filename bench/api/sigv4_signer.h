// Json11Signer: signs AWS JSON 1.1 requests (POST /, body = JSON) with
// Signature Version 4 exactly as botocore's SigV4Auth does for SageMaker:
// SignedHeaders are content-type;host;x-amz-date;x-amz-target, plus
// x-amz-security-token when the credential carries a session token; the
// payload hash is the SHA-256 of the body; no X-Amz-Content-SHA256 header.
//
// Not thread-safe: it caches the signing key of the current day. Give each
// client thread its own signer.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace trainyard::bench {

struct SigningCredential {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // sent as X-Amz-Security-Token when non-empty
};

// The headers a signed request must carry besides Content-Type, Host and
// X-Amz-Target (which the caller sends with the values it passed to Sign).
struct Json11Signature {
  std::string amz_date;       // X-Amz-Date, "YYYYMMDDTHHMMSSZ"
  std::string authorization;  // Authorization
};

class Json11Signer {
 public:
  static constexpr std::string_view kContentType = "application/x-amz-json-1.1";

  Json11Signer(SigningCredential credential, std::string region, std::string service);

  // host: the Host header as sent ("127.0.0.1:8080"); target: the
  // X-Amz-Target value ("SageMaker.DescribeTrainingJob"); epoch_seconds: the
  // request time (UTC).
  Json11Signature Sign(std::string_view host, std::string_view target, std::string_view body,
                       int64_t epoch_seconds);

  const SigningCredential& credential() const { return credential_; }

 private:
  const std::string& SigningKey(std::string_view day);

  SigningCredential credential_;
  std::string region_;
  std::string service_;
  std::string key_day_;  // the day signing_key_ was derived for
  std::string signing_key_;
};

// "YYYYMMDDTHHMMSSZ" for a UTC time.
std::string AmzDate(int64_t epoch_seconds);

}  // namespace trainyard::bench
