// S3ObjectStore::PutFile's two upload paths (s3_upload.h): which one a size
// takes, and the streamed PUT's promises: a retry re-sends the whole body
// read afresh from the file, a file that changes while it is sent is an error
// and stores nothing, and memory does not grow with the object's size.
#include "storage/s3_upload.h"

#include <gtest/gtest.h>
#include <httplib.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <thread>

#include "common/crypto.h"
#include "storage/fake_s3_server_testing.h"
#include "storage/md5.h"
#include "storage/s3_object_store.h"
#include "storage/storage_test_util.h"

namespace trainyard {
namespace {

using storage_testing::FakeS3Reply;
using storage_testing::FakeS3Request;
using storage_testing::FakeS3Server;
using storage_testing::RandomBytes;
using storage_testing::RecordingSleeper;
using storage_testing::S3Error;
using storage_testing::TempDir;
using storage_testing::WriteFile;

constexpr int64_t kPart = 64 * 1024;
constexpr int64_t kThreshold = 4 * kPart;

bool Contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

S3Options TestOptions(const std::string& endpoint_url) {
  S3Options options;
  options.endpoint_url = endpoint_url;
  options.access_key_id = "AKIDTEST";
  options.secret_access_key = "secret";
  options.part_size_bytes = kPart;
  options.multipart_threshold_bytes = kThreshold;
  options.parallelism = 4;
  options.max_attempts = 3;
  return options;
}

std::unique_ptr<S3ObjectStore> StoreAt(const std::string& endpoint_url) {
  Result<StorageUri> root = ParseStorageUri("s3://bkt/root");
  EXPECT_TRUE(root.ok());
  Result<std::unique_ptr<S3ObjectStore>> store =
      S3ObjectStore::Create(*root, TestOptions(endpoint_url), std::make_shared<RecordingSleeper>(), 7);
  EXPECT_TRUE(store.ok()) << store.error().ToString();
  return std::move(store).value();
}

class S3UploadTest : public ::testing::Test {
 protected:
  S3UploadTest() { server_.CreateBucket("bkt"); }

  int CountRequests(const std::string& method, const std::string& param = "") {
    int count = 0;
    for (const FakeS3Request& r : server_.Requests()) {
      if (r.method == method && (param.empty() || r.params.count(param))) ++count;
    }
    return count;
  }

  FakeS3Server server_;
  std::unique_ptr<S3ObjectStore> store_ = StoreAt(server_.endpoint_url());
  TempDir dir_;
  std::string path_ = dir_.Path("file");
};

TEST_F(S3UploadTest, UpToTheThresholdAFileIsOnePutWithItsContentMd5) {
  std::string content = RandomBytes(kThreshold, 1);
  WriteFile(path_, content);
  ASSERT_TRUE(store_->PutFile("k", path_).ok());
  EXPECT_TRUE(server_.Object("bkt", "root/k") == content);
  EXPECT_EQ(CountRequests("PUT"), 1);
  EXPECT_EQ(CountRequests("POST"), 0) << "no multipart upload";
  EXPECT_EQ(server_.Requests()[0].Header("content-md5"), Base64Encode(Md5Digest(content)));
}

TEST_F(S3UploadTest, AboveTheThresholdAFileGoesInParts) {
  std::string content = RandomBytes(kThreshold + 1, 2);
  WriteFile(path_, content);
  ASSERT_TRUE(store_->PutFile("k", path_).ok());
  EXPECT_TRUE(server_.Object("bkt", "root/k") == content);
  EXPECT_EQ(CountRequests("PUT", "partNumber"), 5);
}

TEST_F(S3UploadTest, ARetryAfterAServerErrorResendsTheWholeBody) {
  std::string content = RandomBytes(3 * kPart + 5, 3);
  WriteFile(path_, content);
  std::atomic<int> puts{0};
  server_.SetInterceptor([&](const FakeS3Request& r) -> std::optional<FakeS3Reply> {
    if (r.method == "PUT" && ++puts == 1) return S3Error(500, "InternalError");
    return std::nullopt;
  });
  Status status = store_->PutFile("k", path_);
  ASSERT_TRUE(status.ok()) << status.error().ToString();
  EXPECT_TRUE(server_.Object("bkt", "root/k") == content);
  std::vector<FakeS3Request> requests = server_.Requests();
  ASSERT_EQ(requests.size(), 2u);
  for (const FakeS3Request& put : requests) EXPECT_TRUE(put.body == content) << "a torn body was sent";
}

// The first attempt fails with a 500, and `change` alters the file before the
// retry reads it again.
Status PutWhileChanging(FakeS3Server& server, S3ObjectStore& store, const std::string& path,
                        const std::function<void()>& change) {
  std::atomic<int> puts{0};
  server.SetInterceptor([&](const FakeS3Request& r) -> std::optional<FakeS3Reply> {
    if (r.method != "PUT" || ++puts != 1) return std::nullopt;
    change();
    return S3Error(500, "InternalError");
  });
  return store.PutFile("k", path);
}

TEST_F(S3UploadTest, AFileThatShrinksWhileItIsSentIsAnErrorAndStoresNothing) {
  WriteFile(path_, RandomBytes(3 * kPart, 4));
  Status status = PutWhileChanging(server_, *store_, path_, [&] { ASSERT_EQ(truncate(path_.c_str(), kPart), 0); });
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, ErrorCode::kUnavailable);
  EXPECT_TRUE(Contains(status.error().message, "shorter")) << status.error().message;
  EXPECT_FALSE(server_.Object("bkt", "root/k").has_value());
}

TEST_F(S3UploadTest, AFileThatGrowsWhileItIsSentIsAnErrorAndStoresNothing) {
  WriteFile(path_, RandomBytes(3 * kPart, 5));
  Status status = PutWhileChanging(server_, *store_, path_, [&] {
    std::ofstream(path_, std::ios::app | std::ios::binary) << "more";
  });
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, ErrorCode::kUnavailable);
  EXPECT_TRUE(Contains(status.error().message, "grew")) << status.error().message;
  EXPECT_FALSE(server_.Object("bkt", "root/k").has_value());
}

