#include "storage/storage_uri.h"

#include <gtest/gtest.h>

namespace trainyard {
namespace {

TEST(StorageUriTest, ParsesS3BucketAndPrefix) {
  struct Case {
    std::string uri, bucket, path;
  };
  const Case cases[] = {
      {"s3://bucket/prefix", "bucket", "prefix"},
      {"s3://bucket/a/b/c/", "bucket", "a/b/c"},
      {"s3://bucket", "bucket", ""},
      {"s3://bucket/", "bucket", ""},
      {"S3://my.bucket-1/ckpt/job", "my.bucket-1", "ckpt/job"},
  };
  for (const Case& c : cases) {
    Result<StorageUri> uri = ParseStorageUri(c.uri);
    ASSERT_TRUE(uri.ok()) << c.uri << ": " << uri.error().ToString();
    EXPECT_EQ(uri->scheme, StorageScheme::kS3) << c.uri;
    EXPECT_EQ(uri->bucket, c.bucket) << c.uri;
    EXPECT_EQ(uri->path, c.path) << c.uri;
  }
}

TEST(StorageUriTest, ParsesAbsoluteFilePaths) {
  struct Case {
    std::string uri, path;
  };
  const Case cases[] = {
      {"file:///var/lib/trainyard", "/var/lib/trainyard"},
      {"file:///var/lib/trainyard/", "/var/lib/trainyard"},
      {"file:///", "/"},
      {"FILE:///x", "/x"},
      {"file://localhost/srv/ckpt", "/srv/ckpt"},
  };
  for (const Case& c : cases) {
    Result<StorageUri> uri = ParseStorageUri(c.uri);
    ASSERT_TRUE(uri.ok()) << c.uri << ": " << uri.error().ToString();
    EXPECT_EQ(uri->scheme, StorageScheme::kFile) << c.uri;
    EXPECT_EQ(uri->path, c.path) << c.uri;
    EXPECT_TRUE(uri->bucket.empty());
  }
}

TEST(StorageUriTest, RefusesAmbiguousOrUnsafeUrisWithAClearMessage) {
  struct Case {
    std::string uri, message_part;
  };
  const Case cases[] = {
      {"s3:///prefix", "bucket name is empty"},
      {"s3://", "bucket name is empty"},
      {"s3://bucket/../other", "\"..\""},
      {"s3://bucket/a/./b", "\".\""},
      {"s3://bucket/a//b", "empty path segment"},
      {"s3://bucket//", "empty path segment"},
      {"s3://bu/cket/x y\n", "control characters"},
      {"s3://bad bucket/x", "bucket name"},
      {"file://relative/path", "absolute path"},
      {"file://", "absolute path"},
      {"file:relative", "unsupported scheme"},
      {"file:///a/../etc", "\"..\""},
      {"file:////a", "empty path segment"},
      {"/plain/path", "unsupported scheme"},
      {"http://host/x", "unsupported scheme"},
      {"gs://bucket/x", "unsupported scheme"},
      {"", "unsupported scheme"},
      {std::string("file:///a\0b", 11), "NUL"},
  };
  for (const Case& c : cases) {
    Result<StorageUri> uri = ParseStorageUri(c.uri);
    ASSERT_FALSE(uri.ok()) << "accepted: " << c.uri;
    EXPECT_EQ(uri.error().code, ErrorCode::kInvalidArgument) << c.uri;
    EXPECT_NE(uri.error().message.find(c.message_part), std::string::npos)
        << c.uri << " gave: " << uri.error().message;
  }
}

TEST(StorageUriTest, ToStringGivesTheCanonicalSpelling) {
  EXPECT_EQ(ParseStorageUri("S3://b/p/q/")->ToString(), "s3://b/p/q");
  EXPECT_EQ(ParseStorageUri("s3://b/")->ToString(), "s3://b");
  EXPECT_EQ(ParseStorageUri("file:///x/y/")->ToString(), "file:///x/y");
  EXPECT_EQ(ParseStorageUri("file:///")->ToString(), "file:///");
  StorageUri uri = *ParseStorageUri("s3://bucket/a/b");
  EXPECT_EQ(*ParseStorageUri(uri.ToString()), uri);
}

TEST(StorageUriTest, JoinKeyUsesExactlyOneSlash) {
  EXPECT_EQ(JoinKey("a", "b"), "a/b");
  EXPECT_EQ(JoinKey("a/", "/b"), "a/b");
  EXPECT_EQ(JoinKey("a//", "b/c"), "a/b/c");
  EXPECT_EQ(JoinKey("", "b"), "b");
  EXPECT_EQ(JoinKey("", "/b"), "b");
  EXPECT_EQ(JoinKey("a", ""), "a");
  EXPECT_EQ(JoinKey("", ""), "");
}

}  // namespace
}  // namespace trainyard
