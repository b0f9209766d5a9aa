// S3ObjectStore against FakeS3Server: what a real server could do to it
// (fail, throttle, page, answer 200 with an error) and what it must send
// (Content-MD5, canonical URLs, ranges). The ObjectStore contract itself is
// run against s3rver and moto in object_store_contract_test.cc.
#include "storage/s3_object_store.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <set>
#include <thread>

#include "common/crypto.h"
#include "storage/fake_s3_server_testing.h"
#include "storage/md5.h"
#include "storage/storage_test_util.h"

namespace trainyard {
namespace {

using storage_testing::FakeS3Reply;
using storage_testing::FakeS3Request;
using storage_testing::FakeS3Server;
using storage_testing::RandomBytes;
using storage_testing::ReadFile;
using storage_testing::RecordingSleeper;
using storage_testing::S3Error;
using storage_testing::TempDir;
using storage_testing::WriteFile;
using std::chrono::milliseconds;

constexpr int64_t kPart = 64 * 1024;

bool Contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

std::vector<FakeS3Request> Matching(const std::vector<FakeS3Request>& requests, const std::string& method,
                                    const std::string& param = "") {
  std::vector<FakeS3Request> out;
  for (const FakeS3Request& r : requests) {
    if (r.method == method && (param.empty() || r.params.count(param))) out.push_back(r);
  }
  return out;
}

// Holds each arriving request until `wanted` are waiting at once (or a
// deadline passes), proving that the client has that many in flight.
class ConcurrencyGate {
 public:
  explicit ConcurrencyGate(int wanted) : wanted_(wanted) {}

  std::optional<FakeS3Reply> Arrive() {
    std::unique_lock<std::mutex> lock(mu_);
    if (++waiting_ >= wanted_) reached_ = true;
    changed_.notify_all();
    changed_.wait_for(lock, std::chrono::seconds(10), [this] { return reached_; });
    return std::nullopt;
  }
  bool reached() {
    std::lock_guard<std::mutex> lock(mu_);
    return reached_;
  }
  // Waits (up to 10 s) until `wanted` requests have arrived, without being one.
  void WaitReached() {
    std::unique_lock<std::mutex> lock(mu_);
    changed_.wait_for(lock, std::chrono::seconds(10), [this] { return reached_; });
  }

 private:
  const int wanted_;
  std::mutex mu_;
  std::condition_variable changed_;
  int waiting_ = 0;
  bool reached_ = false;
};

class S3ObjectStoreTest : public ::testing::Test {
 protected:
  S3ObjectStoreTest() { server_.CreateBucket("bkt"); }

  S3Options Options() {
    S3Options options;
    options.endpoint_url = server_.endpoint_url();
    options.access_key_id = "AKIDTEST";
    options.secret_access_key = "secret";
    options.part_size_bytes = kPart;
    options.multipart_threshold_bytes = kPart;
    options.parallelism = 4;
    options.max_attempts = 3;
    options.backoff_base = milliseconds(100);
    options.backoff_cap = milliseconds(1000);
    return options;
  }

  std::unique_ptr<S3ObjectStore> Store(const S3Options& options, const std::string& uri = "s3://bkt/root") {
    Result<StorageUri> root = ParseStorageUri(uri);
    EXPECT_TRUE(root.ok());
    Result<std::unique_ptr<S3ObjectStore>> store = S3ObjectStore::Create(*root, options, sleeper_, 7);
    EXPECT_TRUE(store.ok()) << store.error().ToString();
    return std::move(store).value();
  }
  std::unique_ptr<S3ObjectStore> Store() { return Store(Options()); }

  std::string LocalFile(const std::string& content) {
    std::string path = dir_.Path("upload-" + std::to_string(files_++));
    WriteFile(path, content);
    return path;
  }

