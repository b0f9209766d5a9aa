#include "storage/open_object_store.h"

#include <gtest/gtest.h>

#include "storage/storage_test_util.h"

namespace trainyard {
namespace {

TEST(OpenObjectStoreTest, OpensTheImplementationForTheScheme) {
  storage_testing::TempDir dir;
  Result<StorageUri> file = ParseStorageUri("file://" + dir.path() + "/root");
  Result<std::unique_ptr<ObjectStore>> local = OpenObjectStore(*file, S3Options{});
  ASSERT_TRUE(local.ok());
  EXPECT_EQ((*local)->Uri(), "file://" + dir.path() + "/root");

  Result<std::unique_ptr<ObjectStore>> s3 = OpenObjectStore(*ParseStorageUri("s3://bkt/pre/fix"), S3Options{});
  ASSERT_TRUE(s3.ok()) << s3.error().ToString();
  EXPECT_EQ((*s3)->Uri(), "s3://bkt/pre/fix");
}

TEST(OpenObjectStoreTest, RefusesInvalidS3Options) {
  S3Options options;
  options.endpoint_url = "not a url";
  Result<std::unique_ptr<ObjectStore>> s3 = OpenObjectStore(*ParseStorageUri("s3://bkt"), options);
  ASSERT_FALSE(s3.ok());
  EXPECT_EQ(s3.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(s3.error().message.find("s3://bkt"), std::string::npos) << s3.error().message;
}

}  // namespace
}  // namespace trainyard
