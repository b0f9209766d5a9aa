// CheckpointMirror driven by a fake watcher and a FakeClock, over a real
// FileObjectStore (with faults injected). Waits are for conditions, with
// deadlines; time moves only when a test advances the clock.
#include "checkpoint/checkpoint_mirror.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <future>

#include "checkpoint/fake_directory_watcher.h"
#include "checkpoint/mirror_test_util.h"
#include "common/crypto.h"
#include "storage/fault_injecting_object_store.h"
#include "storage/file_object_store.h"
#include "storage/storage_test_util.h"

namespace trainyard {
namespace {

using mirror_testing::ExpectEveryPointRestorable;
using mirror_testing::FilesUnder;
using mirror_testing::GatedStore;
using mirror_testing::kTestDeadline;
using mirror_testing::LoopWatcher;
using mirror_testing::PointsUnder;
using storage_testing::RandomBytes;
using storage_testing::ReadFile;
using storage_testing::TempDir;
using storage_testing::WriteFile;

class CheckpointMirrorTest : public ::testing::Test {
 protected:
  CheckpointMirrorOptions Options() {
    CheckpointMirrorOptions options;
    options.local_dir = local_.path();
    options.host = "algo-1";
    options.job_name = "job-1";
    options.workers = 4;
    options.point_quiet_period = std::chrono::milliseconds(1'000);
    options.rescan_interval = std::chrono::milliseconds(10'000);
    options.settle_period = std::chrono::milliseconds(2'000);
    options.backoff = BackoffOptions{std::chrono::milliseconds(100), std::chrono::milliseconds(2'000), 2.0, 0.5};
    options.random_seed = 42;
    options.on_durable = [this](const DurableFile& file) {
      {
        std::lock_guard lock(durable_mu_);
        durable_.push_back(file);
      }
      watcher_.Wake();  // so that waiting tests look again
    };
    return options;
  }

  void Start(CheckpointMirrorOptions options, const std::vector<KnownFile>& restored = {}) {
    mirror_ = std::make_unique<CheckpointMirror>(gated_, watcher_, clock_, std::move(options));
    Status started = mirror_->Start(restored);
    ASSERT_TRUE(started.ok()) << started.error().ToString();
  }
  void Start() { Start(Options()); }

  // Writes a local file the way a training script does, and reports its close.
  void Write(const std::string& path, const std::string& content) {
    WriteFile(local_.Path(path), content);
    fake_.PushClosed(path);
  }
  void Remove(const std::string& path) {
    ASSERT_EQ(unlink(local_.Path(path).c_str()), 0);
    fake_.PushRemoved(path);
  }
  void Advance(int64_t ms) {
    clock_.AdvanceMs(ms);
    watcher_.Wake();
  }

  std::string Object(const std::string& key) const { return ReadFile(root_.Path(key)); }
  bool HasObject(const std::string& key) const { return std::filesystem::is_regular_file(root_.Path(key)); }
  bool Mirrored(const std::string& path, const std::string& content) const {
    return HasObject(path) && Object(path) == content;
  }
  bool WaitUntil(const std::function<bool()>& condition) { return watcher_.WaitUntil(condition); }
  // Until the store holds exactly `files` at live keys and nothing is owed
  // (a backlog of 0 alone may only mean the events are not applied yet).
  bool WaitMirrored(const std::map<std::string, std::string>& files) {
    return WaitUntil([&] { return FilesUnder(root_.path()) == files && mirror_->SyncStatus().backlog_files == 0; });
  }
  // Until `condition` holds, advancing the clock past backoffs and settle
  // periods while it does not (a retry that failed just before the faults
  // were cleared may still be backing off).
  bool WaitAdvancingClock(const std::function<bool()>& condition) {
    for (int round = 0; round < 20; ++round) {
      if (watcher_.WaitUntil(condition, std::chrono::milliseconds(500))) return true;
      Advance(2'000);
    }
    return false;
  }
  bool DrainAdvancingClock() {
    return WaitAdvancingClock([&] { return mirror_->SyncStatus().backlog_files == 0; });
  }
  std::string Describe() {
    CheckpointSyncStatus status = mirror_->SyncStatus();
    return "backlog " + std::to_string(status.backlog_files) + ", retries " + std::to_string(status.retries) +
           ", lag " + std::to_string(status.lag_ms) + ", last error: " + status.last_error;
  }
  bool WaitBacklog(int64_t files) {
    return WaitUntil([&] { return mirror_->SyncStatus().backlog_files == files; });
  }
  // Passes the quiet period and waits for the point it brings.
  bool WaitForPoints(size_t count) {
    Advance(1'000);
    return WaitUntil([&] { return PointsUnder(root_.path()).size() >= count; });
  }
  Status FlushNow() { return mirror_->Flush(clock_.MonotonicMs() + 60'000); }
  std::vector<DurableFile> Durable() {
    std::lock_guard lock(durable_mu_);
    return durable_;
  }
  KnownFile Known(const std::string& path, const std::string& content) {
    return KnownFile{{path, static_cast<int64_t>(content.size()), Sha256Hex(content)},
                     *StatFileIdentity(local_.Path(path))};
  }

  TempDir local_;
  TempDir root_;
  FileObjectStore file_store_{root_.path()};
  FaultInjectingObjectStore faulty_{file_store_};
  GatedStore gated_{faulty_};
  FakeClock clock_;
  FakeDirectoryWatcher fake_;
  LoopWatcher watcher_{fake_};
  std::mutex durable_mu_;
  std::vector<DurableFile> durable_;
  std::unique_ptr<CheckpointMirror> mirror_;  // last: stopped before the rest goes
};

TEST_F(CheckpointMirrorTest, UploadsAFileOnceItIsClosed) {
  Start();
  const std::string content = RandomBytes(300'000, 1);
  Write("model.pt", content);
  ASSERT_TRUE(WaitUntil([&] { return Mirrored("model.pt", content); }));
  ASSERT_TRUE(WaitUntil([&] { return Durable().size() == 1; }));
  EXPECT_EQ(Durable()[0].path, "model.pt");
  EXPECT_EQ(Durable()[0].size, 300'000);
  CheckpointSyncStatus status = mirror_->SyncStatus();
  EXPECT_EQ(status.files_mirrored, 1);
  EXPECT_EQ(status.bytes_mirrored, 300'000);
  EXPECT_EQ(status.backlog_files, 0);
  EXPECT_EQ(status.lag_ms, 0);
  EXPECT_EQ(status.last_sync_ms, clock_.NowMs());
  EXPECT_TRUE(status.last_error.empty());
}

TEST_F(CheckpointMirrorTest, AFileRenamedIntoPlaceIsMirroredUnderItsFinalName) {
  Start();
  WriteFile(local_.Path("step-7.pt.tmp"), "weights");
  fake_.PushClosed("step-7.pt.tmp");
  ASSERT_EQ(rename(local_.Path("step-7.pt.tmp").c_str(), local_.Path("step-7.pt").c_str()), 0);
  fake_.PushRemoved("step-7.pt.tmp");
  fake_.PushClosed("step-7.pt");
  ASSERT_TRUE(WaitUntil([&] { return Mirrored("step-7.pt", "weights"); }));
  ASSERT_TRUE(FlushNow().ok());
  EXPECT_FALSE(HasObject("step-7.pt.tmp"));
}

TEST_F(CheckpointMirrorTest, DeletionsAndRemovedDirectoriesAreMirrored) {
  Start();
  Write("a.pt", "a");
  Write("step-1/model.pt", "m");
  Write("step-1/opt/state.pt", "s");
  ASSERT_TRUE(WaitMirrored({{"a.pt", "a"}, {"step-1/model.pt", "m"}, {"step-1/opt/state.pt", "s"}}));
  Remove("a.pt");
  std::filesystem::remove_all(local_.Path("step-1"));
  fake_.PushRemoved("step-1", /*is_directory=*/true);  // as for a directory moved away
  ASSERT_TRUE(WaitMirrored({}));
  EXPECT_EQ(mirror_->SyncStatus().files_mirrored, 0);
}

TEST_F(CheckpointMirrorTest, AFileRewrittenWhileUploadingIsUploadedAgainAndNeverTorn) {
  Start();
  const std::string v1 = RandomBytes(1 << 20, 1);
  const std::string v2 = RandomBytes(1 << 20, 2);
  gated_.HoldPuts();
  Write("model.pt", v1);
  ASSERT_TRUE(gated_.AwaitHeldPuts(1));  // the upload of v1 has started
  Advance(300);
  WriteFile(local_.Path("model.pt"), v2);  // rewritten in place meanwhile
  fake_.PushClosed("model.pt");
  gated_.ReleasePuts();
  ASSERT_TRUE(WaitUntil([&] { return Mirrored("model.pt", v2) && mirror_->SyncStatus().backlog_files == 0; }));
  std::vector<std::string> puts = gated_.PutContents("model.pt");
  ASSERT_EQ(puts.size(), 2u);
  EXPECT_TRUE(puts[0] == v1) << "the first upload sent its snapshot, not the rewritten file";
  EXPECT_TRUE(puts[1] == v2);
  ASSERT_TRUE(WaitUntil([&] { return Durable().size() == 2; }));
  EXPECT_EQ(Durable()[0].lag_ms, 300) << "from the close event to durable";
}

TEST_F(CheckpointMirrorTest, SeveralUploadsRunAtOnce) {
  Start();
  gated_.HoldPuts();
  for (int i = 0; i < 6; ++i) Write("shard-" + std::to_string(i), "x");
  EXPECT_TRUE(gated_.AwaitHeldPuts(4));
  EXPECT_EQ(gated_.MaxHeldPuts(), 4) << "workers = 4";
  CheckpointSyncStatus status = mirror_->SyncStatus();
  EXPECT_EQ(status.backlog_files, 6);
  EXPECT_EQ(status.backlog_bytes, 6);
  gated_.ReleasePuts();
  EXPECT_TRUE(WaitBacklog(0));
}

TEST_F(CheckpointMirrorTest, AContentListedByAPointIsCopiedToHistoryBeforeItIsOverwrittenOrDeleted) {
  Start();
  Write("model.pt", "version 1");
  Write("old.pt", "old");
  ASSERT_TRUE(WaitMirrored({{"model.pt", "version 1"}, {"old.pt", "old"}}));
  ASSERT_TRUE(WaitForPoints(1));
  Write("model.pt", "version 2");
  Remove("old.pt");
  ASSERT_TRUE(WaitUntil([&] { return Mirrored("model.pt", "version 2") && !HasObject("old.pt"); }));
  EXPECT_EQ(Object(HistoryKey(Sha256Hex("version 1"))), "version 1");
  EXPECT_EQ(Object(HistoryKey(Sha256Hex("old"))), "old");
  std::vector<std::string> calls = gated_.Calls();
  auto position = [&](const std::string& call) { return std::find(calls.begin(), calls.end(), call) - calls.begin(); };
  const std::string copy = "copy model.pt " + HistoryKey(Sha256Hex("version 1"));
  ASSERT_LT(position(copy), static_cast<long>(calls.size()));
  EXPECT_LT(position(copy), std::find(calls.rbegin(), calls.rend(), "put model.pt").base() - calls.begin() - 1);
  EXPECT_LT(position("copy old.pt " + HistoryKey(Sha256Hex("old"))), position("delete old.pt"));
  ExpectEveryPointRestorable(root_.path());
}

TEST_F(CheckpointMirrorTest, AContentInNoPointIsOverwrittenWithoutACopy) {
  Start();
  Write("model.pt", "draft 1");
  ASSERT_TRUE(WaitMirrored({{"model.pt", "draft 1"}}));
  Write("model.pt", "draft 2");  // no point was written in between
  ASSERT_TRUE(WaitUntil([&] { return Mirrored("model.pt", "draft 2"); }));
  EXPECT_EQ(faulty_.CallCount(ObjectStoreOp::kCopy), 0);
}

TEST_F(CheckpointMirrorTest, ASyncPointIsWrittenAfterTheQuietPeriodWithTheMirroredFiles) {
  Start();
  Write("model.pt", "weights");
  Write("step-3/opt.pt", "optimizer");
  ASSERT_TRUE(WaitMirrored({{"model.pt", "weights"}, {"step-3/opt.pt", "optimizer"}}));
  const EpochMs written_at = clock_.NowMs() + 1'000;
  ASSERT_TRUE(WaitForPoints(1));
  std::vector<SyncPoint> points = PointsUnder(root_.path());
  ASSERT_EQ(points.size(), 1u);
  const SyncPoint& point = points[0];
  EXPECT_EQ(point.id, SyncPointId(written_at, "algo-1"));
  EXPECT_EQ(point.host, "algo-1");
  EXPECT_EQ(point.job_name, "job-1");
  EXPECT_EQ(point.files, (std::vector<ManifestFile>{{"model.pt", 7, Sha256Hex("weights")},
                                                    {"step-3/opt.pt", 9, Sha256Hex("optimizer")}}));
  ASSERT_TRUE(WaitUntil([&] { return mirror_->SyncStatus().last_point_id == point.id; }));
}

TEST_F(CheckpointMirrorTest, NoPointIsWrittenWhenNothingChanged) {
  Start();
  Write("model.pt", "weights");
  ASSERT_TRUE(WaitMirrored({{"model.pt", "weights"}}));
  ASSERT_TRUE(WaitForPoints(1));
  Write("model.pt", "weights");  // closed again, same content
  for (int i = 0; i < 5; ++i) Advance(5'000);  // quiet periods and rescans pass
  ASSERT_TRUE(FlushNow().ok());
  EXPECT_EQ(PointsUnder(root_.path()).size(), 1u);
  EXPECT_EQ(gated_.PutContents("model.pt").size(), 1u);
}

TEST_F(CheckpointMirrorTest, PointsAfterEachChangeHaveIncreasingIdsAndTheGarbageCollectorRuns) {
  std::atomic<int> collections{0};
  CheckpointMirrorOptions options = Options();
  options.collect_garbage = [&](EpochMs) {
    ++collections;
    return Ok();
  };
  Start(options);
  for (int i = 0; i < 3; ++i) {
    Write("model.pt", "v" + std::to_string(i));
    ASSERT_TRUE(WaitMirrored({{"model.pt", "v" + std::to_string(i)}}));
    ASSERT_TRUE(WaitForPoints(i + 1));
  }
  std::vector<SyncPoint> points = PointsUnder(root_.path());
  ASSERT_EQ(points.size(), 3u);
  EXPECT_LT(points[0].id, points[1].id);
  EXPECT_LT(points[1].id, points[2].id);
  ASSERT_TRUE(WaitUntil([&] { return collections.load() == 3; }));
  ExpectEveryPointRestorable(root_.path());
}

TEST_F(CheckpointMirrorTest, AFailingGarbageCollectorIsReportedAndThePointStays) {
  CheckpointMirrorOptions options = Options();
  options.collect_garbage = [](EpochMs) { return Status(MakeError(ErrorCode::kUnavailable, "gc down")); };
  Start(options);
  Write("model.pt", "weights");
  ASSERT_TRUE(WaitMirrored({{"model.pt", "weights"}}));
  ASSERT_TRUE(WaitForPoints(1));
  ASSERT_TRUE(WaitUntil([&] { return !mirror_->SyncStatus().last_error.empty(); }));
  EXPECT_NE(mirror_->SyncStatus().last_error.find("gc down"), std::string::npos);
  EXPECT_FALSE(mirror_->SyncStatus().last_point_id.empty());
}

TEST_F(CheckpointMirrorTest, WhileTheStoreIsDownTheBacklogGrowsAndEverythingIsWrittenWhenItReturns) {
  Start();
  faulty_.FailEveryCall(ObjectStoreOp::kPut);
  std::map<std::string, std::string> written;
  for (int i = 0; i < 5; ++i) {
    const std::string path = "ckpt-" + std::to_string(i) + ".pt";
    written[path] = RandomBytes(1000 + i, i);
    Write(path, written[path]);  // returns at once: nothing waits on the store
  }
  ASSERT_TRUE(WaitUntil([&] { return mirror_->SyncStatus().retries >= 1; }));
  for (int i = 0; i < 4; ++i) Advance(1'500);  // retries back off; the store stays down
  CheckpointSyncStatus down = mirror_->SyncStatus();
  EXPECT_EQ(down.backlog_files, 5);
  EXPECT_EQ(down.backlog_bytes, 1000 + 1001 + 1002 + 1003 + 1004);
  EXPECT_GE(down.lag_ms, 6'000);
  EXPECT_NE(down.last_error.find("injected fault"), std::string::npos);
  EXPECT_GT(down.last_error_ms, 0);
  EXPECT_TRUE(PointsUnder(root_.path()).empty());

  faulty_.ClearFaults();
  ASSERT_TRUE(WaitAdvancingClock(
      [&] { return FilesUnder(root_.path()) == written && mirror_->SyncStatus().backlog_files == 0; }));
  ASSERT_TRUE(WaitForPoints(1));
  std::vector<SyncPoint> points = PointsUnder(root_.path());
  ASSERT_EQ(points.size(), 1u);
  EXPECT_EQ(points[0].files.size(), 5u);
  EXPECT_EQ(mirror_->SyncStatus().lag_ms, 0);
  ExpectEveryPointRestorable(root_.path());
}

TEST_F(CheckpointMirrorTest, AFailedManifestWriteIsRetriedWithTheSameId) {
  Start();
  Write("model.pt", "weights");
  ASSERT_TRUE(WaitMirrored({{"model.pt", "weights"}}));
  faulty_.FailNthCall(ObjectStoreOp::kPut, 1);  // the manifest's put
  Advance(1'000);
  ASSERT_TRUE(WaitUntil([&] { return mirror_->SyncStatus().retries == 1; }));
  Advance(2'000);
  ASSERT_TRUE(WaitUntil([&] { return PointsUnder(root_.path()).size() == 1; }));
  EXPECT_EQ(PointsUnder(root_.path())[0].id, SyncPointId(clock_.NowMs() - 2'000, "algo-1"));
}

TEST_F(CheckpointMirrorTest, AnUploadWhoseAnswerWasLostIsRetriedAndHistoryStaysRight) {
  Start();
  Write("model.pt", "version 1");
  ASSERT_TRUE(WaitMirrored({{"model.pt", "version 1"}}));
  ASSERT_TRUE(WaitForPoints(1));
  faulty_.AddFault({ObjectStoreOp::kPut, 1, ErrorCode::kUnavailable, /*after_inner_call=*/true});
  Write("model.pt", "version 2");  // stored, but the mirror hears it failed
  ASSERT_TRUE(WaitUntil([&] { return mirror_->SyncStatus().retries == 1; }));
  Write("model.pt", "version 3");
  Advance(2'000);
  ASSERT_TRUE(WaitUntil([&] { return Mirrored("model.pt", "version 3") && mirror_->SyncStatus().backlog_files == 0; }));
  ASSERT_TRUE(FlushNow().ok());
  EXPECT_EQ(Object(HistoryKey(Sha256Hex("version 1"))), "version 1");
  EXPECT_FALSE(HasObject(HistoryKey(Sha256Hex("version 2")))) << "never copied under a wrong name";
  ExpectEveryPointRestorable(root_.path());
}

TEST_F(CheckpointMirrorTest, FlushWithTheStoreDownFailsByItsDeadline) {
  Start();
  faulty_.FailEveryCall(ObjectStoreOp::kPut);
  Write("model.pt", "weights");
  ASSERT_TRUE(WaitUntil([&] { return mirror_->SyncStatus().retries >= 1; }));
  const int64_t deadline = clock_.MonotonicMs() + 5'000;
  auto flushed = std::async(std::launch::async, [&] { return mirror_->Flush(deadline); });
  for (int i = 0; i < 5 && flushed.wait_for(std::chrono::seconds(0)) != std::future_status::ready; ++i) {
    Advance(1'000);
  }
  ASSERT_EQ(flushed.wait_for(kTestDeadline), std::future_status::ready);
  Status status = flushed.get();
  ASSERT_FALSE(status.ok());
  EXPECT_GE(clock_.MonotonicMs(), deadline);
  EXPECT_EQ(status.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(status.error().message.find("1 files"), std::string::npos) << status.error().message;
  EXPECT_NE(status.error().message.find("injected fault"), std::string::npos) << status.error().message;
}

TEST_F(CheckpointMirrorTest, FlushWritesWhatNoEventReportedAndAFinalPoint) {
  Start();
  Write("reported.pt", "r");
  WriteFile(local_.Path("missed/unreported.pt"), "u");  // no event: only the final rescan sees it
  ASSERT_TRUE(FlushNow().ok());
  EXPECT_EQ(FilesUnder(root_.path()), (std::map<std::string, std::string>{{"missed/unreported.pt", "u"},
                                                                         {"reported.pt", "r"}}));
  std::vector<SyncPoint> points = PointsUnder(root_.path());
  ASSERT_EQ(points.size(), 1u);
  EXPECT_EQ(points[0].files.size(), 2u);
  EXPECT_EQ(mirror_->SyncStatus().last_point_id, points[0].id);
  ASSERT_TRUE(FlushNow().ok());
  EXPECT_EQ(PointsUnder(root_.path()).size(), 1u) << "nothing changed since";
}

TEST_F(CheckpointMirrorTest, ARescanFindsMissedChangesOnceTheyHaveSettled) {
  Start();
  WriteFile(local_.Path("quiet.pt"), "q");  // no event
  Advance(10'000);                           // the periodic rescan sees it
  ASSERT_TRUE(WaitBacklog(1));
  Advance(1'999);
  ASSERT_TRUE(WaitUntil([&] { return mirror_->SyncStatus().lag_ms == 1'999; }));
  EXPECT_FALSE(HasObject("quiet.pt")) << "not settled yet";
  Advance(1);                                // stable for the settle period
  ASSERT_TRUE(WaitMirrored({{"quiet.pt", "q"}}));
}

TEST_F(CheckpointMirrorTest, AnOverflowTriggersARescan) {
  Start();
  WriteFile(local_.Path("lost.pt"), "l");
  fake_.PushOverflow();
  ASSERT_TRUE(WaitBacklog(1));
  Advance(2'000);
  ASSERT_TRUE(WaitMirrored({{"lost.pt", "l"}}));
}

TEST_F(CheckpointMirrorTest, RestoredFilesAreNotUploadedAgainUnlessTheyChange) {
  // As after a restore: the store and the directory hold the same files.
  std::map<std::string, std::string> restored = {{"model.pt", "weights"}, {"step-1/opt.pt", "opt"}};
  std::vector<KnownFile> known;
  for (const auto& [path, content] : restored) {
    WriteFile(local_.Path(path), content);
    WriteFile(local_.Path("../put-" + std::to_string(getpid())), content);
    ASSERT_TRUE(file_store_.PutFile(path, local_.Path("../put-" + std::to_string(getpid()))).ok());
    known.push_back(Known(path, content));
  }
  unlink(local_.Path("../put-" + std::to_string(getpid())).c_str());
  Start(Options(), known);
  ASSERT_TRUE(FlushNow().ok());
  EXPECT_EQ(faulty_.CallCount(ObjectStoreOp::kPut), 0);
  EXPECT_TRUE(PointsUnder(root_.path()).empty()) << "the restored state is the baseline";
  EXPECT_EQ(mirror_->SyncStatus().files_mirrored, 2);

  Write("model.pt", "better weights");
  ASSERT_TRUE(FlushNow().ok());
  EXPECT_EQ(gated_.Calls().size(), 4u) << "head + copy of the restored content, put, manifest";
  EXPECT_EQ(Object(HistoryKey(Sha256Hex("weights"))), "weights") << "the restored point stays restorable";
  ASSERT_EQ(PointsUnder(root_.path()).size(), 1u);
  ExpectEveryPointRestorable(root_.path());
}

TEST_F(CheckpointMirrorTest, ControlFilesTempFilesAndSymlinksAreNeverMirrored) {
  Start();
  Write(".trainyard/local-state", "x");
  Write(".ty-partial-0123", "x");
  Write("sub/.ty-partial-4567", "x");
  WriteFile(local_.Path("real.pt"), "r");
  ASSERT_EQ(symlink(local_.Path("real.pt").c_str(), local_.Path("link.pt").c_str()), 0);
  fake_.PushClosed("link.pt");  // as a symlink renamed into place is reported
  ASSERT_EQ(symlink("/etc", local_.Path("etc").c_str()), 0);
  Write("after.pt", "a");
  ASSERT_TRUE(FlushNow().ok());
  EXPECT_EQ(FilesUnder(root_.path()), (std::map<std::string, std::string>{{"after.pt", "a"}, {"real.pt", "r"}}));
}

TEST_F(CheckpointMirrorTest, AFileReplacedByASymlinkIsDeletedFromTheStore) {
  Start();
  Write("model.pt", "weights");
  ASSERT_TRUE(WaitUntil([&] { return HasObject("model.pt"); }));
  ASSERT_EQ(unlink(local_.Path("model.pt").c_str()), 0);
  ASSERT_EQ(symlink("/etc/hostname", local_.Path("model.pt").c_str()), 0);
  fake_.PushClosed("model.pt");
  ASSERT_TRUE(WaitUntil([&] { return !HasObject("model.pt"); }));
}

TEST_F(CheckpointMirrorTest, StopIsPromptEvenWithWorkOwed) {
  Start();
  faulty_.FailEveryCall(ObjectStoreOp::kPut);
  Write("model.pt", "weights");
  ASSERT_TRUE(WaitUntil([&] { return mirror_->SyncStatus().retries >= 1; }));
  auto stopped = std::async(std::launch::async, [&] { mirror_->Stop(); });
  ASSERT_EQ(stopped.wait_for(kTestDeadline), std::future_status::ready);
  EXPECT_EQ(mirror_->Flush(clock_.MonotonicMs() + 1'000).error().code, ErrorCode::kFailedPrecondition);
}

TEST_F(CheckpointMirrorTest, BadOptionsAreRefused) {
  CheckpointMirrorOptions options = Options();
  options.workers = 0;
  CheckpointMirror zero_workers(gated_, watcher_, clock_, options);
  EXPECT_EQ(zero_workers.Start().error().code, ErrorCode::kInvalidArgument);
  options = Options();
  options.host = "a/b";
  CheckpointMirror bad_host(gated_, watcher_, clock_, options);
  EXPECT_EQ(bad_host.Start().error().code, ErrorCode::kInvalidArgument);
  options = Options();
  options.staging_dir = local_.Path("staging");  // would be mirrored
  CheckpointMirror bad_staging(gated_, watcher_, clock_, options);
  EXPECT_EQ(bad_staging.Start().error().code, ErrorCode::kInvalidArgument);
  options = Options();
  options.local_dir = local_.Path("missing");
  CheckpointMirror missing(gated_, watcher_, clock_, options);
  EXPECT_EQ(missing.Start().error().code, ErrorCode::kNotFound);
}

// A long, seeded mix of writes, rewrites, renames and deletions, with puts,
// copies and deletes failing now and then (some after the store acted):
// every manifest written stays restorable, and the final flush leaves the
// store mirroring the directory exactly.
TEST_F(CheckpointMirrorTest, UnderRandomChangesAndFaultsEveryPointStaysRestorable) {
  Start();
  std::mt19937 random(7);
  const std::vector<std::string> paths = {"model.pt", "opt.pt", "step/a.pt", "step/b.pt", "latest"};
  for (int step = 0; step < 120; ++step) {
    const std::string& path = paths[random() % paths.size()];
    switch (random() % 6) {
      case 0:
        if (std::filesystem::exists(local_.Path(path))) Remove(path);
        break;
      case 1: {
        WriteFile(local_.Path("incoming.tmp"), RandomBytes(100 + random() % 5000, random()));
        std::filesystem::create_directories(std::filesystem::path(local_.Path(path)).parent_path());
        std::filesystem::rename(local_.Path("incoming.tmp"), local_.Path(path));
        fake_.PushClosed(path);
        break;
      }
      default:
        Write(path, "content " + std::to_string(random() % 8));  // contents repeat on purpose
    }
    if (random() % 7 == 0) {
      ObjectStoreOp op = std::array{ObjectStoreOp::kPut, ObjectStoreOp::kCopy, ObjectStoreOp::kDelete}[random() % 3];
      faulty_.AddFault({op, 1, ErrorCode::kUnavailable, /*after_inner_call=*/random() % 2 == 0});
    }
    Advance(random() % 2 == 0 ? 300 : 1'200);
    if (step % 10 == 9) {
      ASSERT_TRUE(DrainAdvancingClock()) << "step " << step << ": " << Describe();
    }
  }
  faulty_.ClearFaults();
  auto flushed = std::async(std::launch::async, [&] { return FlushNow(); });
  ASSERT_TRUE(WaitAdvancingClock(
      [&] { return flushed.wait_for(std::chrono::seconds(0)) == std::future_status::ready; }));
  Status status = flushed.get();
  ASSERT_TRUE(status.ok()) << status.error().ToString();
  EXPECT_EQ(FilesUnder(root_.path()), FilesUnder(local_.path()));
  EXPECT_GE(PointsUnder(root_.path()).size(), 2u) << "points along the way, and the final one";
  ExpectEveryPointRestorable(root_.path());
}

}  // namespace
}  // namespace trainyard
