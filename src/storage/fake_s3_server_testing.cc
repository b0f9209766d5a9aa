#include "storage/fake_s3_server_testing.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>

#include "common/crypto.h"
#include "storage/md5.h"
#include "storage/xml_tree.h"

namespace trainyard::storage_testing {
namespace {

constexpr char kLastModifiedIso[] = "2009-10-12T17:50:30.000Z";
constexpr char kLastModifiedHttp[] = "Wed, 12 Oct 2009 17:50:30 GMT";

std::string Lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
}

std::string Quoted(const std::string& text) { return "\"" + text + "\""; }

std::string PercentDecode(const std::string& text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size()) {
      out.push_back(static_cast<char>(std::stoi(text.substr(i + 1, 2), nullptr, 16)));
      i += 2;
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

FakeS3Reply Xml(std::string body) {
  FakeS3Reply reply;
  reply.body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + std::move(body);
  reply.headers["Content-Type"] = "application/xml";
  return reply;
}

// Parses "bytes=a-b" (b optional) against `size`; false if unsatisfiable.
bool ParseRange(const std::string& header, size_t size, size_t* first, size_t* last) {
  if (header.rfind("bytes=", 0) != 0) return false;
  size_t dash = header.find('-');
  *first = std::stoull(header.substr(6, dash - 6));
  std::string end = header.substr(dash + 1);
  *last = end.empty() ? size - 1 : std::min<size_t>(std::stoull(end), size - 1);
  return *first < size && *first <= *last;
}

}  // namespace

std::string FakeS3Request::Header(const std::string& name) const {
  auto it = headers.find(name);
  return it == headers.end() ? "" : it->second;
}

FakeS3Reply S3Error(int status, const std::string& code, const std::string& message) {
  FakeS3Reply reply = Xml("<Error><Code>" + code + "</Code><Message>" + message +
                          "</Message><RequestId>fake</RequestId></Error>");
  reply.status = status;
  return reply;
}

FakeS3Server::FakeS3Server() {
  auto handler = [this](const httplib::Request& request, httplib::Response& response) {
    Handle(request, response);
  };
  server_.Get(".*", handler);
  server_.Put(".*", handler);
  server_.Post(".*", handler);
  server_.Delete(".*", handler);
  // A thread per connection: clients here keep many connections alive at
  // once, and httplib's default pool of 8 would leave new ones queued until
  // an idle one times out.
  server_.new_task_queue = [] { return new httplib::ThreadPool(64); };
  server_.set_tcp_nodelay(true);  // no 40 ms Nagle/delayed-ACK stalls on small replies
  port_ = server_.bind_to_any_port("127.0.0.1");
  if (port_ <= 0) {
    ADD_FAILURE() << "FakeS3Server cannot listen on 127.0.0.1";
    return;
  }
  thread_ = std::thread([this] { server_.listen_after_bind(); });
  // stop() is a no-op until the accept loop runs, so wait for it (briefly).
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!server_.is_running() && std::chrono::steady_clock::now() < deadline) std::this_thread::yield();
}

FakeS3Server::~FakeS3Server() {
  server_.stop();
  if (thread_.joinable()) thread_.join();
}

std::string FakeS3Server::endpoint_url() const { return "http://127.0.0.1:" + std::to_string(port_); }

void FakeS3Server::CreateBucket(const std::string& bucket) {
  std::lock_guard<std::mutex> lock(mu_);
  buckets_[bucket];
}

void FakeS3Server::PutObject(const std::string& bucket, const std::string& key, const std::string& content) {
  std::lock_guard<std::mutex> lock(mu_);
  buckets_[bucket][key] = StoredObject{content, Quoted(HexEncode(Md5Digest(content)))};
}

std::optional<std::string> FakeS3Server::Object(const std::string& bucket, const std::string& key) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto b = buckets_.find(bucket);
  if (b == buckets_.end()) return std::nullopt;
  auto o = b->second.find(key);
  if (o == b->second.end()) return std::nullopt;
  return o->second.content;
}

std::vector<std::string> FakeS3Server::Keys(const std::string& bucket) const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::string> keys;
  auto b = buckets_.find(bucket);
  if (b == buckets_.end()) return keys;
  for (const auto& [key, object] : b->second) keys.push_back(key);
  return keys;
}

void FakeS3Server::SetInterceptor(Interceptor interceptor) {
  std::lock_guard<std::mutex> lock(mu_);
  interceptor_ = std::move(interceptor);
}

void FakeS3Server::SetMaxKeysPerPage(int max_keys) {
  std::lock_guard<std::mutex> lock(mu_);
  max_keys_ = max_keys;
}

std::vector<FakeS3Request> FakeS3Server::Requests() const {
  std::lock_guard<std::mutex> lock(mu_);
  return requests_;
}

