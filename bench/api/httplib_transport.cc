// HttpTransport over cpp-httplib's Client.
#include <httplib.h>

#include "http_transport.h"

namespace trainyard::bench {
namespace {

class HttplibTransport : public HttpTransport {
 public:
  explicit HttplibTransport(const TransportOptions& options) : client_(options.host, options.port) {
    client_.set_keep_alive(true);
    client_.set_tcp_nodelay(true);  // as urllib3 (botocore) does
    client_.set_decompress(false);  // no Accept-Encoding, as botocore
    client_.set_connection_timeout(options.timeout_seconds);
    client_.set_read_timeout(options.timeout_seconds);
    client_.set_write_timeout(options.timeout_seconds);
  }

  Result<int> Post(const HttpHeaders& headers, std::string_view body,
                   std::string* response_body) override {
    headers_.clear();
    std::string content_type;
    for (const auto& [name, value] : headers) {
      if (name == "Content-Type")
        content_type = value;
      else
        headers_.emplace(name, value);
    }
    httplib::Result result = client_.Post("/", headers_, body.data(), body.size(), content_type);
    if (!result) {
      return MakeError(ErrorCode::kUnavailable, "POST /: " + httplib::to_string(result.error()));
    }
    response_body->swap(result->body);
    return result->status;
  }

 private:
  httplib::Client client_;
  httplib::Headers headers_;  // reused between requests
};

}  // namespace

std::unique_ptr<HttpTransport> NewHttplibTransport(const TransportOptions& options) {
  return std::make_unique<HttplibTransport>(options);
}

}  // namespace trainyard::bench