  FakeS3Server server_;
  std::shared_ptr<RecordingSleeper> sleeper_ = std::make_shared<RecordingSleeper>();
  TempDir dir_;
  int files_ = 0;
};

TEST_F(S3ObjectStoreTest, SmallPutIsOneSignedPutWithTheRightContentMd5) {
  std::string content = RandomBytes(1000, 1);
  ASSERT_TRUE(Store()->PutFile("a/b.bin", LocalFile(content)).ok());
  EXPECT_EQ(server_.Object("bkt", "root/a/b.bin"), content);
  std::vector<FakeS3Request> puts = Matching(server_.Requests(), "PUT");
  ASSERT_EQ(puts.size(), 1u);
  EXPECT_EQ(puts[0].target, "/bkt/root/a/b.bin");
  EXPECT_EQ(puts[0].Header("content-md5"), Base64Encode(Md5Digest(content)));
  EXPECT_EQ(puts[0].Header("x-amz-content-sha256"), "UNSIGNED-PAYLOAD");
  std::string authorization = puts[0].Header("authorization");
  EXPECT_TRUE(authorization.starts_with("AWS4-HMAC-SHA256 Credential=AKIDTEST/")) << authorization;
  EXPECT_TRUE(Contains(authorization, "/us-east-1/s3/aws4_request")) << authorization;
  EXPECT_TRUE(Contains(authorization, "content-md5;")) << authorization;
  EXPECT_TRUE(Contains(authorization, "x-amz-content-sha256;")) << authorization;
}

TEST_F(S3ObjectStoreTest, GetsSendTheEmptyBodyHashAndRoundTrip) {
  std::string content = RandomBytes(5000, 2);
  server_.PutObject("bkt", "root/k", content);
  ASSERT_TRUE(Store()->GetFile("k", dir_.Path("out/k")).ok());
  EXPECT_EQ(ReadFile(dir_.Path("out/k")), content);
  std::vector<FakeS3Request> gets = Matching(server_.Requests(), "GET");
  ASSERT_EQ(gets.size(), 1u);
  EXPECT_EQ(gets[0].Header("x-amz-content-sha256"), Sha256Hex(""));
  EXPECT_EQ(gets[0].Header("range"), "bytes=0-65535");
}

TEST_F(S3ObjectStoreTest, KeysArePercentEncodedInThePathExceptSlashes) {
  ASSERT_TRUE(Store()->PutFile("dir/a b+c~(1).bin", LocalFile("x")).ok());
  EXPECT_EQ(Matching(server_.Requests(), "PUT")[0].target, "/bkt/root/dir/a%20b%2Bc~%281%29.bin");
  EXPECT_EQ(server_.Object("bkt", "root/dir/a b+c~(1).bin"), "x");
}

TEST_F(S3ObjectStoreTest, LargePutIsAParallelMultipartUploadWithContentMd5OnEveryPart) {
  std::string content = RandomBytes(4 * kPart + 100, 3);
  ConcurrencyGate gate(2);
  server_.SetInterceptor([&](const FakeS3Request& r) -> std::optional<FakeS3Reply> {
    if (r.method == "PUT" && r.params.count("partNumber")) return gate.Arrive();
    return std::nullopt;
  });
  ASSERT_TRUE(Store()->PutFile("big", LocalFile(content)).ok());
  EXPECT_TRUE(gate.reached()) << "parts were not sent in parallel";
  EXPECT_TRUE(server_.Object("bkt", "root/big") == content);
  std::vector<FakeS3Request> requests = server_.Requests();
  std::vector<FakeS3Request> parts = Matching(requests, "PUT", "partNumber");
  ASSERT_EQ(parts.size(), 5u);
  for (const FakeS3Request& part : parts) {
    EXPECT_EQ(part.Header("content-md5"), Base64Encode(Md5Digest(part.body))) << part.target;
    EXPECT_TRUE(part.body.size() == static_cast<size_t>(kPart) || part.body.size() == 100u);
    EXPECT_TRUE(part.target.starts_with("/bkt/root/big?partNumber=")) << "canonical order: " << part.target;
  }
  EXPECT_EQ(Matching(requests, "POST", "uploads").size(), 1u);
  EXPECT_EQ(Matching(requests, "POST", "uploadId").size(), 1u);
  EXPECT_EQ(Matching(requests, "HEAD").size(), 1u) << "the stored size is checked";
  EXPECT_EQ(server_.OpenMultipartUploads(), 0);
}

TEST_F(S3ObjectStoreTest, RetriesServerErrorsAndSlowDownWithJitteredBackoff) {
  int puts = 0;
  server_.SetInterceptor([&](const FakeS3Request& r) -> std::optional<FakeS3Reply> {
    if (r.method != "PUT") return std::nullopt;
    ++puts;
    if (puts == 1) return S3Error(500, "InternalError");
    if (puts == 2) return S3Error(503, "SlowDown", "Please reduce your request rate.");
    return std::nullopt;
  });
  ASSERT_TRUE(Store()->PutFile("k", LocalFile("v")).ok());
  EXPECT_EQ(puts, 3);
  EXPECT_EQ(server_.Object("bkt", "root/k"), "v");
  std::vector<milliseconds> sleeps = sleeper_->sleeps();
  ASSERT_EQ(sleeps.size(), 2u);
  EXPECT_LE(sleeps[0], milliseconds(100));
  EXPECT_LE(sleeps[1], milliseconds(200));
}

TEST_F(S3ObjectStoreTest, GivesUpAfterMaxAttemptsAsUnavailable) {
  server_.SetInterceptor([](const FakeS3Request&) { return S3Error(503, "SlowDown", "reduce your rate"); });
  Status status = Store()->PutFile("k", LocalFile("v"));
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, ErrorCode::kUnavailable);
  EXPECT_TRUE(Contains(status.error().message, "giving up after 3 attempts")) << status.error().message;
  EXPECT_TRUE(Contains(status.error().message, "SlowDown")) << status.error().message;
  EXPECT_EQ(server_.Requests().size(), 3u);
  EXPECT_EQ(sleeper_->sleeps().size(), 2u);
}

TEST_F(S3ObjectStoreTest, ClientErrorsAreNotRetriedAndNameCodeMessageAndUri) {
  server_.SetInterceptor([](const FakeS3Request&) { return S3Error(403, "AccessDenied", "Access Denied here"); });
  Status status = Store()->PutFile("a/k", LocalFile("v"));
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, ErrorCode::kFailedPrecondition);
  for (const char* part : {"AccessDenied", "Access Denied here", "s3://bkt/root/a/k"}) {
    EXPECT_TRUE(Contains(status.error().message, part)) << status.error().message;
  }
  EXPECT_EQ(server_.Requests().size(), 1u);
  EXPECT_TRUE(sleeper_->sleeps().empty());
}

