#include "storage/curl_http_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <cstring>
#include <memory>

#include "common/strings.h"

namespace trainyard {
namespace {

constexpr size_t kMaxErrorBody = 1 << 20;

// State shared with libcurl's callbacks during one transfer.
struct Transfer {
  CURL* handle = nullptr;
  const HttpRequest* request = nullptr;
  HttpResponse* response = nullptr;
  size_t body_offset = 0;  // how much of the request's body was sent
  Status sink_status;
  Status source_status;
  int status_line_code = 0;  // of the reply whose headers are coming in
  bool body_skipped = false;
};

// "HTTP/1.1 206 Partial Content" -> 206
int StatusCodeOf(std::string_view status_line) {
  size_t space = status_line.find(' ');
  if (space == std::string_view::npos || status_line.size() < space + 4) return 0;
  int code = 0;
  for (char c : status_line.substr(space + 1, 3)) code = IsDigit(c) ? code * 10 + (c - '0') : 0;
  return code;
}

size_t OnHeader(char* data, size_t size, size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  std::string_view line(data, size * count);
  if (line.starts_with("HTTP/")) {
    transfer->response->headers.clear();  // a new reply (after "100 Continue")
    transfer->status_line_code = StatusCodeOf(line);
    return size * count;
  }
  if (Trim(line).empty()) {  // the end of this reply's headers
    const auto& want_body = transfer->request->want_body;
    if (transfer->status_line_code >= 200 && want_body) {
      transfer->response->status = transfer->status_line_code;
      if (!want_body(*transfer->response)) {
        transfer->body_skipped = true;
        return 0;  // stops the transfer (CURLE_WRITE_ERROR)
      }
    }
    return size * count;
  }
  size_t colon = line.find(':');
  if (colon != std::string_view::npos) {
    std::string name(Trim(line.substr(0, colon)));
    std::transform(name.begin(), name.end(), name.begin(), ToLower);
    transfer->response->headers[name] = std::string(Trim(line.substr(colon + 1)));
  }
  return size * count;
}

size_t OnBody(char* data, size_t size, size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  std::string_view chunk(data, size * count);
  long status = 0;
  curl_easy_getinfo(transfer->handle, CURLINFO_RESPONSE_CODE, &status);
  bool success = status >= 200 && status < 300;
  if (success && transfer->request->body_sink) {
    transfer->sink_status = transfer->request->body_sink(chunk);
    return transfer->sink_status.ok() ? chunk.size() : 0;  // 0 aborts with CURLE_WRITE_ERROR
  }
  std::string& body = transfer->response->body;
  if (success || body.size() < kMaxErrorBody) body.append(chunk);
  return chunk.size();
}

size_t OnRead(char* buffer, size_t size, size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  if (const HttpBodySource* source = transfer->request->body_source) {
    int64_t left = source->size - static_cast<int64_t>(transfer->body_offset);
    if (left <= 0) return 0;
    size_t wanted = static_cast<size_t>(std::min<int64_t>(left, static_cast<int64_t>(size * count)));
    Result<size_t> n = source->read(static_cast<int64_t>(transfer->body_offset), std::span<char>(buffer, wanted));
    if (!n.ok() || *n == 0 || *n > wanted) {
      transfer->source_status =
          n.ok() ? MakeError(ErrorCode::kInternal, "the request body source gave no bytes") : n.error();
      return CURL_READFUNC_ABORT;
    }
    transfer->body_offset += *n;
    return *n;
  }
  std::string_view rest = transfer->request->body.substr(transfer->body_offset);
  size_t n = std::min(rest.size(), size * count);
  std::memcpy(buffer, rest.data(), n);
  transfer->body_offset += n;
  return n;
}

int OnSeek(void* user, curl_off_t offset, int origin) {
  auto* transfer = static_cast<Transfer*>(user);
  const HttpBodySource* source = transfer->request->body_source;
  const int64_t size = source ? source->size : static_cast<int64_t>(transfer->request->body.size());
  if (origin != SEEK_SET || offset < 0 || offset > size) {
    return CURL_SEEKFUNC_CANTSEEK;
  }
  transfer->body_offset = static_cast<size_t>(offset);
  return CURL_SEEKFUNC_OK;
}

bool IsTransient(CURLcode code) {
  switch (code) {
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_WEIRD_SERVER_REPLY:
      return true;
    default:
      return false;
  }
}

struct SlistDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};

void SetMethod(CURL* handle, const HttpRequest& request) {
  const std::string& method = request.method;
  if (method == "HEAD") {
    curl_easy_setopt(handle, CURLOPT_NOBODY, 1L);
  } else if (method == "PUT") {
    curl_easy_setopt(handle, CURLOPT_UPLOAD, 1L);
    const int64_t size = request.body_source ? request.body_source->size : static_cast<int64_t>(request.body.size());
    curl_easy_setopt(handle, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(size));
  } else if (method == "POST") {
    static const char kEmpty[] = "";
    curl_easy_setopt(handle, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
    curl_easy_setopt(handle, CURLOPT_POSTFIELDS, request.body.empty() ? kEmpty : request.body.data());
  } else if (method != "GET") {
    curl_easy_setopt(handle, CURLOPT_CUSTOMREQUEST, method.c_str());
  }
}

// Everything a transfer needs but the method (see SetMethod).
void SetOptions(CURL* handle, const CurlHttpOptions& options, Transfer* transfer, curl_slist* headers,
                char* error_text) {
  curl_easy_setopt(handle, CURLOPT_URL, transfer->request->url.c_str());
  curl_easy_setopt(handle, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(handle, CURLOPT_ERRORBUFFER, error_text);
  curl_easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(handle, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options.connect_timeout.count()));
  curl_easy_setopt(handle, CURLOPT_LOW_SPEED_LIMIT, static_cast<long>(options.low_speed_limit_bytes_per_s));
  curl_easy_setopt(handle, CURLOPT_LOW_SPEED_TIME, static_cast<long>(options.low_speed_time.count()));
  curl_easy_setopt(handle, CURLOPT_BUFFERSIZE, 512L * 1024);
  curl_easy_setopt(handle, CURLOPT_UPLOAD_BUFFERSIZE, 1024L * 1024);
  if (!options.ca_file.empty()) curl_easy_setopt(handle, CURLOPT_CAINFO, options.ca_file.c_str());
  if (!options.sigv4_provider.empty()) {
    curl_easy_setopt(handle, CURLOPT_AWS_SIGV4, options.sigv4_provider.c_str());
    curl_easy_setopt(handle, CURLOPT_USERNAME, options.access_key_id.c_str());
    curl_easy_setopt(handle, CURLOPT_PASSWORD, options.secret_access_key.c_str());
  }
  curl_easy_setopt(handle, CURLOPT_HEADERFUNCTION, OnHeader);
  curl_easy_setopt(handle, CURLOPT_HEADERDATA, transfer);
  curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, OnBody);
  curl_easy_setopt(handle, CURLOPT_WRITEDATA, transfer);
  curl_easy_setopt(handle, CURLOPT_READFUNCTION, OnRead);
  curl_easy_setopt(handle, CURLOPT_READDATA, transfer);
  curl_easy_setopt(handle, CURLOPT_SEEKFUNCTION, OnSeek);
  curl_easy_setopt(handle, CURLOPT_SEEKDATA, transfer);
  SetMethod(handle, *transfer->request);
}

void InitializeLibcurlOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

}  // namespace

