// SignLikeBotocore: signs a SageMaker JSON 1.1 request the way botocore's
// SigV4Auth does, so that a harness can hand ApiHandler requests that pass
// authentication and reach the layers behind it.
//
// Scope: POST / with no query string, to one host, for one X-Amz-Target. The
// signed headers are the ones botocore signs for such a call: content-type,
// host, the timestamp header (x-amz-date, or date when asked), and
// x-amz-security-token / x-amz-content-sha256 when present. User-Agent and
// Content-Length are added unsigned, as botocore's transport adds them.
// Pure function of its arguments; safe to call concurrently.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/sigv4.h"
#include "common/clock.h"

namespace trainyard {

struct BotocoreSigningOptions {
  std::string host = "127.0.0.1:18080";
  std::string region = "us-east-1";
  std::string service = "sagemaker";
  // Carry the time in an RFC 1123 Date header ("Fri, 27 Nov 2026 17:38:59
  // -0000") instead of X-Amz-Date, as botocore does when the caller set Date.
  bool use_date_header = false;
  // Send and sign X-Amz-Content-SHA256 (the hex SHA-256 of the body).
  bool send_content_sha256 = false;
};

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

// Returns every header of the request, Authorization included. When
// `credential` has a session token it is sent in X-Amz-Security-Token and
// signed. `time` is truncated to whole seconds.
HttpHeaders SignLikeBotocore(const Credential& credential, std::string_view target,
                             std::string_view body, EpochMs time,
                             const BotocoreSigningOptions& options = {});

}  // namespace trainyard