TEST_F(S3ObjectStoreTest, MapsS3ErrorCodes) {
  struct Case {
    int status;
    std::string code;
    ErrorCode expected;
  };
  const Case cases[] = {{404, "NoSuchBucket", ErrorCode::kFailedPrecondition},
                        {403, "InvalidAccessKeyId", ErrorCode::kFailedPrecondition},
                        {403, "SignatureDoesNotMatch", ErrorCode::kFailedPrecondition},
                        {400, "EntityTooLarge", ErrorCode::kResourceExhausted},
                        {404, "NoSuchKey", ErrorCode::kNotFound}};
  for (const Case& c : cases) {
    server_.SetInterceptor([&](const FakeS3Request&) { return S3Error(c.status, c.code, "text"); });
    Status status = Store()->GetFile("k", dir_.Path("out"));
    ASSERT_FALSE(status.ok()) << c.code;
    EXPECT_EQ(status.error().code, c.expected) << c.code << ": " << status.error().message;
    EXPECT_TRUE(Contains(status.error().message, c.code)) << status.error().message;
  }
  server_.SetInterceptor(nullptr);
  Status missing_bucket = Store(Options(), "s3://no-such-bucket/p")->GetFile("k", dir_.Path("out"));
  EXPECT_EQ(missing_bucket.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_TRUE(Contains(missing_bucket.error().message, "NoSuchBucket")) << missing_bucket.error().message;
  EXPECT_FALSE(std::filesystem::exists(dir_.Path("out")));
}

TEST_F(S3ObjectStoreTest, AMultipartUploadWithAPartFailingForGoodIsAborted) {
  server_.SetInterceptor([](const FakeS3Request& r) -> std::optional<FakeS3Reply> {
    if (r.method == "PUT" && r.params.count("partNumber") && r.params.at("partNumber") == "3") {
      return S3Error(400, "InvalidArgument", "bad part");
    }
    return std::nullopt;
  });
  Status status = Store()->PutFile("big", LocalFile(RandomBytes(4 * kPart + 1, 4)));
  ASSERT_FALSE(status.ok());
  EXPECT_TRUE(Contains(status.error().message, "part 3 of 5")) << status.error().message;
  EXPECT_EQ(Matching(server_.Requests(), "DELETE", "uploadId").size(), 1u);
  EXPECT_EQ(server_.OpenMultipartUploads(), 0) << "parts left behind";
  EXPECT_FALSE(server_.Object("bkt", "root/big").has_value());
}

TEST_F(S3ObjectStoreTest, AMultipartUploadWhoseCompletionFailsIsAborted) {
  server_.SetInterceptor([](const FakeS3Request& r) -> std::optional<FakeS3Reply> {
    if (r.method == "POST" && r.params.count("uploadId")) {  // S3 may fail with 200 and an <Error>
      FakeS3Reply reply = S3Error(200, "AccessDenied", "no");
      return reply;
    }
    return std::nullopt;
  });
  Status status = Store()->PutFile("big", LocalFile(RandomBytes(2 * kPart + 1, 5)));
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(server_.OpenMultipartUploads(), 0);
}

TEST_F(S3ObjectStoreTest, LargeGetUsesParallelRangedGetsConditionalOnTheETag) {
  std::string content = RandomBytes(4 * kPart + 10, 6);
  server_.PutObject("bkt", "root/big", content);
  ConcurrencyGate gate(2);
  server_.SetInterceptor([&](const FakeS3Request& r) -> std::optional<FakeS3Reply> {
    if (r.method == "GET" && !r.Header("if-match").empty()) return gate.Arrive();
    return std::nullopt;
  });
  Status status = Store()->GetFile("big", dir_.Path("big"));
  ASSERT_TRUE(status.ok()) << status.error().ToString();
  EXPECT_TRUE(gate.reached()) << "ranges were not fetched in parallel";
  EXPECT_TRUE(ReadFile(dir_.Path("big")) == content);
  std::vector<FakeS3Request> gets = Matching(server_.Requests(), "GET");
  ASSERT_EQ(gets.size(), 5u);
  std::set<std::string> ranges;
  for (const FakeS3Request& get : gets) ranges.insert(get.Header("range"));
  EXPECT_EQ(ranges, (std::set<std::string>{"bytes=0-65535", "bytes=65536-131071", "bytes=131072-196607",
                                           "bytes=196608-262143", "bytes=262144-262153"}));
}

TEST_F(S3ObjectStoreTest, AnObjectChangedDuringAParallelGetFailsAndWritesNothing) {
  server_.PutObject("bkt", "root/big", RandomBytes(3 * kPart, 7));
  server_.SetInterceptor([&](const FakeS3Request& r) -> std::optional<FakeS3Reply> {
    if (!r.Header("if-match").empty()) return S3Error(412, "PreconditionFailed");
    return std::nullopt;
  });
  Status status = Store()->GetFile("big", dir_.Path("big"));
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, ErrorCode::kUnavailable);
  EXPECT_FALSE(std::filesystem::exists(dir_.Path("big")));
}