int FakeS3Server::OpenMultipartUploads() const {
  std::lock_guard<std::mutex> lock(mu_);
  return static_cast<int>(uploads_.size());
}

void FakeS3Server::Handle(const httplib::Request& http_request, httplib::Response& http_response) {
  int now = ++in_flight_;
  int seen = max_in_flight_.load();
  while (now > seen && !max_in_flight_.compare_exchange_weak(seen, now)) {
  }
  FakeS3Request request;
  request.method = http_request.method;
  request.target = http_request.target;
  request.remote_port = http_request.remote_port;
  request.body = http_request.body;
  for (const auto& [name, value] : http_request.params) request.params[name] = value;
  for (const auto& [name, value] : http_request.headers) request.headers[Lower(name)] = value;
  std::string path = http_request.path.substr(1);
  size_t slash = path.find('/');
  request.bucket = path.substr(0, slash);
  if (slash != std::string::npos) request.key = path.substr(slash + 1);

  // cpp-httplib 0.11 slices every reply to a request's Range by itself, even
  // replies already cut to it and error replies; this server answers ranges
  // as S3 does, so it drops httplib's parsed ranges (the Request object is
  // not const; only the handler's view of it is).
  const_cast<httplib::Request&>(http_request).ranges.clear();

  Interceptor interceptor;
  {
    std::lock_guard<std::mutex> lock(mu_);
    requests_.push_back(request);
    interceptor = interceptor_;
  }
  std::optional<FakeS3Reply> reply;
  if (interceptor) reply = interceptor(request);
  if (!reply) reply = Serve(request);
  http_response.status = reply->status;
  for (const auto& [name, value] : reply->headers) http_response.set_header(name, value);
  std::string content_type = reply->headers.count("Content-Type") ? reply->headers["Content-Type"]
                                                                  : "application/octet-stream";
  http_response.set_content(reply->body, content_type.c_str());
  --in_flight_;
}

FakeS3Reply FakeS3Server::Serve(const FakeS3Request& request) {
  if (request.Header("x-amz-content-sha256").empty()) {
    return S3Error(400, "InvalidRequest", "Missing required header for this request: x-amz-content-sha256");
  }
  const std::string& method = request.method;
  if (request.key.empty()) {
    if (method == "PUT") {
      CreateBucket(request.bucket);
      return FakeS3Reply{};
    }
    if (method == "GET" && request.params.count("list-type")) return ListObjects(request);
    return S3Error(405, "MethodNotAllowed");
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!buckets_.count(request.bucket)) return S3Error(404, "NoSuchBucket", "The specified bucket does not exist");
  }
  if (method == "PUT" && request.headers.count("x-amz-copy-source")) return CopyObject(request);
  if (method == "PUT") return PutObjectOrPart(request);
  if (method == "GET" || method == "HEAD") return GetObject(request);
  if (method == "POST" && request.params.count("uploads")) {
    std::lock_guard<std::mutex> lock(mu_);
    std::string id = "upload-" + std::to_string(next_upload_++);
    uploads_[id] = Upload{request.bucket, request.key, {}};
    return Xml("<InitiateMultipartUploadResult><Bucket>" + request.bucket + "</Bucket><Key>" + request.key +
               "</Key><UploadId>" + id + "</UploadId></InitiateMultipartUploadResult>");
  }
  if (method == "POST" && request.params.count("uploadId")) return CompleteUpload(request);
  if (method == "DELETE") {
    std::lock_guard<std::mutex> lock(mu_);
    if (request.params.count("uploadId")) {
      if (uploads_.erase(request.params.at("uploadId")) == 0) return S3Error(404, "NoSuchUpload");
    } else {
      buckets_[request.bucket].erase(request.key);
    }
    return FakeS3Reply{204, "", {}};
  }
  return S3Error(405, "MethodNotAllowed");
}

FakeS3Reply FakeS3Server::PutObjectOrPart(const FakeS3Request& request) {
  std::string md5 = request.Header("content-md5");
  if (!md5.empty() && md5 != Base64Encode(Md5Digest(request.body))) {
    return S3Error(400, "BadDigest", "The Content-MD5 you specified did not match what we received.");
  }
  std::string etag = Quoted(HexEncode(Md5Digest(request.body)));
  std::lock_guard<std::mutex> lock(mu_);
  if (request.params.count("uploadId")) {
    auto upload = uploads_.find(request.params.at("uploadId"));
    if (upload == uploads_.end()) return S3Error(404, "NoSuchUpload");
    upload->second.parts[std::stoi(request.params.at("partNumber"))] = request.body;
  } else {
    buckets_[request.bucket][request.key] = StoredObject{request.body, etag};
  }
  FakeS3Reply reply;
  reply.headers["ETag"] = etag;
  return reply;
}

