// CurlHttpClient: HTTP requests through libcurl, signed with libcurl's own
// SigV4 (CURLOPT_AWS_SIGV4), with connections kept alive for reuse.
//
// Easy handles (each holding its open connections) wait in a pool between
// requests, so consecutive requests to one server reuse a connection.
// Thread safety: Send may be called from any number of threads at once; each
// call uses a handle no other thread holds.
//
// libcurl 7.88 signs the URL's path and query exactly as given and every
// header in HttpRequest::headers, so callers pass canonical URLs (s3_url.h)
// and never a header with an empty value (it would be signed but not sent).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

typedef void CURL;

namespace trainyard {

struct HttpResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // names lowercased
  std::string body;

  // The header's value, or "" when absent; `name` in lowercase.
  std::string Header(const std::string& name) const;
};

// A PUT body read on demand, so that a large body need not be in memory.
// `read` copies body bytes from `offset` into `buffer` and returns how many
// (at least 1 while offset < size; it may be asked for any offset again, from
// 0, when libcurl rewinds to resend). An error stops the transfer and is what
// Send returns.
struct HttpBodySource {
  int64_t size = 0;
  std::function<Result<size_t>(int64_t offset, std::span<char> buffer)> read;
};

struct HttpRequest {
  std::string method = "GET";  // GET, HEAD, PUT, POST or DELETE
  std::string url;
  std::vector<std::string> headers;  // "Name: value"
  std::string_view body;             // sent for PUT and POST; must outlive Send
  // For PUT: when set, the body comes from here instead of `body`; it must
  // outlive Send.
  const HttpBodySource* body_source = nullptr;
  // Where a 2xx reply's body goes, chunk by chunk; when unset it is kept in
  // HttpResponse::body. An error from the sink stops the transfer and is
  // what Send returns. Other replies' bodies always go to
  // HttpResponse::body (at most 1 MiB of them).
  std::function<Status(std::string_view chunk)> body_sink;
  // Called once the final reply's status and headers are in (body empty);
  // returning false skips the body: Send returns the reply without it and
  // the connection is closed. For a server that announces a body it never
  // sends (s3rver: "206, Content-Length: 1, Content-Range: bytes 0-0/0").
  std::function<bool(const HttpResponse& head)> want_body;
};

struct CurlHttpOptions {
  // CURLOPT_AWS_SIGV4, e.g. "aws:amz:us-east-1:s3"; empty sends requests
  // unsigned.
  std::string sigv4_provider;
  std::string access_key_id;
  std::string secret_access_key;
  std::chrono::milliseconds connect_timeout{10'000};
  int64_t low_speed_limit_bytes_per_s = 1024;
  std::chrono::seconds low_speed_time{30};
  std::string ca_file;          // empty: libcurl's default bundle
  size_t max_idle_handles = 64;  // handles kept for reuse; more are closed
};

class CurlHttpClient {
 public:
  explicit CurlHttpClient(CurlHttpOptions options);
  ~CurlHttpClient();
  CurlHttpClient(const CurlHttpClient&) = delete;
  CurlHttpClient& operator=(const CurlHttpClient&) = delete;

  // Sends one request and returns the reply, whatever its status. Failures
  // to get a reply: kUnavailable when another try may work (connection
  // refused or reset, DNS, timeouts, a reply cut short), kFailedPrecondition
  // otherwise (TLS certificates, malformed URLs); sink and source errors as
  // returned.
  Result<HttpResponse> Send(const HttpRequest& request);

 private:
  CURL* Acquire();
  void Release(CURL* handle);

  const CurlHttpOptions options_;
  std::mutex mu_;
  std::vector<CURL*> idle_;
};

}  // namespace trainyard