TEST_F(S3ObjectStoreTest, RangesArrivingOutOfOrderAreHashedInOrder) {
  std::string content = RandomBytes(4 * kPart + 10, 11);
  server_.PutObject("bkt", "root/big", content);
  ConcurrencyGate others(3);  // the later ranges go first
  server_.SetInterceptor([&](const FakeS3Request& r) -> std::optional<FakeS3Reply> {
    if (r.method != "GET" || r.Header("if-match").empty()) return std::nullopt;
    if (r.Header("range") == "bytes=65536-131071") {
      others.WaitReached();
      return std::nullopt;
    }
    return others.Arrive();
  });
  Status status = Store()->GetFile("big", dir_.Path("big"));
  ASSERT_TRUE(status.ok()) << status.error().ToString();
  EXPECT_TRUE(ReadFile(dir_.Path("big")) == content);
}

TEST_F(S3ObjectStoreTest, ADamagedRangeFailsTheMd5OfTheWholeObject) {
  std::string content = RandomBytes(4 * kPart + 10, 12);
  server_.PutObject("bkt", "root/big", content);
  server_.SetInterceptor([&](const FakeS3Request& r) -> std::optional<FakeS3Reply> {
    if (r.method != "GET" || r.Header("range") != "bytes=131072-196607") return std::nullopt;
    std::string damaged = content.substr(131072, kPart);
    damaged[100] ^= 1;
    FakeS3Reply reply;
    reply.status = 206;
    reply.body = damaged;
    reply.headers = {{"Content-Range", "bytes 131072-196607/" + std::to_string(content.size())}};
    return reply;
  });
  Status status = Store()->GetFile("big", dir_.Path("big"));
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, ErrorCode::kUnavailable);
  EXPECT_TRUE(Contains(status.error().message, "MD5")) << status.error().message;
  EXPECT_FALSE(std::filesystem::exists(dir_.Path("big")));
}

