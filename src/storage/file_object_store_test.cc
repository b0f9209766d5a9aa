// What FileObjectStore adds to the ObjectStore contract (see
// object_store_contract_test.cc): its on-disk layout, symlink safety and
// atomicity.
#include "storage/file_object_store.h"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <thread>

#include "storage/storage_test_util.h"

namespace trainyard {
namespace {

namespace fs = std::filesystem;
using storage_testing::ReadFile;
using storage_testing::TempDir;
using storage_testing::WriteFile;

class FileObjectStoreTest : public ::testing::Test {
 protected:
  FileObjectStoreTest() : root_(dir_.Path("root")), store_(root_) {}

  void Put(const std::string& key, std::string_view content) {
    std::string local = dir_.Path("local-" + std::to_string(puts_++));
    WriteFile(local, content);
    Status status = store_.PutFile(key, local);
    ASSERT_TRUE(status.ok()) << status.error().ToString();
  }

  TempDir dir_;
  std::string root_;
  FileObjectStore store_;
  int puts_ = 0;
};

TEST_F(FileObjectStoreTest, ObjectsAreFilesUnderTheRoot) {
  EXPECT_FALSE(fs::exists(root_)) << "nothing is created before the first put";
  EXPECT_TRUE(store_.List("")->empty());
  Put("a/b/c.txt", "hello");
  EXPECT_EQ(ReadFile(root_ + "/a/b/c.txt"), "hello");
  EXPECT_EQ(store_.Uri(), "file://" + root_);
}

TEST_F(FileObjectStoreTest, PutLeavesNoTempFilesBehind) {
  Put("d/x", "1");
  Put("d/x", "2");
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(root_ + "/d")) names.push_back(entry.path().filename());
  EXPECT_EQ(names, std::vector<std::string>{"x"});
}

TEST_F(FileObjectStoreTest, TempFilesAreNeverListedAndTheirNamesAreReserved) {
  Put("d/x", "1");
  WriteFile(root_ + "/d/.ty-partial-0123456789abcdef", "half an upl");
  EXPECT_EQ(store_.List("")->size(), 1u);
  WriteFile(dir_.Path("local"), "v");
  EXPECT_EQ(store_.PutFile("d/.ty-partial-x", dir_.Path("local")).error().code, ErrorCode::kInvalidArgument);
}

TEST_F(FileObjectStoreTest, SymlinksUnderTheRootAreNeverFollowed) {
  TempDir outside;
  WriteFile(outside.Path("secret"), "top secret");
  Put("inside/x", "x");
  fs::create_directory_symlink(outside.path(), root_ + "/link");
  fs::create_symlink(outside.Path("secret"), root_ + "/inside/file-link");

  EXPECT_EQ(store_.GetFile("link/secret", dir_.Path("got")).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(store_.GetFile("inside/file-link", dir_.Path("got")).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(store_.Head("link/secret").error().code, ErrorCode::kNotFound);
  EXPECT_FALSE(fs::exists(dir_.Path("got")));
  Result<std::vector<ObjectInfo>> listed = store_.List("");
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].key, "inside/x");

  WriteFile(dir_.Path("payload"), "planted");
  Status put = store_.PutFile("link/planted", dir_.Path("payload"));
  ASSERT_FALSE(put.ok());
  EXPECT_EQ(put.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_FALSE(fs::exists(outside.Path("planted")));

  EXPECT_TRUE(store_.Delete("inside/file-link").ok());
  EXPECT_TRUE(store_.Delete("link/secret").ok());
  EXPECT_EQ(ReadFile(outside.Path("secret")), "top secret");
  EXPECT_TRUE(fs::is_symlink(root_ + "/inside/file-link")) << "a symlink is not an object to delete";
}

TEST_F(FileObjectStoreTest, DeleteRemovesDirectoriesLeftEmptyButNotTheRoot) {
  Put("a/b/c/one", "1");
  Put("a/two", "2");
  ASSERT_TRUE(store_.Delete("a/b/c/one").ok());
  EXPECT_FALSE(fs::exists(root_ + "/a/b"));
  EXPECT_TRUE(fs::exists(root_ + "/a/two"));
  ASSERT_TRUE(store_.Delete("a/two").ok());
  EXPECT_FALSE(fs::exists(root_ + "/a"));
  EXPECT_TRUE(fs::is_directory(root_));
  Put("a", "a file where a directory was");
}

TEST_F(FileObjectStoreTest, AFileAndADirectoryCannotShareAName) {
  Put("a/b", "1");
  WriteFile(dir_.Path("local"), "v");
  EXPECT_EQ(store_.PutFile("a", dir_.Path("local")).error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(store_.PutFile("a/b/c", dir_.Path("local")).error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(ReadFile(root_ + "/a/b"), "1");
}

TEST_F(FileObjectStoreTest, PutOfADirectoryIsRefused) {
  fs::create_directories(dir_.Path("a-dir"));
  EXPECT_EQ(store_.PutFile("k", dir_.Path("a-dir")).error().code, ErrorCode::kInvalidArgument);
}

TEST_F(FileObjectStoreTest, ReadersSeeOnlyWholeObjectsWhileAWriterReplacesThem) {
  const std::string small(64 * 1024, 'a');
  const std::string large(1024 * 1024, 'b');
  WriteFile(dir_.Path("small"), small);
  WriteFile(dir_.Path("large"), large);
  ASSERT_TRUE(store_.PutFile("k", dir_.Path("small")).ok());
  std::atomic<bool> done = false;
  std::thread writer([&] {
    for (int i = 0; i < 30; ++i) {
      EXPECT_TRUE(store_.PutFile("k", dir_.Path(i % 2 == 0 ? "large" : "small")).ok());
    }
    done = true;
  });
  int reads = 0;
  while (!done || reads == 0) {
    ASSERT_TRUE(store_.GetFile("k", dir_.Path("read")).ok());
    std::string content = ReadFile(dir_.Path("read"));
    ASSERT_TRUE(content == small || content == large) << "saw a partial object of " << content.size();
    Result<std::vector<ObjectInfo>> listed = store_.List("");
    ASSERT_TRUE(listed.ok());
    ASSERT_EQ(listed->size(), 1u);
    ++reads;
  }
  writer.join();
}

}  // namespace
}  // namespace trainyard
