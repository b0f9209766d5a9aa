// FakeS3Server (tests only): an in-memory S3 on 127.0.0.1 (cpp-httplib),
// path-style, enough of the REST API for S3ObjectStore: create bucket, PUT
// (with Content-MD5 checked: 400 BadDigest), GET with Range and If-Match,
// HEAD, DELETE, CopyObject, ListObjectsV2 with continuation tokens, and
// multipart uploads (create, upload part, complete, abort). Like s3rver it
// refuses requests without x-amz-content-sha256; it checks no signatures.
// Single-PUT ETags are the content's MD5, multipart ones "<md5>-<parts>".
//
// Faults: an interceptor sees every request first and may answer it
// instead. Every request is recorded. Thread safety: all methods may be
// called from any thread; handlers (and the interceptor) run on the
// server's threads.
#pragma once

#include <httplib.h>

#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace trainyard::storage_testing {

struct FakeS3Request {
  std::string method;
  std::string bucket;
  std::string key;     // decoded; empty for a bucket request
  std::string target;  // the raw path and query, as sent
  std::map<std::string, std::string> params;   // decoded query parameters
  std::map<std::string, std::string> headers;  // names lowercased
  std::string body;
  int remote_port = 0;  // the client's port: the same for requests on one connection

  std::string Header(const std::string& name) const;
};

struct FakeS3Reply {
  int status = 200;
  std::string body;
  std::map<std::string, std::string> headers;
};

// An S3 <Error> reply.
FakeS3Reply S3Error(int status, const std::string& code, const std::string& message = "fake failure");

class FakeS3Server {
 public:
  using Interceptor = std::function<std::optional<FakeS3Reply>(const FakeS3Request&)>;

  FakeS3Server();  // listening on an ephemeral port when constructed
  ~FakeS3Server();

  std::string endpoint_url() const;

  void CreateBucket(const std::string& bucket);
  void PutObject(const std::string& bucket, const std::string& key, const std::string& content);
  std::optional<std::string> Object(const std::string& bucket, const std::string& key) const;
  std::vector<std::string> Keys(const std::string& bucket) const;

  void SetInterceptor(Interceptor interceptor);
  // ListObjectsV2 returns at most this many keys per page (default 1000).
  void SetMaxKeysPerPage(int max_keys);

  std::vector<FakeS3Request> Requests() const;
  int OpenMultipartUploads() const;
  int MaxConcurrentRequests() const { return max_in_flight_.load(); }

 private:
  struct StoredObject {
    std::string content;
    std::string etag;  // quoted
  };
  struct Upload {
    std::string bucket;
    std::string key;
    std::map<int, std::string> parts;
  };

  void Handle(const httplib::Request& http_request, httplib::Response& http_response);
  FakeS3Reply Serve(const FakeS3Request& request);
  FakeS3Reply PutObjectOrPart(const FakeS3Request& request);
  FakeS3Reply GetObject(const FakeS3Request& request);
  FakeS3Reply ListObjects(const FakeS3Request& request);
  FakeS3Reply CopyObject(const FakeS3Request& request);
  FakeS3Reply CompleteUpload(const FakeS3Request& request);

  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;

  mutable std::mutex mu_;
  std::map<std::string, std::map<std::string, StoredObject>> buckets_;
  std::map<std::string, Upload> uploads_;
  int next_upload_ = 1;
  int max_keys_ = 1000;
  Interceptor interceptor_;
  std::vector<FakeS3Request> requests_;
  std::atomic<int> in_flight_{0};
  std::atomic<int> max_in_flight_{0};
};

}  // namespace trainyard::storage_testing