TEST_F(S3ObjectStoreTest, GetChecksTheMd5OfAPlainETag) {
  std::string content = RandomBytes(1000, 8);
  server_.PutObject("bkt", "root/k", content);
  server_.SetInterceptor([&](const FakeS3Request& r) -> std::optional<FakeS3Reply> {
    if (r.method != "GET") return std::nullopt;
    std::string damaged = content;
    damaged[500] ^= 1;
    FakeS3Reply reply;
    reply.status = 206;
    reply.body = damaged;
    reply.headers = {{"ETag", "\"" + HexEncode(Md5Digest(content)) + "\""},
                     {"Content-Range", "bytes 0-999/1000"}};
    return reply;
  });
  Status status = Store()->GetFile("k", dir_.Path("k"));
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, ErrorCode::kUnavailable);
  EXPECT_TRUE(Contains(status.error().message, "MD5")) << status.error().message;
  EXPECT_FALSE(std::filesystem::exists(dir_.Path("k")));
}

TEST_F(S3ObjectStoreTest, AFirstPartShorterThanAnnouncedIsAnErrorAndWritesNothing) {
  std::string content = RandomBytes(kPart / 2, 9);
  server_.PutObject("bkt", "root/k", content);
  server_.SetInterceptor([&](const FakeS3Request& r) -> std::optional<FakeS3Reply> {
    if (r.method != "GET") return std::nullopt;
    FakeS3Reply reply;  // its Content-Range claims the whole object
    reply.status = 206;
    reply.body = content.substr(0, content.size() / 2);
    reply.headers = {{"ETag", "\"" + HexEncode(Md5Digest(content)) + "\""},
                     {"Content-Range", "bytes 0-" + std::to_string(content.size() - 1) + "/" +
                                           std::to_string(content.size())}};
    return reply;
  });
  Status status = Store()->GetFile("k", dir_.Path("k"));
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, ErrorCode::kUnavailable);
  EXPECT_FALSE(std::filesystem::exists(dir_.Path("k")));
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir_.path()), {}), 0) << "a temp file was left";
}

TEST_F(S3ObjectStoreTest, AFirstGetRetriedAfterAServerErrorWritesAndVerifiesTheBytesOnce) {
  std::string content = RandomBytes(kPart / 2, 10);
  server_.PutObject("bkt", "root/k", content);
  std::atomic<int> gets{0};
  server_.SetInterceptor([&](const FakeS3Request& r) -> std::optional<FakeS3Reply> {
    if (r.method == "GET" && ++gets == 1) return S3Error(503, "SlowDown");
    return std::nullopt;
  });
  Status status = Store()->GetFile("k", dir_.Path("k"));
  ASSERT_TRUE(status.ok()) << status.error().ToString();
  EXPECT_TRUE(ReadFile(dir_.Path("k")) == content);
  EXPECT_EQ(gets.load(), 2);
}

