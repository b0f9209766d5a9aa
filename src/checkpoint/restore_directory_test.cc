#include "checkpoint/restore_directory.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "checkpoint/checkpoint_test_util.h"

namespace trainyard {
namespace {

namespace fs = std::filesystem;
using checkpoint_testing::ReadFile;
using checkpoint_testing::TempDir;
using checkpoint_testing::WriteFile;

bool Exists(const std::string& path) {
  std::error_code ec;
  return fs::exists(fs::symlink_status(path, ec));
}

TEST(RestoreDirectoryTest, CreatesTheDirectoryAndReplacesALeftoverStagingArea) {
  TempDir base;
  const std::string dir = base.Path("new/ckpt");
  WriteFile(dir + "/" + std::string(kRestoreStagingName) + "/old", "leftover");
  {
    Result<RestoreDirectory> opened = RestoreDirectory::Open(dir);
    ASSERT_TRUE(opened.ok()) << opened.error().ToString();
    EXPECT_FALSE(Exists(opened->StagingPath("old")));
    WriteFile(opened->StagingPath("new"), "x");
  }
  EXPECT_TRUE(fs::is_directory(dir));
  EXPECT_FALSE(Exists(dir + "/" + std::string(kRestoreStagingName)));  // removed at the end
}

TEST(RestoreDirectoryTest, RemovesWhatIsNotKeptOrProtectedWithoutFollowingSymlinks) {
  TempDir base, outside;
  const std::string dir = base.path();
  WriteFile(outside.Path("precious"), "mine");
  WriteFile(base.Path("keep.pt"), "k");
  WriteFile(base.Path("stale.pt"), "s");
  WriteFile(base.Path("old/step1/opt.pt"), "o");
  WriteFile(base.Path("logs/train.log"), "l");
  WriteFile(base.Path("becomes-file/inner"), "i");
  fs::create_directories(base.Path("empty-before"));
  ASSERT_EQ(symlink(outside.path().c_str(), base.Path("link-dir").c_str()), 0);
  ASSERT_EQ(symlink(outside.Path("precious").c_str(), base.Path("keep-link").c_str()), 0);
  Result<RestoreDirectory> opened = RestoreDirectory::Open(dir);
  ASSERT_TRUE(opened.ok()) << opened.error().ToString();

  Status status = opened->RemoveAllExcept({"keep.pt", "keep-link", "becomes-file"}, {"logs/"});
  ASSERT_TRUE(status.ok()) << status.error().ToString();
  EXPECT_EQ(ReadFile(base.Path("keep.pt")), "k");
  EXPECT_FALSE(Exists(base.Path("stale.pt")));
  EXPECT_FALSE(Exists(base.Path("old")));           // emptied by the removal, so removed
  EXPECT_TRUE(fs::is_directory(base.Path("empty-before")));  // empty already: left alone
  EXPECT_EQ(ReadFile(base.Path("logs/train.log")), "l");     // protected
  EXPECT_FALSE(Exists(base.Path("becomes-file")));  // a file goes there
  EXPECT_FALSE(Exists(base.Path("link-dir")));      // the link, not its target
  EXPECT_FALSE(Exists(base.Path("keep-link")));     // kept paths must be regular files
  EXPECT_EQ(ReadFile(outside.Path("precious")), "mine");
  EXPECT_TRUE(fs::is_directory(opened->StagingPath("")));
}

TEST(RestoreDirectoryTest, InstallsMovingOrCopyingAndRefusesSymlinksOnTheWay) {
  TempDir base, outside;
  Result<RestoreDirectory> opened = RestoreDirectory::Open(base.path());
  ASSERT_TRUE(opened.ok()) << opened.error().ToString();
  WriteFile(opened->StagingPath("s1"), "content");
  Result<FileIdentity> copied = opened->Install("s1", "a/b/copy", /*copy=*/true);
  ASSERT_TRUE(copied.ok()) << copied.error().ToString();
  Result<FileIdentity> moved = opened->Install("s1", "a/moved", /*copy=*/false);
  ASSERT_TRUE(moved.ok()) << moved.error().ToString();
  EXPECT_EQ(ReadFile(base.Path("a/b/copy")), "content");
  EXPECT_EQ(ReadFile(base.Path("a/moved")), "content");
  EXPECT_FALSE(Exists(opened->StagingPath("s1")));
  EXPECT_EQ(*moved, *StatFileIdentity(base.Path("a/moved")));
  EXPECT_NE(copied->inode, moved->inode);

  ASSERT_EQ(symlink(outside.path().c_str(), base.Path("out").c_str()), 0);
  WriteFile(opened->StagingPath("s2"), "x");
  Result<FileIdentity> refused = opened->Install("s2", "out/file", /*copy=*/false);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_TRUE(fs::is_empty(outside.path()));
}

}  // namespace
}  // namespace trainyard
