// HttpServer: the HTTP(S) listener (cpp-httplib behind this adapter).
//
// POST / goes to the ApiHandler; other paths go to routes registered with
// Route() (agent endpoints, console, /metrics). Errors that the HTTP library
// produces itself (oversized bodies, malformed requests) still get an
// AWS-shaped JSON body. Routes must be registered before Start().
// Thread safety: handlers run on a pool of `threads` threads.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "api/api_handler.h"
#include "common/result.h"

namespace trainyard {

struct HttpServerOptions {
  std::string host = "127.0.0.1";
  int port = 8080;               // 0 picks a free port; see port()
  std::string tls_cert_file;     // both set: serve HTTPS
  std::string tls_key_file;
  int threads = 16;
  size_t max_body_bytes = 1 << 20;  // the HTTP layer refuses bodies over 4x this
};

class HttpServer {
 public:
  using RouteHandler = std::function<ApiResponse(const HttpRequestView& request)>;

  ~HttpServer();

  // kInvalidArgument if TLS files cannot be loaded.
  static Result<std::unique_ptr<HttpServer>> Create(const HttpServerOptions& options,
                                                    const ApiHandler& api);

  // Requests whose path starts with `prefix` (and method matches) go to `handler`.
  void Route(std::string method, std::string prefix, RouteHandler handler);

  // Binds the socket; kUnavailable if the address is taken. Returns the port.
  Result<int> Bind();
  // Serves on a background thread until Stop().
  void Start();
  void Stop();

  int port() const { return port_; }
  bool tls() const { return tls_; }

 private:
  struct Impl;
  explicit HttpServer(std::unique_ptr<Impl> impl, HttpServerOptions options, bool tls);

  std::unique_ptr<Impl> impl_;
  HttpServerOptions options_;
  bool tls_;
  int port_ = 0;
  std::thread thread_;
};

}  // namespace trainyard
