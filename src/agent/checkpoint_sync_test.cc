// CheckpointSync over a FileObjectStore (through a FaultInjectingObjectStore
// when the store must misbehave) and the real inotify watcher.
#include "agent/checkpoint_sync.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "agent/test_dir.h"
#include "storage/fault_injecting_object_store.h"
#include "storage/file_object_store.h"

namespace trainyard {
namespace {

namespace fs = std::filesystem;

std::string Read(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Owns the inner store of a FaultInjectingObjectStore.
class FaultyStore : public FaultInjectingObjectStore {
 public:
  explicit FaultyStore(std::string root)
      : FaultInjectingObjectStore(inner_), inner_(std::move(root)) {}

 private:
  FileObjectStore inner_;
};

class CheckpointSyncTest : public ::testing::Test {
 protected:
  CheckpointSyncOptions Options() {
    CheckpointSyncOptions options;
    options.local_dir = (dir_.path() / "ml" / "checkpoints").string();
    options.staging_dir = (dir_.path() / "ml" / ".trainyard" / "staging").string();
    options.host = "algo-1";
    options.job_name = "job-1";
    options.sleep = [this](std::chrono::milliseconds d) { slept_.push_back(d.count()); };
    return options;
  }
  std::string StoreRoot() const { return (dir_.path() / "store").string(); }

  TestDir dir_;
  SystemClock clock_;
  std::vector<int64_t> slept_;
};

TEST_F(CheckpointSyncTest, RestoresWhatAnEarlierJobLeftThenMirrorsAndFlushes) {
  // An earlier job's plain checkpoint (no sync points), as `aws s3 cp` would leave it.
  WriteTestFile(dir_.path() / "store" / "epoch-3.pt", "weights after epoch 3");
  auto sync = std::make_unique<CheckpointSync>(std::make_unique<FileObjectStore>(StoreRoot()), clock_, Options());
  Status started = sync->RestoreAndStart();
  ASSERT_TRUE(started.ok()) << started.error().ToString();
  EXPECT_EQ(Read(fs::path(Options().local_dir) / "epoch-3.pt"), "weights after epoch 3");
  CheckpointReport report = sync->Report();
  EXPECT_EQ(report.stage, "mirroring");
  EXPECT_EQ(report.restored_files, 1);

  WriteTestFile(fs::path(Options().local_dir) / "epoch-4.pt", "weights after epoch 4");
  Status flushed = sync->Flush(std::chrono::seconds(30));
  ASSERT_TRUE(flushed.ok()) << flushed.error().ToString();
  EXPECT_EQ(Read(dir_.path() / "store" / "epoch-4.pt"), "weights after epoch 4");
  report = sync->Report();
  EXPECT_EQ(report.stage, "flushed");
  EXPECT_EQ(report.files, 2);
  EXPECT_FALSE(report.last_point.empty()) << "a flush ends with a sync point";
  EXPECT_TRUE(fs::exists(dir_.path() / "store" / ".trainyard" / "points" / (report.last_point + ".json")));
}

TEST_F(CheckpointSyncTest, AStoreThatNeverAnswersFailsTheRestoreAfterBoundedRetries) {
  auto store = std::make_unique<FaultyStore>(StoreRoot());
  store->FailEveryCall(ObjectStoreOp::kList);
  CheckpointSync sync(std::move(store), clock_, Options());
  Status started = sync.RestoreAndStart();
  ASSERT_FALSE(started.ok());
  EXPECT_EQ(started.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(started.error().message.find("gave up after 5 attempts"), std::string::npos) << started.error().message;
  EXPECT_EQ(slept_, (std::vector<int64_t>{1000, 2000, 4000, 8000}));
  EXPECT_EQ(sync.Report().stage, "failed");
  EXPECT_FALSE(sync.Report().last_error.empty());
}

TEST_F(CheckpointSyncTest, AStoreThatComesBackDuringTheRetriesRestores) {
  WriteTestFile(dir_.path() / "store" / "model.pt", "m");
  auto store = std::make_unique<FaultyStore>(StoreRoot());
  store->FailNthCall(ObjectStoreOp::kList, 1);
  store->FailNthCall(ObjectStoreOp::kList, 2);
  CheckpointSync sync(std::move(store), clock_, Options());
  Status started = sync.RestoreAndStart();
  ASSERT_TRUE(started.ok()) << started.error().ToString();
  EXPECT_EQ(slept_.size(), 2u);
  EXPECT_EQ(Read(fs::path(Options().local_dir) / "model.pt"), "m");
}

TEST_F(CheckpointSyncTest, APermanentRefusalIsNotRetried) {
  auto store = std::make_unique<FaultyStore>(StoreRoot());
  store->AddFault({ObjectStoreOp::kList, 0, ErrorCode::kFailedPrecondition});
  CheckpointSync sync(std::move(store), clock_, Options());
  Status started = sync.RestoreAndStart();
  ASSERT_FALSE(started.ok());
  EXPECT_EQ(started.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_TRUE(slept_.empty());
}

}  // namespace
}  // namespace trainyard
