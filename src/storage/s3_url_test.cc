#include "storage/s3_url.h"

#include <gtest/gtest.h>

namespace trainyard {
namespace {

S3BucketAddress Address(const std::string& endpoint, const std::string& bucket,
                        S3AddressingStyle style = S3AddressingStyle::kAuto, const std::string& region = "us-east-1") {
  S3Options options;
  options.endpoint_url = endpoint;
  options.region = region;
  options.addressing_style = style;
  Result<S3BucketAddress> address = S3BucketAddress::Create(options, bucket);
  EXPECT_TRUE(address.ok()) << address.error().ToString();
  return std::move(address).value();
}

TEST(S3UrlTest, EncodesLikeSigV4) {
  EXPECT_EQ(S3UriEncode("AZaz09-._~", false), "AZaz09-._~");
  EXPECT_EQ(S3UriEncode("a b+c/d=e&f%", false), "a%20b%2Bc%2Fd%3De%26f%25");
  EXPECT_EQ(S3UriEncode("dir/a b", true), "dir/a%20b");
  EXPECT_EQ(S3UriEncode("\xc3\xa9", true), "%C3%A9");
}

TEST(S3UrlTest, CanonicalQueriesAreEncodedSortedAndAlwaysHaveEquals) {
  EXPECT_EQ(CanonicalQueryString({{"prefix", "a/b c"}, {"list-type", "2"}, {"continuation-token", "x+y="}}),
            "continuation-token=x%2By%3D&list-type=2&prefix=a%2Fb%20c");
  EXPECT_EQ(CanonicalQueryString({{"uploads", ""}}), "uploads=");
  EXPECT_EQ(CanonicalQueryString({{"uploadId", "u"}, {"partNumber", "10"}}), "partNumber=10&uploadId=u");
}

TEST(S3UrlTest, LocalEndpointsUsePathStyle) {
  S3BucketAddress address = Address("http://127.0.0.1:4568", "bkt");
  EXPECT_TRUE(address.path_style());
  EXPECT_EQ(address.Url("a/b c.bin"), "http://127.0.0.1:4568/bkt/a/b%20c.bin");
  EXPECT_EQ(address.Url("", {{"list-type", "2"}}), "http://127.0.0.1:4568/bkt?list-type=2");
  EXPECT_TRUE(Address("http://localhost:9000/", "bkt").path_style());
  EXPECT_TRUE(Address("http://[::1]:9000", "bkt").path_style());
  EXPECT_EQ(Address("http://[::1]:9000", "bkt").Url("k"), "http://[::1]:9000/bkt/k");
}

TEST(S3UrlTest, AwsAndNamedEndpointsUseVirtualHostStyle) {
  S3BucketAddress aws = Address("", "my-bucket", S3AddressingStyle::kAuto, "eu-west-1");
  EXPECT_FALSE(aws.path_style());
  EXPECT_EQ(aws.Url("k/v"), "https://my-bucket.s3.eu-west-1.amazonaws.com/k/v");
  EXPECT_EQ(aws.Url(""), "https://my-bucket.s3.eu-west-1.amazonaws.com/");
  EXPECT_EQ(Address("https://minio.internal:9000", "data").Url("x"), "https://data.minio.internal:9000/x");
}

TEST(S3UrlTest, BucketsThatCannotBeAHostNameFallBackToPathStyle) {
  EXPECT_TRUE(Address("", "my.dotted.bucket").path_style());
  EXPECT_TRUE(Address("", "Upper_Case").path_style());
  EXPECT_FALSE(IsDnsCompatibleBucket("ab"));
  EXPECT_FALSE(IsDnsCompatibleBucket("-ab"));
  EXPECT_TRUE(IsDnsCompatibleBucket("a-b-1"));
}

TEST(S3UrlTest, ExplicitStylesWin) {
  EXPECT_TRUE(Address("https://s3.example.com", "bkt", S3AddressingStyle::kPath).path_style());
  EXPECT_EQ(Address("http://127.0.0.1:1", "bkt", S3AddressingStyle::kVirtual).Url("k"), "http://bkt.127.0.0.1:1/k");
}

TEST(S3UrlTest, CopySourcesAreEncodedPaths) {
  EXPECT_EQ(Address("", "bkt").CopySource("dir/a b+c"), "/bkt/dir/a%20b%2Bc");
}

TEST(S3UrlTest, EndpointParsing) {
  Result<S3Endpoint> endpoint = ParseS3Endpoint("HTTPS://Example.com:8443");
  ASSERT_TRUE(endpoint.ok());
  EXPECT_EQ(endpoint->scheme, "https");
  EXPECT_EQ(endpoint->host, "Example.com");
  EXPECT_EQ(endpoint->port, 8443);
  EXPECT_FALSE(endpoint->host_is_local_or_ip);
  for (const char* bad : {"example.com", "ftp://x", "http://", "http://h:0", "http://h:99999", "http://h:x",
                          "http://u@h", "http://h?q", "http://h/p"}) {
    EXPECT_FALSE(ParseS3Endpoint(bad).ok()) << bad;
  }
  EXPECT_FALSE(S3BucketAddress::Create(S3Options{}, "").ok());
}

}  // namespace
}  // namespace trainyard
