#include "storage/s3_xml.h"

#include <gtest/gtest.h>

namespace trainyard {
namespace {

TEST(S3XmlTest, ReadsErrorDocuments) {
  auto error = ParseS3ErrorDocument(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>NoSuchKey</Code><Message>The specified key "
      "does not exist.</Message><Key>k</Key></Error>");
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->code, "NoSuchKey");
  EXPECT_EQ(error->message, "The specified key does not exist.");
  EXPECT_FALSE(ParseS3ErrorDocument("").has_value());
  EXPECT_FALSE(ParseS3ErrorDocument("<CopyObjectResult><ETag>x</ETag></CopyObjectResult>").has_value());
  EXPECT_FALSE(ParseS3ErrorDocument("<Error><Code>x").has_value());
}

TEST(S3XmlTest, ReadsListObjectsV2Pages) {
  Result<S3ListPage> page = ParseListObjectsV2(
      "<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Name>b</Name><IsTruncated>true"
      "</IsTruncated><Contents><Key>p/a&amp;b</Key><LastModified>2009-10-12T17:50:30.000Z</LastModified>"
      "<ETag>\"x\"</ETag><Size>434234</Size></Contents><Contents><Key>p/c</Key><LastModified>"
      "2026-11-27T21:24:39.123Z</LastModified><Size>0</Size></Contents>"
      "<NextContinuationToken>tok==</NextContinuationToken></ListBucketResult>");
  ASSERT_TRUE(page.ok()) << page.error().ToString();
  ASSERT_EQ(page->objects.size(), 2u);
  EXPECT_EQ(page->objects[0], (ObjectInfo{"p/a&b", 434234, 1255369830000}));
  EXPECT_EQ(page->objects[1].size, 0);
  EXPECT_TRUE(page->truncated);
  EXPECT_EQ(page->next_continuation_token, "tok==");
}

TEST(S3XmlTest, RefusesListingsItCannotTrust) {
  EXPECT_FALSE(ParseListObjectsV2("<Error><Code>x</Code></Error>").ok());
  EXPECT_FALSE(ParseListObjectsV2("<ListBucketResult><IsTruncated>true</IsTruncated></ListBucketResult>").ok());
  EXPECT_FALSE(ParseListObjectsV2("<ListBucketResult><Contents><Key>k</Key><Size>-1</Size>"
                                  "<LastModified>2009-10-12T17:50:30.000Z</LastModified></Contents>"
                                  "</ListBucketResult>").ok());
  EXPECT_FALSE(ParseListObjectsV2("<ListBucketResult><Contents><Key>k</Key><Size>1</Size>"
                                  "<LastModified>yesterday</LastModified></Contents></ListBucketResult>").ok());
}

TEST(S3XmlTest, MultipartDocuments) {
  Result<std::string> id = ParseUploadId(
      "<InitiateMultipartUploadResult><Bucket>b</Bucket><Key>k</Key><UploadId>VXBsb2FkIElE</UploadId>"
      "</InitiateMultipartUploadResult>");
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(*id, "VXBsb2FkIElE");
  EXPECT_FALSE(ParseUploadId("<InitiateMultipartUploadResult/>").ok());
  EXPECT_EQ(CompleteMultipartUploadBody({"\"a\"", "\"b\""}),
            "<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Part><PartNumber>1"
            "</PartNumber><ETag>&quot;a&quot;</ETag></Part><Part><PartNumber>2</PartNumber><ETag>&quot;b&quot;"
            "</ETag></Part></CompleteMultipartUpload>");
}

}  // namespace
}  // namespace trainyard
