#include "storage/s3_requester.h"

#include <algorithm>

#include "storage/s3_errors.h"
#include "storage/s3_xml.h"

namespace trainyard {
namespace {

constexpr char kEmptyBodySha256[] = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

CurlHttpOptions HttpOptionsFor(const S3Options& options) {
  CurlHttpOptions http;
  if (!options.access_key_id.empty()) {
    http.sigv4_provider = "aws:amz:" + options.region + ":s3";
    http.access_key_id = options.access_key_id;
    http.secret_access_key = options.secret_access_key;
  }
  http.connect_timeout = options.connect_timeout;
  http.low_speed_limit_bytes_per_s = options.low_speed_limit_bytes_per_s;
  http.low_speed_time = options.low_speed_time;
  http.ca_file = options.ca_file;
  return http;
}

S3ErrorReply ErrorReplyOf(const HttpResponse& response) {
  S3ErrorReply reply{response.status, "", ""};
  if (std::optional<S3ErrorDocument> document = ParseS3ErrorDocument(response.body)) {
    reply.code = document->code;
    reply.message = document->message;
  }
  return reply;
}

}  // namespace

S3Requester::S3Requester(const S3Options& options, S3BucketAddress address, Sleeper& sleeper,
                         uint64_t jitter_seed)
    : options_(options),
      address_(std::move(address)),
      sleeper_(sleeper),
      backoff_(options.backoff_base, options.backoff_cap, jitter_seed),
      http_(HttpOptionsFor(options)) {}

Result<HttpResponse> S3Requester::Send(const S3Call& call, std::string_view uri) {
  for (int attempt = 1;; ++attempt) {
    if (attempt > 1) sleeper_.SleepFor(backoff_.Delay(attempt - 1));
    if (call.before_attempt) call.before_attempt();
    bool retryable = false;
    Result<HttpResponse> result = Attempt(call, uri, &retryable);
    if (result.ok() || !retryable) return result;
    if (attempt >= options_.max_attempts) {
      return MakeError(ErrorCode::kUnavailable, "giving up after " + std::to_string(attempt) +
                                                    " attempts: " + result.error().message);
    }
  }
}

Result<HttpResponse> S3Requester::Attempt(const S3Call& call, std::string_view uri, bool* retryable) {
  HttpRequest request;
  request.method = call.method;
  request.url = address_.Url(call.key, call.query);
  request.headers = call.headers;
  bool has_body = call.method == "PUT" || call.method == "POST";
  request.headers.push_back(std::string("x-amz-content-sha256: ") +
                            (has_body ? "UNSIGNED-PAYLOAD" : kEmptyBodySha256));
  if (!options_.session_token.empty()) {
    request.headers.push_back("x-amz-security-token: " + options_.session_token);
  }
  request.body = call.body;
  request.body_source = call.body_source;
  request.body_sink = call.body_sink;
  request.want_body = call.want_body;

  Result<HttpResponse> sent = http_.Send(request);
  if (!sent.ok()) {
    *retryable = sent.error().code == ErrorCode::kUnavailable;
    return sent.error();
  }
  HttpResponse& response = *sent;
  const auto& for_caller = call.statuses_for_caller;
  if (std::find(for_caller.begin(), for_caller.end(), response.status) != for_caller.end()) return sent;
  bool success = response.status >= 200 && response.status < 300;
  if (success && !call.error_may_come_with_200) return sent;
  S3ErrorReply reply = ErrorReplyOf(response);
  if (success && reply.code.empty()) return sent;  // a 200 whose body is not an <Error>
  *retryable = IsRetryableS3Error(reply);
  return S3ReplyToError(reply, uri);
}

}  // namespace trainyard
