// HttpTransport: one client keep-alive connection that POSTs to "/" of one
// endpoint. The load generator gives each client thread its own transport.
// Implementations reconnect by themselves when the server closes the
// connection (moto_server closes after every response).
//
// Not thread-safe: one caller at a time.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"

namespace trainyard::bench {

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

class HttpTransport {
 public:
  virtual ~HttpTransport() = default;

  // Sends POST / with `headers` (the transport adds Content-Length and
  // whatever its library always adds, none of which are signed) and `body`.
  // Returns the HTTP status and fills *response_body; an error (kUnavailable)
  // when no response arrived (connect, send, receive or timeout failure).
  virtual Result<int> Post(const HttpHeaders& headers, std::string_view body,
                           std::string* response_body) = 0;
};

struct TransportOptions {
  std::string host = "127.0.0.1";
  int port = 8080;
  int timeout_seconds = 30;  // connect, read and write, each
};

// cpp-httplib's Client with keep-alive on and response decompression off.
std::unique_ptr<HttpTransport> NewHttplibTransport(const TransportOptions& options);

// A reused libcurl easy handle (its connection cache keeps the connection).
std::unique_ptr<HttpTransport> NewCurlTransport(const TransportOptions& options);

}  // namespace trainyard::bench