TEST_F(S3ObjectStoreTest, GettingAMissingObjectTouchesNothingLocal) {
  Status status = Store()->GetFile("absent", dir_.Path("new-dir/k"));
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, ErrorCode::kNotFound);
  EXPECT_FALSE(std::filesystem::exists(dir_.Path("new-dir")));
}

TEST_F(S3ObjectStoreTest, EmptyObjectsRoundTrip) {
  ASSERT_TRUE(Store()->PutFile("empty", LocalFile("")).ok());
  WriteFile(dir_.Path("empty"), "old");
  ASSERT_TRUE(Store()->GetFile("empty", dir_.Path("empty")).ok());
  EXPECT_EQ(ReadFile(dir_.Path("empty")), "");
}

TEST_F(S3ObjectStoreTest, CopyFailingWith200AndAnErrorIsRetriedOrReported) {
  server_.PutObject("bkt", "root/src", "payload");
  int copies = 0;
  server_.SetInterceptor([&](const FakeS3Request& r) -> std::optional<FakeS3Reply> {
    if (r.Header("x-amz-copy-source").empty()) return std::nullopt;
    ++copies;
    if (copies == 1) return S3Error(200, "InternalError", "try again");
    if (copies == 3) return S3Error(200, "AccessDenied", "not yours");
    return std::nullopt;
  });
  ASSERT_TRUE(Store()->Copy("src", "dst/copy").ok());
  EXPECT_EQ(server_.Object("bkt", "root/dst/copy"), "payload");
  EXPECT_EQ(copies, 2);
  std::vector<FakeS3Request> requests = server_.Requests();
  EXPECT_EQ(requests.back().Header("x-amz-copy-source"), "/bkt/root/src");

  Status denied = Store()->Copy("src", "dst/other");
  ASSERT_FALSE(denied.ok());
  EXPECT_EQ(denied.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_TRUE(Contains(denied.error().message, "AccessDenied")) << denied.error().message;
}

TEST_F(S3ObjectStoreTest, ListFollowsContinuationTokensWithCanonicalQueries) {
  for (const char* key : {"root/a/1", "root/a/2", "root/b", "root/c/d/e", "root/z", "other/x", "rootless"}) {
    server_.PutObject("bkt", key, key);
  }
  server_.SetMaxKeysPerPage(2);
  Result<std::vector<ObjectInfo>> listed = Store()->List("");
  ASSERT_TRUE(listed.ok()) << listed.error().ToString();
  std::vector<std::string> keys;
  for (const ObjectInfo& info : *listed) keys.push_back(info.key);
  EXPECT_EQ(keys, (std::vector<std::string>{"a/1", "a/2", "b", "c/d/e", "z"}));
  EXPECT_EQ((*listed)[3].size, 10);
  EXPECT_EQ((*listed)[3].mtime_ms, 1255369830000);
  std::vector<FakeS3Request> lists = Matching(server_.Requests(), "GET", "list-type");
  ASSERT_EQ(lists.size(), 3u);
  EXPECT_EQ(lists[0].target, "/bkt?list-type=2&prefix=root%2F");
  EXPECT_EQ(lists[1].target, "/bkt?continuation-token=root%2Fa%2F2&list-type=2&prefix=root%2F");
}

TEST_F(S3ObjectStoreTest, SessionTokensAreSentAndSigned) {
  S3Options options = Options();
  options.session_token = "token/with+chars";
  ASSERT_TRUE(Store(options)->PutFile("k", LocalFile("v")).ok());
  FakeS3Request put = server_.Requests().back();
  EXPECT_EQ(put.Header("x-amz-security-token"), "token/with+chars");
  EXPECT_TRUE(Contains(put.Header("authorization"), "x-amz-security-token")) << put.Header("authorization");
}

TEST_F(S3ObjectStoreTest, AnUnreachableEndpointIsUnavailableAfterRetries) {
  int probe = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(probe, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  socklen_t length = sizeof address;
  getsockname(probe, reinterpret_cast<sockaddr*>(&address), &length);
  close(probe);  // nothing listens on this port now
  S3Options options = Options();
  options.endpoint_url = "http://127.0.0.1:" + std::to_string(ntohs(address.sin_port));
  Result<ObjectInfo> head = Store(options)->Head("k");
  ASSERT_FALSE(head.ok());
  EXPECT_EQ(head.error().code, ErrorCode::kUnavailable) << head.error().message;
  EXPECT_EQ(sleeper_->sleeps().size(), 2u);
}

TEST_F(S3ObjectStoreTest, SequentialRequestsReuseOneConnection) {
  server_.PutObject("bkt", "root/k", "v");
  std::unique_ptr<S3ObjectStore> store = Store();
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(store->Head("k").ok());
  std::vector<FakeS3Request> heads = server_.Requests();
  ASSERT_EQ(heads.size(), 3u);
  EXPECT_EQ(heads[0].remote_port, heads[1].remote_port);
  EXPECT_EQ(heads[1].remote_port, heads[2].remote_port);
}

TEST_F(S3ObjectStoreTest, ManyThreadsMayCallAtOnce) {
  std::unique_ptr<S3ObjectStore> store = Store();
  std::vector<std::string> contents;
  for (int i = 0; i < 8; ++i) contents.push_back(RandomBytes(static_cast<size_t>(kPart) + i * 1000, i));
  std::vector<std::string> files;
  for (const std::string& content : contents) files.push_back(LocalFile(content));
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      std::string key = "t/" + std::to_string(i);
      if (!store->PutFile(key, files[i]).ok()) ++failures;
      if (!store->GetFile(key, dir_.Path("got/" + std::to_string(i))).ok()) ++failures;
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  for (int i = 0; i < 8; ++i) EXPECT_TRUE(ReadFile(dir_.Path("got/" + std::to_string(i))) == contents[i]);
}

TEST_F(S3ObjectStoreTest, GetRefusesALocalPathWhoseDirectoryCannotBeCreated) {
  server_.PutObject("bkt", "root/k", "v");
  WriteFile(dir_.Path("plain-file"), "x");
  Status status = Store()->GetFile("k", dir_.Path("plain-file/sub/k"));
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_TRUE(Contains(status.error().message, "cannot create the local directory")) << status.error().message;
}

TEST_F(S3ObjectStoreTest, HeadAndDeleteBehaveAsTheSeamSays) {
  server_.PutObject("bkt", "root/k", "12345");
  std::unique_ptr<S3ObjectStore> store = Store();
  Result<ObjectInfo> head = store->Head("k");
  ASSERT_TRUE(head.ok()) << head.error().ToString();
  EXPECT_EQ(head->size, 5);
  EXPECT_EQ(head->mtime_ms, 1255369830000);
  EXPECT_EQ(store->Head("missing").error().code, ErrorCode::kNotFound);
  EXPECT_TRUE(store->Delete("k").ok());
  EXPECT_TRUE(store->Delete("k").ok());
  EXPECT_FALSE(server_.Object("bkt", "root/k").has_value());
  EXPECT_EQ(store->Uri(), "s3://bkt/root");
}

TEST_F(S3ObjectStoreTest, CreateBucketIsIdempotentForItsOwner) {
  std::unique_ptr<S3ObjectStore> store = Store(Options(), "s3://fresh-bucket");
  ASSERT_TRUE(store->CreateBucket().ok());
  ASSERT_TRUE(store->PutFile("k", LocalFile("v")).ok());
  EXPECT_EQ(server_.Object("fresh-bucket", "k"), "v");
}

TEST_F(S3ObjectStoreTest, RefusesFileUrisAndBadOptions) {
  Result<StorageUri> file = ParseStorageUri("file:///tmp/x");
  EXPECT_EQ(S3ObjectStore::Create(*file, Options(), sleeper_, 1).error().code, ErrorCode::kInvalidArgument);
  S3Options bad = Options();
  bad.endpoint_url = "ftp://host";
  Result<StorageUri> s3 = ParseStorageUri("s3://bkt");
  EXPECT_EQ(S3ObjectStore::Create(*s3, bad, sleeper_, 1).error().code, ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace trainyard