FakeS3Reply FakeS3Server::GetObject(const FakeS3Request& request) {
  StoredObject object;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto& bucket = buckets_[request.bucket];
    auto it = bucket.find(request.key);
    if (it == bucket.end()) {
      if (request.method == "HEAD") return FakeS3Reply{404, "", {}};
      return S3Error(404, "NoSuchKey", "The specified key does not exist.");
    }
    object = it->second;
  }
  std::string if_match = request.Header("if-match");
  if (!if_match.empty() && if_match != object.etag) return S3Error(412, "PreconditionFailed");
  FakeS3Reply reply;
  reply.headers["ETag"] = object.etag;
  reply.headers["Last-Modified"] = kLastModifiedHttp;
  reply.body = object.content;
  std::string range = request.Header("range");
  if (!range.empty() && request.method == "GET") {
    size_t first = 0, last = 0;
    if (!ParseRange(range, object.content.size(), &first, &last)) return S3Error(416, "InvalidRange");
    reply.status = 206;
    reply.body = object.content.substr(first, last - first + 1);
    reply.headers["Content-Range"] = "bytes " + std::to_string(first) + "-" + std::to_string(last) + "/" +
                                     std::to_string(object.content.size());
  }
  return reply;
}

FakeS3Reply FakeS3Server::ListObjects(const FakeS3Request& request) {
  std::lock_guard<std::mutex> lock(mu_);
  auto bucket = buckets_.find(request.bucket);
  if (bucket == buckets_.end()) return S3Error(404, "NoSuchBucket", "The specified bucket does not exist");
  std::string prefix = request.params.count("prefix") ? request.params.at("prefix") : "";
  std::string after = request.params.count("continuation-token") ? request.params.at("continuation-token") : "";
  std::string contents;
  std::string last_key;
  int count = 0;
  bool truncated = false;
  for (auto it = bucket->second.upper_bound(after); it != bucket->second.end(); ++it) {
    if (it->first.rfind(prefix, 0) != 0) continue;
    if (count == max_keys_) {
      truncated = true;
      break;
    }
    contents += "<Contents><Key>" + it->first + "</Key><LastModified>" + kLastModifiedIso +
                "</LastModified><ETag>" + it->second.etag + "</ETag><Size>" +
                std::to_string(it->second.content.size()) + "</Size></Contents>";
    last_key = it->first;
    ++count;
  }
  std::string body = "<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Name>" +
                     request.bucket + "</Name><Prefix>" + prefix + "</Prefix><KeyCount>" +
                     std::to_string(count) + "</KeyCount><IsTruncated>" + (truncated ? "true" : "false") +
                     "</IsTruncated>" + contents;
  if (truncated) body += "<NextContinuationToken>" + last_key + "</NextContinuationToken>";
  return Xml(body + "</ListBucketResult>");
}

FakeS3Reply FakeS3Server::CopyObject(const FakeS3Request& request) {
  std::string source = PercentDecode(request.Header("x-amz-copy-source"));
  std::string source_bucket = source.substr(1, source.find('/', 1) - 1);
  std::string source_key = source.substr(source.find('/', 1) + 1);
  std::lock_guard<std::mutex> lock(mu_);
  auto& from = buckets_[source_bucket];
  auto it = from.find(source_key);
  if (it == from.end()) return S3Error(404, "NoSuchKey", "The specified key does not exist.");
  StoredObject copy = it->second;
  buckets_[request.bucket][request.key] = copy;
  return Xml("<CopyObjectResult><LastModified>" + std::string(kLastModifiedIso) + "</LastModified><ETag>" +
             copy.etag + "</ETag></CopyObjectResult>");
}

FakeS3Reply FakeS3Server::CompleteUpload(const FakeS3Request& request) {
  auto document = trainyard::ParseXml(request.body);
  if (!document.ok()) return S3Error(400, "MalformedXML");
  std::lock_guard<std::mutex> lock(mu_);
  auto upload = uploads_.find(request.params.at("uploadId"));
  if (upload == uploads_.end()) return S3Error(404, "NoSuchUpload");
  std::string content, digests;
  int parts = 0;
  for (const XmlElement& part : document->children) {
    int number = std::stoi(part.ChildText("PartNumber"));
    auto stored = upload->second.parts.find(number);
    if (stored == upload->second.parts.end() || part.ChildText("ETag") != Quoted(HexEncode(Md5Digest(stored->second)))) {
      return S3Error(400, "InvalidPart");
    }
    content += stored->second;
    digests += Md5Digest(stored->second);
    ++parts;
  }
  std::string etag = Quoted(HexEncode(Md5Digest(digests)) + "-" + std::to_string(parts));
  buckets_[request.bucket][request.key] = StoredObject{content, etag};
  uploads_.erase(upload);
  return Xml("<CompleteMultipartUploadResult><Key>" + request.key + "</Key><ETag>" + etag +
             "</ETag></CompleteMultipartUploadResult>");
}

}  // namespace trainyard::storage_testing
