// S3Requester: sends one S3 operation to one bucket, the way every S3 call
// needs it: canonical URL, x-amz-content-sha256 (UNSIGNED-PAYLOAD for PUT and
// POST bodies, the empty-body hash otherwise), x-amz-security-token when a
// session token is set, SigV4 by libcurl, retries of transient failures with
// jittered exponential backoff (s3_errors.h says which), and S3 error replies
// turned into Errors.
//
// Thread safety: Send may be called from any number of threads at once.
// The sleeper must outlive the requester.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "storage/backoff.h"
#include "storage/curl_http_client.h"
#include "storage/s3_options.h"
#include "storage/s3_url.h"

namespace trainyard {

struct S3Call {
  std::string method = "GET";
  std::string key;  // full key in the bucket; empty addresses the bucket
  S3Query query;
  std::vector<std::string> headers;  // "Name: value", never an empty value
  std::string_view body;             // for PUT and POST
  // For PUT: a body read on demand instead of `body` (see HttpBodySource);
  // read again from offset 0 on every attempt. Must outlive Send.
  const HttpBodySource* body_source = nullptr;
  // Where a 2xx reply's body goes (see HttpRequest::body_sink), and what to
  // do before every attempt (e.g. rewind what the sink has written).
  std::function<Status(std::string_view chunk)> body_sink;
  std::function<void()> before_attempt;
  std::function<bool(const HttpResponse& head)> want_body;  // see HttpRequest
  // CopyObject and CompleteMultipartUpload may fail with status 200 and an
  // <Error> document: set this to treat such a reply as that error.
  bool error_may_come_with_200 = false;
  // Statuses the caller handles itself (e.g. 416 for a range on an empty
  // object): returned as replies instead of errors, and not retried.
  std::vector<int> statuses_for_caller;
};

class S3Requester {
 public:
  // `address` and `options` must be valid (ValidateS3Options).
  S3Requester(const S3Options& options, S3BucketAddress address, Sleeper& sleeper, uint64_t jitter_seed);

  // The 2xx reply (or one whose status is in statuses_for_caller). Errors:
  // S3 error replies mapped as in s3_errors.h with `uri` in the message;
  // transient failures are retried up to options.max_attempts times, after
  // which the last one comes back as kUnavailable saying how many attempts
  // were made; transport failures as CurlHttpClient::Send reports them.
  Result<HttpResponse> Send(const S3Call& call, std::string_view uri);

  const S3BucketAddress& address() const { return address_; }
  const S3Options& options() const { return options_; }

 private:
  // One attempt; `retryable` tells whether a failure may pass on retry.
  Result<HttpResponse> Attempt(const S3Call& call, std::string_view uri, bool* retryable);

  const S3Options options_;
  const S3BucketAddress address_;
  Sleeper& sleeper_;
  JitteredBackoff backoff_;
  CurlHttpClient http_;
};

}  // namespace trainyard
