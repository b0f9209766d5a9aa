#include "storage/transfer.h"

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <mutex>

#include "storage/fault_injecting_object_store.h"
#include "storage/file_object_store.h"
#include "storage/storage_test_util.h"

namespace trainyard {
namespace {

namespace fs = std::filesystem;
using storage_testing::RandomBytes;
using storage_testing::ReadFile;
using storage_testing::TempDir;
using storage_testing::WriteFile;

std::vector<std::string> Keys(ObjectStore& store, std::string_view prefix = "") {
  Result<std::vector<ObjectInfo>> listed = store.List(prefix);
  EXPECT_TRUE(listed.ok());
  std::vector<std::string> keys;
  if (!listed.ok()) return keys;
  for (const ObjectInfo& info : *listed) keys.push_back(info.key);
  return keys;
}

// Relative paths of the regular files below `dir`, sorted.
std::vector<std::string> FilesBelow(const std::string& dir) {
  std::vector<std::string> files;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (entry.is_regular_file()) files.push_back(fs::relative(entry.path(), dir).generic_string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

// Lists the keys it was given, whatever they are (a store that misbehaves or
// is hostile), and serves every get from one file.
class FixedListingStore : public FileObjectStore {
 public:
  FixedListingStore(std::string root, std::vector<std::string> keys)
      : FileObjectStore(std::move(root)), keys_(std::move(keys)) {}
  Result<std::vector<ObjectInfo>> List(std::string_view) override {
    std::vector<ObjectInfo> objects;
    for (const std::string& key : keys_) objects.push_back({key, 1, 1});
    return objects;
  }
  Status GetFile(std::string_view, const std::string& local_path) override {
    return FileObjectStore::GetFile("payload", local_path);
  }

 private:
  std::vector<std::string> keys_;
};

class TransferTest : public ::testing::Test {
 protected:
  TransferTest() : store_(dir_.Path("store")) {}

  TempDir dir_;
  FileObjectStore store_;
};

TEST_F(TransferTest, UploadPutsEveryFileUnderThePrefixWithRelativeKeys) {
  WriteFile(dir_.Path("model/weights.bin"), RandomBytes(100'000, 1));
  WriteFile(dir_.Path("model/config/params.json"), "{}");
  WriteFile(dir_.Path("model/.hidden"), "h");
  fs::create_directories(dir_.Path("model/empty-dir"));
  ASSERT_TRUE(UploadDirectory(store_, dir_.Path("model"), "jobs/j1/model").ok());
  EXPECT_EQ(Keys(store_), (std::vector<std::string>{"jobs/j1/model/.hidden", "jobs/j1/model/config/params.json",
                                                    "jobs/j1/model/weights.bin"}));
  ASSERT_TRUE(store_.GetFile("jobs/j1/model/weights.bin", dir_.Path("check")).ok());
  EXPECT_EQ(ReadFile(dir_.Path("check")), RandomBytes(100'000, 1));
}

TEST_F(TransferTest, UploadWithAnEmptyPrefixUsesTheRelativePathsAsKeys) {
  WriteFile(dir_.Path("d/a/b"), "1");
  ASSERT_TRUE(UploadDirectory(store_, dir_.Path("d"), "").ok());
  EXPECT_EQ(Keys(store_), std::vector<std::string>{"a/b"});
}

TEST_F(TransferTest, UploadSkipsSymlinksThatLeadOutsideAndDirectorySymlinks) {
  TempDir outside;
  WriteFile(outside.Path("secret"), "secret");
  WriteFile(outside.Path("dir/file"), "f");
  WriteFile(dir_.Path("d/real"), "real");
  WriteFile(dir_.Path("d/sub/deep"), "deep");
  fs::create_symlink(outside.Path("secret"), dir_.Path("d/out-link"));
  fs::create_symlink("../../" + fs::path(outside.path()).filename().string(), dir_.Path("d/rel-out"));
  fs::create_directory_symlink(outside.Path("dir"), dir_.Path("d/out-dir"));
  fs::create_directory_symlink(dir_.Path("d/sub"), dir_.Path("d/in-dir"));
  fs::create_symlink("real", dir_.Path("d/in-link"));
  fs::create_symlink("missing", dir_.Path("d/dangling"));
  WriteFile(dir_.Path("d/.ty-partial-0000"), "half");
  ASSERT_TRUE(UploadDirectory(store_, dir_.Path("d"), "p").ok());
  EXPECT_EQ(Keys(store_), (std::vector<std::string>{"p/in-link", "p/real", "p/sub/deep"}));
  ASSERT_TRUE(store_.GetFile("p/in-link", dir_.Path("check")).ok());
  EXPECT_EQ(ReadFile(dir_.Path("check")), "real");
}

TEST_F(TransferTest, UploadOfAMissingDirectoryIsNotFound) {
  Status status = UploadDirectory(store_, dir_.Path("nope"), "p");
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, ErrorCode::kNotFound);
}

TEST_F(TransferTest, UploadStopsAtAStoreFailureAndSaysWhere) {
  WriteFile(dir_.Path("d/1"), "1");
  WriteFile(dir_.Path("d/2"), "2");
  WriteFile(dir_.Path("d/3"), "3");
  FaultInjectingObjectStore faulty(store_);
  faulty.FailNthCall(ObjectStoreOp::kPut, 2);
  Status status = UploadDirectory(faulty, dir_.Path("d"), "p");
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(status.error().message.find("p/2"), std::string::npos) << status.error().message;
  EXPECT_EQ(Keys(store_), std::vector<std::string>{"p/1"});
}

TEST_F(TransferTest, DownloadRecreatesTheTreeUnderThePrefixOnly) {
  WriteFile(dir_.Path("src/a.txt"), "a");
  WriteFile(dir_.Path("src/nested/deeper/b.bin"), RandomBytes(5000, 7));
  ASSERT_TRUE(UploadDirectory(store_, dir_.Path("src"), "ckpt/job").ok());
  WriteFile(dir_.Path("sibling"), "s");
  ASSERT_TRUE(store_.PutFile("ckpt/job-other/x", dir_.Path("sibling")).ok());
  ASSERT_TRUE(store_.PutFile("ckpt/jobx", dir_.Path("sibling")).ok());

  ASSERT_TRUE(DownloadPrefix(store_, "ckpt/job", dir_.Path("restored")).ok());
  EXPECT_EQ(FilesBelow(dir_.Path("restored")), (std::vector<std::string>{"a.txt", "nested/deeper/b.bin"}));
  EXPECT_EQ(ReadFile(dir_.Path("restored/nested/deeper/b.bin")), RandomBytes(5000, 7));
  ASSERT_TRUE(DownloadPrefix(store_, "ckpt/job/", dir_.Path("restored2")).ok());
  EXPECT_EQ(FilesBelow(dir_.Path("restored2")), FilesBelow(dir_.Path("restored")));
}

TEST_F(TransferTest, DownloadOfAnEmptyPrefixCreatesAnEmptyDirectory) {
  ASSERT_TRUE(DownloadPrefix(store_, "nothing", dir_.Path("empty")).ok());
  EXPECT_TRUE(fs::is_directory(dir_.Path("empty")));
  EXPECT_TRUE(FilesBelow(dir_.Path("empty")).empty());
}

TEST_F(TransferTest, DownloadRefusesKeysThatWouldLandOutsideAndWritesNothing) {
  WriteFile(dir_.Path("payload-src"), "evil");
  for (const std::string bad : {"p/../escape", "p//abs", "p/a/../../escape", "p/./x", "p/"}) {
    FixedListingStore hostile(dir_.Path("store"), {"p/fine", bad});
    ASSERT_TRUE(hostile.PutFile("payload", dir_.Path("payload-src")).ok());
    Status status = DownloadPrefix(hostile, "p", dir_.Path("dest/inner"));
    ASSERT_FALSE(status.ok()) << bad;
    EXPECT_EQ(status.error().code, ErrorCode::kInvalidArgument) << bad;
    EXPECT_NE(status.error().message.find(bad), std::string::npos) << status.error().message;
    EXPECT_FALSE(fs::exists(dir_.Path("dest")));
  }
}

TEST_F(TransferTest, DownloadRefusesToWriteThroughASymlinkInTheDestination) {
  TempDir outside;
  WriteFile(dir_.Path("src/sub/file"), "x");
  ASSERT_TRUE(UploadDirectory(store_, dir_.Path("src"), "p").ok());
  fs::create_directories(dir_.Path("dest"));
  fs::create_directory_symlink(outside.path(), dir_.Path("dest/sub"));
  Status status = DownloadPrefix(store_, "p", dir_.Path("dest"));
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_FALSE(fs::exists(outside.Path("file")));
}

TEST_F(TransferTest, DownloadPassesStoreFailuresOn) {
  WriteFile(dir_.Path("src/f"), "x");
  ASSERT_TRUE(UploadDirectory(store_, dir_.Path("src"), "p").ok());
  FaultInjectingObjectStore faulty(store_);
  faulty.FailEveryCall(ObjectStoreOp::kGet);
  Status status = DownloadPrefix(faulty, "p", dir_.Path("dest"));
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, ErrorCode::kUnavailable);
}

// A FileObjectStore whose puts and gets each wait until `wanted` of them
// are in progress at once (or a deadline passes), proving the caller runs
// that many in parallel.
class GatedStore : public FileObjectStore {
 public:
  GatedStore(std::string root, int wanted) : FileObjectStore(std::move(root)), wanted_(wanted) {}

  Status PutFile(std::string_view key, const std::string& local_path) override {
    Wait();
    return FileObjectStore::PutFile(key, local_path);
  }
  Status GetFile(std::string_view key, const std::string& local_path) override {
    Wait();
    return FileObjectStore::GetFile(key, local_path);
  }
  bool reached() {
    std::lock_guard<std::mutex> lock(mu_);
    return reached_;
  }
  void Arm() {
    std::lock_guard<std::mutex> lock(mu_);
    arrived_ = 0;
    reached_ = false;
    armed_ = true;
  }

 private:
  void Wait() {
    std::unique_lock<std::mutex> lock(mu_);
    if (!armed_) return;
    if (++arrived_ >= wanted_) reached_ = true;
    changed_.notify_all();
    changed_.wait_for(lock, std::chrono::seconds(10), [this] { return reached_; });
  }

  const int wanted_;
  std::mutex mu_;
  std::condition_variable changed_;
  bool armed_ = false;
  int arrived_ = 0;
  bool reached_ = false;
};

// Records progress reports and checks they come one at a time.
struct ProgressLog {
  std::mutex mu;
  std::vector<TransferProgress> reports;
  bool overlapped = false;
  bool busy = false;

  TransferOptions Options(int files_in_flight) {
    TransferOptions options;
    options.files_in_flight = files_in_flight;
    options.progress = [this](const TransferProgress& progress) {
      {
        std::lock_guard<std::mutex> lock(mu);
        if (busy) overlapped = true;
        busy = true;
        reports.push_back(progress);
      }
      std::lock_guard<std::mutex> lock(mu);
      busy = false;
    };
    return options;
  }
};

TEST_F(TransferTest, ParallelUploadAndDownloadMoveEveryFileAndReportProgress) {
  int64_t total = 0;
  for (int i = 0; i < 12; ++i) {
    std::string content = RandomBytes(1000 * (i + 1), i);
    total += static_cast<int64_t>(content.size());
    WriteFile(dir_.Path("src/d" + std::to_string(i % 3) + "/f" + std::to_string(i)), content);
  }
  GatedStore gated(dir_.Path("gated"), 3);
  gated.Arm();
  ProgressLog up;
  ASSERT_TRUE(UploadDirectory(gated, dir_.Path("src"), "p", up.Options(4)).ok());
  EXPECT_TRUE(gated.reached()) << "files were not uploaded in parallel";
  EXPECT_EQ(Keys(gated, "p/").size(), 12u);
  ASSERT_EQ(up.reports.size(), 12u);
  for (size_t i = 0; i < up.reports.size(); ++i) {
    EXPECT_EQ(up.reports[i].files_done, static_cast<int>(i) + 1);
    EXPECT_EQ(up.reports[i].files_total, 12);
    EXPECT_EQ(up.reports[i].bytes_total, total);
    if (i > 0) {
      EXPECT_GT(up.reports[i].bytes_done, up.reports[i - 1].bytes_done);
    }
  }
  EXPECT_EQ(up.reports.back().bytes_done, total);
  EXPECT_FALSE(up.overlapped);

  gated.Arm();
  ProgressLog down;
  ASSERT_TRUE(DownloadPrefix(gated, "p", dir_.Path("restored"), down.Options(4)).ok());
  EXPECT_TRUE(gated.reached()) << "files were not downloaded in parallel";
  EXPECT_EQ(FilesBelow(dir_.Path("restored")), FilesBelow(dir_.Path("src")));
  EXPECT_EQ(ReadFile(dir_.Path("restored/d2/f11")), RandomBytes(12000, 11));
  ASSERT_EQ(down.reports.size(), 12u);
  EXPECT_EQ(down.reports.back().bytes_done, total);
  EXPECT_EQ(down.reports.back().bytes_total, total);
}

TEST_F(TransferTest, AParallelUploadStopsStartingFilesAfterAFailure) {
  for (int i = 0; i < 20; ++i) WriteFile(dir_.Path("d/" + std::to_string(100 + i)), "x");
  FaultInjectingObjectStore faulty(store_);
  faulty.FailNthCall(ObjectStoreOp::kPut, 3);
  TransferOptions options;
  options.files_in_flight = 2;
  Status status = UploadDirectory(faulty, dir_.Path("d"), "p", options);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, ErrorCode::kUnavailable);
  EXPECT_LE(faulty.CallCount(ObjectStoreOp::kPut), 4) << "files kept starting after the failure";
}

}  // namespace
}  // namespace trainyard
