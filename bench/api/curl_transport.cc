// HttpTransport over a reused libcurl easy handle.
#include <curl/curl.h>

#include "http_transport.h"

namespace trainyard::bench {
namespace {

size_t AppendBody(char* data, size_t size, size_t count, void* out) {
  static_cast<std::string*>(out)->append(data, size * count);
  return size * count;
}

class CurlTransport : public HttpTransport {
 public:
  explicit CurlTransport(const TransportOptions& options)
      : url_("http://" + options.host + ":" + std::to_string(options.port) + "/"),
        curl_(curl_easy_init()) {
    if (!curl_) return;
    curl_easy_setopt(curl_, CURLOPT_URL, url_.c_str());
    curl_easy_setopt(curl_, CURLOPT_POST, 1L);
    curl_easy_setopt(curl_, CURLOPT_WRITEFUNCTION, AppendBody);
    curl_easy_setopt(curl_, CURLOPT_TIMEOUT, static_cast<long>(options.timeout_seconds));
    curl_easy_setopt(curl_, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl_, CURLOPT_TCP_NODELAY, 1L);
  }
  ~CurlTransport() override {
    if (curl_) curl_easy_cleanup(curl_);
  }

  Result<int> Post(const HttpHeaders& headers, std::string_view body,
                   std::string* response_body) override {
    if (!curl_) return MakeError(ErrorCode::kInternal, "libcurl failed to initialise");
    curl_slist* list = curl_slist_append(nullptr, "Expect:");
    list = curl_slist_append(list, "Accept:");
    for (const auto& [name, value] : headers) {
      line_.assign(name).append(": ").append(value);
      list = curl_slist_append(list, line_.c_str());
    }
    response_body->clear();
    curl_easy_setopt(curl_, CURLOPT_HTTPHEADER, list);
    curl_easy_setopt(curl_, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(curl_, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
    curl_easy_setopt(curl_, CURLOPT_WRITEDATA, response_body);
    CURLcode rc = curl_easy_perform(curl_);
    curl_slist_free_all(list);
    if (rc != CURLE_OK) {
      return MakeError(ErrorCode::kUnavailable, "POST " + url_ + ": " + curl_easy_strerror(rc));
    }
    long status = 0;
    curl_easy_getinfo(curl_, CURLINFO_RESPONSE_CODE, &status);
    return static_cast<int>(status);
  }

 private:
  std::string url_;
  CURL* curl_;
  std::string line_;
};

}  // namespace

std::unique_ptr<HttpTransport> NewCurlTransport(const TransportOptions& options) {
  return std::make_unique<CurlTransport>(options);
}

}  // namespace trainyard::bench
