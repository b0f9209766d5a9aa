#include "checkpoint/file_digest.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include "common/crypto.h"
#include "storage/storage_test_util.h"

namespace trainyard {
namespace {

using storage_testing::RandomBytes;
using storage_testing::TempDir;
using storage_testing::WriteFile;

TEST(FileDigestTest, HashesTheWholeContentInOnePass) {
  TempDir dir;
  std::string content = RandomBytes(3 * 1024 * 1024 + 5, 3);
  WriteFile(dir.Path("f"), content);
  Result<FileDigest> digest = DigestFile(dir.Path("f"));
  ASSERT_TRUE(digest.ok()) << digest.error().ToString();
  EXPECT_EQ(digest->sha256, Sha256Hex(content));
  EXPECT_EQ(digest->size, static_cast<int64_t>(content.size()));
  EXPECT_TRUE(digest->stable);
}

TEST(FileDigestTest, EmptyFileHasTheEmptyHash) {
  TempDir dir;
  WriteFile(dir.Path("e"), "");
  EXPECT_EQ(DigestFile(dir.Path("e"))->sha256, Sha256Hex(""));
}

TEST(FileDigestTest, MissingFileIsNotFoundAndSymlinksAreNotFollowed) {
  TempDir dir;
  EXPECT_EQ(DigestFile(dir.Path("none")).error().code, ErrorCode::kNotFound);
  WriteFile(dir.Path("target"), "x");
  ASSERT_EQ(symlink(dir.Path("target").c_str(), dir.Path("link").c_str()), 0);
  EXPECT_FALSE(DigestFile(dir.Path("link")).ok());
  EXPECT_EQ(StatFileIdentity(dir.Path("link")).error().code, ErrorCode::kInvalidArgument);
}

TEST(FileDigestTest, IdentityChangesWhenTheFileIsReplaced) {
  TempDir dir;
  WriteFile(dir.Path("f"), "one");
  FileIdentity first = StatFileIdentity(dir.Path("f")).value();
  WriteFile(dir.Path("g"), "two");
  ASSERT_EQ(rename(dir.Path("g").c_str(), dir.Path("f").c_str()), 0);
  EXPECT_NE(StatFileIdentity(dir.Path("f")).value(), first);
}

TEST(FileDigestTest, RelativeToADirectoryWithoutFollowingTheLastSymlink) {
  TempDir dir;
  WriteFile(dir.Path("sub/f"), "abc");
  ASSERT_EQ(symlink(dir.Path("sub/f").c_str(), dir.Path("sub/link").c_str()), 0);
  int sub = open(dir.Path("sub").c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  ASSERT_GE(sub, 0);
  Result<FileDigest> digest = DigestFileAt(sub, "f");
  ASSERT_TRUE(digest.ok()) << digest.error().ToString();
  EXPECT_EQ(digest->sha256, Sha256Hex("abc"));
  EXPECT_TRUE(digest->stable);
  EXPECT_EQ(StatFileIdentityAt(sub, "f").value(), digest->identity);
  EXPECT_FALSE(DigestFileAt(sub, "link").ok());
  EXPECT_EQ(StatFileIdentityAt(sub, "link").error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(StatFileIdentityAt(sub, "none").error().code, ErrorCode::kNotFound);
  close(sub);
}

}  // namespace
}  // namespace trainyard
