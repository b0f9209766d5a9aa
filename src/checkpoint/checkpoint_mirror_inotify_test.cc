// CheckpointMirror end to end: a real inotify watcher, the system clock and
// a FileObjectStore, with short periods. The training script is played by
// the test thread; waits are for conditions, with deadlines.
#include <gtest/gtest.h>
#include <stdio.h>
#include <unistd.h>

#include <filesystem>

#include "checkpoint/checkpoint_mirror.h"
#include "checkpoint/mirror_test_util.h"
#include "storage/fault_injecting_object_store.h"
#include "storage/file_object_store.h"
#include "storage/storage_test_util.h"

namespace trainyard {
namespace {

using mirror_testing::ExpectEveryPointRestorable;
using mirror_testing::FilesUnder;
using mirror_testing::LoopWatcher;
using mirror_testing::PointsUnder;
using storage_testing::RandomBytes;
using storage_testing::TempDir;
using storage_testing::WriteFile;

class CheckpointMirrorInotifyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    DirectoryWatcherOptions watch;
    watch.excluded_dirs = {std::string(kCheckpointControlDir)};
    Result<std::unique_ptr<DirectoryWatcher>> made = NewInotifyDirectoryWatcher(local_.path(), watch);
    ASSERT_TRUE(made.ok()) << made.error().ToString();
    inotify_ = std::move(made).value();
    watcher_ = std::make_unique<LoopWatcher>(*inotify_);
    CheckpointMirrorOptions options;
    options.local_dir = local_.path();
    options.job_name = "job-1";
    options.point_quiet_period = std::chrono::milliseconds(50);
    options.settle_period = std::chrono::milliseconds(100);
    options.backoff = BackoffOptions{std::chrono::milliseconds(5), std::chrono::milliseconds(50), 2.0, 0.5};
    options.on_durable = [this](const DurableFile&) { watcher_->Wake(); };
    mirror_ = std::make_unique<CheckpointMirror>(faulty_, *watcher_, clock_, options);
    Status started = mirror_->Start();
    ASSERT_TRUE(started.ok()) << started.error().ToString();
  }

  // Until the store mirrors the directory and the newest point lists it.
  bool WaitInSync() {
    return watcher_->WaitUntil([&] {
      std::map<std::string, std::string> local = FilesUnder(local_.path());
      if (FilesUnder(root_.path()) != local) return false;
      std::vector<SyncPoint> points = PointsUnder(root_.path());
      if (points.empty() || points.back().files.size() != local.size()) return false;
      for (const ManifestFile& file : points.back().files) {
        auto it = local.find(file.path);
        if (it == local.end() || Sha256Hex(it->second) != file.sha256) return false;
      }
      return true;
    });
  }
  void RenameIntoPlace(const std::string& path, const std::string& content) {
    WriteFile(local_.Path(path + ".tmp"), content);
    ASSERT_EQ(rename(local_.Path(path + ".tmp").c_str(), local_.Path(path).c_str()), 0);
  }

  TempDir local_;
  TempDir root_;
  FileObjectStore file_store_{root_.path()};
  FaultInjectingObjectStore faulty_{file_store_};
  SystemClock clock_;
  std::unique_ptr<DirectoryWatcher> inotify_;
  std::unique_ptr<LoopWatcher> watcher_;
  std::unique_ptr<CheckpointMirror> mirror_;  // last: stopped first
};

TEST_F(CheckpointMirrorInotifyTest, MirrorsWhatATrainingScriptDoes) {
  WriteFile(local_.Path("model.pt"), RandomBytes(200'000, 1));
  RenameIntoPlace("latest.pt", "step 1");
  std::filesystem::create_directories(local_.Path("step-1/shards"));
  WriteFile(local_.Path("step-1/shards/0.pt"), RandomBytes(50'000, 2));
  WriteFile(local_.Path("step-1/meta.json"), "{}");
  ASSERT_TRUE(WaitInSync());
  const size_t points_before = PointsUnder(root_.path()).size();

  RenameIntoPlace("latest.pt", "step 2");  // replaced: the old content goes to history
  ASSERT_EQ(unlink(local_.Path("model.pt").c_str()), 0);
  std::filesystem::rename(local_.Path("step-1"), local_.Path("step-2"));
  WriteFile(local_.Path(".trainyard/scratch"), "never mirrored");
  ASSERT_TRUE(WaitInSync());
  EXPECT_GT(PointsUnder(root_.path()).size(), points_before);

  std::filesystem::remove_all(local_.Path("step-2"));
  Status flushed = mirror_->Flush(clock_.MonotonicMs() + 20'000);
  ASSERT_TRUE(flushed.ok()) << flushed.error().ToString();
  EXPECT_EQ(FilesUnder(root_.path()), (std::map<std::string, std::string>{{"latest.pt", "step 2"}}));
  ExpectEveryPointRestorable(root_.path());
  EXPECT_EQ(mirror_->SyncStatus().backlog_files, 0);
}

TEST_F(CheckpointMirrorInotifyTest, TrainingNeverWaitsForADownStoreAndNothingIsLost) {
  faulty_.FailEveryCall(ObjectStoreOp::kPut);
  std::map<std::string, std::string> written;
  for (int i = 0; i < 20; ++i) {  // the writes finish whatever the store does
    const std::string path = "ckpt-" + std::to_string(i) + ".pt";
    written[path] = RandomBytes(64 * 1024, i);
    RenameIntoPlace(path, written[path]);
  }
  // All 20 uploads are owed (a temp file whose failed put may have landed
  // also owes a delete, so there may be more files than 20).
  ASSERT_TRUE(watcher_->WaitUntil([&] {
    CheckpointSyncStatus status = mirror_->SyncStatus();
    return status.backlog_bytes == 20 * 64 * 1024 && status.backlog_files >= 20 && status.retries >= 3;
  })) << "backlog " << mirror_->SyncStatus().backlog_files << " files, " << mirror_->SyncStatus().backlog_bytes
      << " bytes, " << mirror_->SyncStatus().retries << " retries";
  EXPECT_TRUE(FilesUnder(root_.path()).empty());

  faulty_.ClearFaults();
  ASSERT_TRUE(WaitInSync());
  EXPECT_EQ(FilesUnder(root_.path()), written);
  EXPECT_EQ(mirror_->SyncStatus().lag_ms, 0);
  ExpectEveryPointRestorable(root_.path());
}

}  // namespace
}  // namespace trainyard
