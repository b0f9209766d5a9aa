#include "checkpoint/local_tree.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "storage/storage_test_util.h"

namespace trainyard {
namespace {

using storage_testing::TempDir;
using storage_testing::WriteFile;

TEST(LocalTreeTest, ListsRegularFilesAndDirectoriesOnly) {
  TempDir dir;
  WriteFile(dir.Path("b"), "1");
  WriteFile(dir.Path("a"), "1");
  std::filesystem::create_directories(dir.Path("sub"));
  ASSERT_EQ(symlink(dir.Path("a").c_str(), dir.Path("link-to-file").c_str()), 0);
  ASSERT_EQ(symlink(dir.Path("sub").c_str(), dir.Path("link-to-dir").c_str()), 0);
  ASSERT_EQ(mkfifo(dir.Path("fifo").c_str(), 0600), 0);
  Result<DirectoryEntries> entries = ListDirectoryEntries(dir.path());
  ASSERT_TRUE(entries.ok());
  EXPECT_EQ(entries->files, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(entries->directories, std::vector<std::string>{"sub"});
  EXPECT_EQ(ListDirectoryEntries(dir.Path("none")).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(ListDirectoryEntries(dir.Path("a")).error().code, ErrorCode::kNotFound);
}

TEST(LocalTreeTest, ScansEveryRegularFileBeneathExceptSkippedDirectories) {
  TempDir dir;
  WriteFile(dir.Path("model.pt"), "m");
  WriteFile(dir.Path("step-1/opt/state.pt"), "s");
  WriteFile(dir.Path(".trainyard/staging/snapshot-0"), "x");
  ASSERT_EQ(symlink("/etc", dir.Path("escape").c_str()), 0);
  Result<std::map<std::string, FileIdentity>> files =
      ScanRegularFiles(dir.path(), [](std::string_view d) { return d == ".trainyard"; });
  ASSERT_TRUE(files.ok()) << files.error().ToString();
  std::vector<std::string> paths;
  for (const auto& [path, identity] : *files) paths.push_back(path);
  EXPECT_EQ(paths, (std::vector<std::string>{"model.pt", "step-1/opt/state.pt"}));
  EXPECT_EQ(files->at("model.pt"), *StatFileIdentity(dir.Path("model.pt")));
  EXPECT_EQ(ScanRegularFiles(dir.Path("none"), {}).error().code, ErrorCode::kNotFound);
}

}  // namespace
}  // namespace trainyard