TEST_F(S3UploadTest, AFileThatGrowsDuringAMultipartUploadIsAnErrorAndStoresNothing) {
  WriteFile(path_, RandomBytes(kThreshold + kPart, 8));
  std::atomic<int> parts{0};
  server_.SetInterceptor([&](const FakeS3Request& r) -> std::optional<FakeS3Reply> {
    if (r.params.count("partNumber") && ++parts == 1) std::ofstream(path_, std::ios::app) << "more";
    return std::nullopt;
  });
  Status status = store_->PutFile("k", path_);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, ErrorCode::kUnavailable);
  EXPECT_TRUE(Contains(status.error().message, "grew")) << status.error().message;
  EXPECT_FALSE(server_.Object("bkt", "root/k").has_value());
  EXPECT_EQ(server_.OpenMultipartUploads(), 0) << "the upload was not aborted";
}

TEST_F(S3UploadTest, BytesChangedInPlaceFailTheServersDigestCheckAndStoreNothing) {
  WriteFile(path_, RandomBytes(3 * kPart, 6));
  Status status = PutWhileChanging(server_, *store_, path_, [&] { WriteFile(path_, RandomBytes(3 * kPart, 7)); });
  ASSERT_FALSE(status.ok());
  EXPECT_TRUE(Contains(status.error().message, "BadDigest")) << status.error().message;
  EXPECT_FALSE(server_.Object("bkt", "root/k").has_value());
}

// An HTTP server that hashes PUT bodies as they arrive and keeps nothing, so
// that a large upload costs this process only what the client holds.
class DiscardingServer {
 public:
  DiscardingServer() {
    server_.Put(R"(/.*)", [this](const httplib::Request& request, httplib::Response& response,
                                 const httplib::ContentReader& read) {
      Md5 md5;
      int64_t size = 0;
      read([&](const char* data, size_t length) {
        md5.Update(std::string_view(data, length));
        size += static_cast<int64_t>(length);
        return true;
      });
      std::string digest = md5.Finish();
      received_ = size;
      digest_ok_ = request.get_header_value("Content-MD5") == Base64Encode(digest);
      response.set_header("ETag", "\"" + HexEncode(digest) + "\"");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~DiscardingServer() {
    server_.stop();
    thread_.join();
  }

  std::string endpoint_url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int64_t received() const { return received_; }
  bool digest_ok() const { return digest_ok_; }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::atomic<int64_t> received_{-1};
  std::atomic<bool> digest_ok_{false};
};

// This process's peak resident set (VmHWM) in bytes, or -1.
int64_t PeakResidentBytes() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.starts_with("VmHWM:")) return std::stoll(line.substr(6)) * 1024;
  }
  return -1;
}

TEST(S3UploadMemoryTest, AStreamedPutDoesNotHoldTheObjectInMemory) {
  constexpr int64_t kSize = 192 << 20;  // sparse: reads as zeros, takes no disk
  TempDir dir;
  std::string path = dir.Path("sparse");
  WriteFile(path, "");
  ASSERT_EQ(truncate(path.c_str(), kSize), 0);
  DiscardingServer server;
  Result<StorageUri> root = ParseStorageUri("s3://bkt/root");
  ASSERT_TRUE(root.ok());
  S3Options options = TestOptions(server.endpoint_url());
  options.multipart_threshold_bytes = kSize;
  auto store = S3ObjectStore::Create(*root, options, std::make_shared<RecordingSleeper>(), 7);
  ASSERT_TRUE(store.ok());
  // Writing 5 resets VmHWM to the current resident set (Linux >= 4.0).
  if (!(std::ofstream("/proc/self/clear_refs") << "5")) GTEST_SKIP() << "cannot reset VmHWM here";
  const int64_t before = PeakResidentBytes();
  Status status = (*store)->PutFile("sparse", path);
  const int64_t peak = PeakResidentBytes();
  ASSERT_TRUE(status.ok()) << status.error().ToString();
  EXPECT_EQ(server.received(), kSize);
  EXPECT_TRUE(server.digest_ok()) << "Content-MD5 does not match the body";
  EXPECT_LT(peak - before, 32 << 20) << "VmHWM grew from " << before << " to " << peak << " bytes";
}

}  // namespace
}  // namespace trainyard