std::string HttpResponse::Header(const std::string& name) const {
  auto it = headers.find(name);
  return it == headers.end() ? "" : it->second;
}

CurlHttpClient::CurlHttpClient(CurlHttpOptions options) : options_(std::move(options)) {
  InitializeLibcurlOnce();
}

CurlHttpClient::~CurlHttpClient() {
  for (CURL* handle : idle_) curl_easy_cleanup(handle);
}

CURL* CurlHttpClient::Acquire() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!idle_.empty()) {
      CURL* handle = idle_.back();
      idle_.pop_back();
      return handle;
    }
  }
  return curl_easy_init();
}

void CurlHttpClient::Release(CURL* handle) {
  curl_easy_reset(handle);  // keeps the handle's live connections
  std::lock_guard<std::mutex> lock(mu_);
  if (idle_.size() < options_.max_idle_handles) {
    idle_.push_back(handle);
    return;
  }
  curl_easy_cleanup(handle);
}

Result<HttpResponse> CurlHttpClient::Send(const HttpRequest& request) {
  CURL* handle = Acquire();
  if (handle == nullptr) return MakeError(ErrorCode::kInternal, "curl_easy_init failed");
  std::unique_ptr<void, std::function<void(void*)>> release(handle, [this](void* h) { Release(h); });

  HttpResponse response;
  Transfer transfer{handle, &request, &response, 0, Ok(), Ok()};
  std::unique_ptr<curl_slist, SlistDeleter> headers;
  for (const std::string& header : request.headers) {
    curl_slist* list = curl_slist_append(headers.get(), header.c_str());
    if (list == nullptr) return MakeError(ErrorCode::kInternal, "curl_slist_append failed");
    headers.release();
    headers.reset(list);
  }
  char error_text[CURL_ERROR_SIZE] = "";
  SetOptions(handle, options_, &transfer, headers.get(), error_text);

  CURLcode code = curl_easy_perform(handle);
  if (!transfer.sink_status.ok()) return transfer.sink_status.error();
  if (!transfer.source_status.ok()) return transfer.source_status.error();
  if (transfer.body_skipped) return response;
  if (code != CURLE_OK) {
    std::string detail = error_text[0] != '\0' ? error_text : curl_easy_strerror(code);
    return MakeError(IsTransient(code) ? ErrorCode::kUnavailable : ErrorCode::kFailedPrecondition,
                     request.method + " " + request.url + ": " + detail);
  }
  long status = 0;
  curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &status);
  response.status = static_cast<int>(status);
  return response;
}

}  // namespace trainyard
