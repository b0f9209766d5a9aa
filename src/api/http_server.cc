#include "api/http_server.h"

#include <httplib.h>

#include <atomic>
#include <vector>

#include "api/error_response.h"

namespace trainyard {

struct HttpServer::Impl {
  std::unique_ptr<httplib::Server> server;
  const ApiHandler* api = nullptr;
  struct RouteEntry {
    std::string method;
    std::string prefix;
    RouteHandler handler;
  };
  std::vector<RouteEntry> routes;
};

namespace {

HttpRequestView ViewOf(const httplib::Request& req) {
  HttpRequestView view;
  view.method = req.method;
  std::string_view target = req.target;
  size_t q = target.find('?');
  view.path = target.substr(0, q);
  if (q != std::string_view::npos) view.query = target.substr(q + 1);
  view.headers.assign(req.headers.begin(), req.headers.end());
  view.body = req.body;
  return view;
}

void Write(const ApiResponse& response, httplib::Response& res) {
  res.status = response.status;
  std::string content_type = "application/json";
  for (const auto& [name, value] : response.headers) {
    if (name == "Content-Type") content_type = value;
    else res.set_header(name, value);
  }
  res.set_content(response.body, content_type);
}

}  // namespace

HttpServer::HttpServer(std::unique_ptr<Impl> impl, HttpServerOptions options, bool tls)
    : impl_(std::move(impl)), options_(std::move(options)), tls_(tls) {}

HttpServer::~HttpServer() { Stop(); }

Result<std::unique_ptr<HttpServer>> HttpServer::Create(const HttpServerOptions& options,
                                                       const ApiHandler& api) {
  auto impl = std::make_unique<Impl>();
  bool tls = !options.tls_cert_file.empty() || !options.tls_key_file.empty();
  if (tls) {
    auto ssl = std::make_unique<httplib::SSLServer>(options.tls_cert_file.c_str(),
                                                    options.tls_key_file.c_str());
    if (!ssl->is_valid()) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "cannot load TLS certificate '" + options.tls_cert_file + "' and key '" +
                           options.tls_key_file + "'");
    }
    impl->server = std::move(ssl);
  } else {
    impl->server = std::make_unique<httplib::Server>();
  }
  impl->api = &api;
  httplib::Server& server = *impl->server;
  int threads = options.threads;
  server.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  server.set_payload_max_length(options.max_body_bytes * 4);
  server.set_keep_alive_max_count(1000);
  // httplib writes headers and body separately; without this, Nagle's
  // algorithm holds the body for the client's delayed ACK (~40 ms a response).
  server.set_tcp_nodelay(true);

  // Every request goes through one handler (httplib reads the body only for
  // routed handlers, so a pre-routing hook would see none): registered routes
  // by prefix first, everything else to the API, which answers unknown
  // methods and paths with an AWS error.
  Impl* raw = impl.get();
  httplib::Server::Handler dispatch = [raw](const httplib::Request& req, httplib::Response& res) {
    HttpRequestView view = ViewOf(req);
    for (const Impl::RouteEntry& route : raw->routes) {
      if (route.method == req.method && view.path.substr(0, route.prefix.size()) == route.prefix) {
        Write(route.handler(view), res);
        return;
      }
    }
    Write(raw->api->Handle(view), res);
  };
  server.Post(".*", dispatch);
  server.Get(".*", dispatch);
  server.Put(".*", dispatch);
  server.Delete(".*", dispatch);
  server.Patch(".*", dispatch);
  server.set_error_handler([](const httplib::Request&, httplib::Response& res) {
    if (!res.body.empty()) return;
    ErrorCode code = res.status == 413 ? ErrorCode::kPayloadTooLarge
                     : res.status == 404 ? ErrorCode::kUnknownOperation
                                         : ErrorCode::kSerialization;
    std::string message = res.status == 413 ? "Request body too large"
                          : res.status == 404 ? "Not found"
                                              : "Malformed HTTP request (status " +
                                                    std::to_string(res.status) + ")";
    res.set_content(AwsErrorBody(MakeError(code, message)),
                    "application/x-amz-json-1.1");
  });
  server.set_exception_handler([](const httplib::Request&, httplib::Response& res,
                                  std::exception_ptr) {
    res.status = 500;
    res.set_content(AwsErrorBody(MakeError(ErrorCode::kInternal, "internal error")),
                    "application/x-amz-json-1.1");
  });
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl), options, tls));
}

void HttpServer::Route(std::string method, std::string prefix, RouteHandler handler) {
  impl_->routes.push_back({std::move(method), std::move(prefix), std::move(handler)});
}

Result<int> HttpServer::Bind() {
  httplib::Server& server = *impl_->server;
  if (options_.port == 0) {
    port_ = server.bind_to_any_port(options_.host);
  } else {
    port_ = server.bind_to_port(options_.host, options_.port) ? options_.port : -1;
  }
  if (port_ <= 0) {
    return MakeError(ErrorCode::kUnavailable, "cannot listen on " + options_.host + ":" +
                                                  std::to_string(options_.port));
  }
  return port_;
}

void HttpServer::Start() {
  auto ended = std::make_shared<std::atomic<bool>>(false);
  thread_ = std::thread([this, ended] {
    impl_->server->listen_after_bind();
    *ended = true;
  });
  // httplib's stop() does nothing until the accept loop runs, so a Stop()
  // soon after Start() would be lost and its join() would hang: wait for it.
  while (!impl_->server->is_running() && !*ended) std::this_thread::yield();
}

void HttpServer::Stop() {
  if (impl_ && impl_->server) impl_->server->stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace trainyard
