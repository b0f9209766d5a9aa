// S3ObjectStore's errors as real servers produce them (the fixture
// "s3servers"; skipped when run by hand without it): wrong credentials and
// missing buckets are permanent refusals, named in the message.
#include <gtest/gtest.h>

#include "storage/s3_object_store.h"
#include "storage/s3_test_servers_testing.h"
#include "storage/storage_test_util.h"

namespace trainyard {
namespace {

using storage_testing::FindS3TestServer;
using storage_testing::RecordingSleeper;
using storage_testing::S3TestServer;
using storage_testing::TempDir;
using storage_testing::TestS3Options;
using storage_testing::UniqueTestName;

class S3RealServersTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    server_ = FindS3TestServer(GetParam());
    if (!server_) GTEST_SKIP() << "no " << GetParam() << " server here (CTest fixture s3servers)";
    storage_testing::WriteFile(dir_.Path("payload"), "payload");
  }

  std::unique_ptr<S3ObjectStore> Store(const S3Options& options, const std::string& uri) {
    Result<std::unique_ptr<S3ObjectStore>> store =
        S3ObjectStore::Create(*ParseStorageUri(uri), options, sleeper_, 3);
    EXPECT_TRUE(store.ok());
    return std::move(store).value();
  }

  std::optional<S3TestServer> server_;
  std::shared_ptr<RecordingSleeper> sleeper_ = std::make_shared<RecordingSleeper>();
  TempDir dir_;
};

void ExpectRefusal(const Status& status, const std::string& s3_code, const std::string& uri) {
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, ErrorCode::kFailedPrecondition) << status.error().message;
  EXPECT_NE(status.error().message.find(s3_code), std::string::npos) << status.error().message;
  EXPECT_NE(status.error().message.find(uri), std::string::npos) << status.error().message;
}

TEST_P(S3RealServersTest, AMissingBucketIsAPermanentRefusal) {
  std::string uri = "s3://" + UniqueTestName() + "/p";
  ExpectRefusal(Store(TestS3Options(*server_), uri)->PutFile("k", dir_.Path("payload")), "NoSuchBucket", uri);
  EXPECT_TRUE(sleeper_->sleeps().empty()) << "a refusal is not retried";
}

TEST_P(S3RealServersTest, AnUnknownAccessKeyIsAPermanentRefusal) {
  S3Options options = TestS3Options(*server_);
  options.access_key_id = "AKIDNOTKNOWNHERE";
  std::string uri = "s3://" + server_->bucket + "/" + UniqueTestName();
  ExpectRefusal(Store(options, uri)->PutFile("k", dir_.Path("payload")), "InvalidAccessKeyId", uri);
}

INSTANTIATE_TEST_SUITE_P(Servers, S3RealServersTest, ::testing::Values("s3rver", "moto"),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

// moto checks signatures (s3rver does not).
class S3SignatureTest : public S3RealServersTest {};

TEST_P(S3SignatureTest, AWrongSecretIsAPermanentRefusal) {
  ASSERT_TRUE(server_->verifies_signatures);
  S3Options options = TestS3Options(*server_);
  options.secret_access_key = "not-the-secret";
  std::string uri = "s3://" + server_->bucket + "/" + UniqueTestName();
  ExpectRefusal(Store(options, uri)->PutFile("k", dir_.Path("payload")), "SignatureDoesNotMatch", uri);
}

INSTANTIATE_TEST_SUITE_P(Servers, S3SignatureTest, ::testing::Values("moto"),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

}  // namespace
}  // namespace trainyard
