#include "checkpoint/mirror_ledger.h"

#include <gtest/gtest.h>

namespace trainyard {
namespace {

constexpr int64_t kT0 = 1'000'000;
constexpr EpochMs kWall = 1'764'279'000'000;

std::string Sha(char c) { return std::string(64, c); }

FileIdentity Identity(int64_t inode, int64_t size, int64_t mtime = 1) {
  return FileIdentity{1, static_cast<ino_t>(inode), size, mtime};
}

TaskOutcome Outcome(TaskOutcomeKind kind, LiveObject uploaded = {}) {
  TaskOutcome outcome;
  outcome.kind = kind;
  outcome.uploaded = std::move(uploaded);
  return outcome;
}

TaskOutcome Failure(ErrorCode code, bool live_uncertain = false) {
  TaskOutcome outcome = Outcome(TaskOutcomeKind::kFailed);
  outcome.error = MakeError(code, "boom");
  outcome.live_uncertain = live_uncertain;
  return outcome;
}

MirrorLedgerOptions Options() {
  MirrorLedgerOptions options;
  options.host = "algo-1";
  options.job_name = "job";
  options.settle_ms = 2'000;
  options.quiet_ms = 1'000;
  options.max_point_interval_ms = 60'000;
  options.backoff = BackoffOptions{std::chrono::milliseconds(100), std::chrono::milliseconds(1'000), 2.0, 0.0};
  options.protected_points = 2;
  return options;
}

// Starts the next task, which must be an upload or delete of `path`, and
// finishes it as durable with content `sha`.
void RunFileTask(MirrorLedger& ledger, int64_t now, const std::string& path, const std::string& sha = "",
                 int64_t size = 1) {
  std::optional<MirrorTask> task = ledger.StartNext(now, kWall, false);
  ASSERT_TRUE(task.has_value()) << path;
  ASSERT_EQ(task->path, path);
  ledger.Finish(*task, Outcome(TaskOutcomeKind::kDurable, {size, sha, Identity(7, size)}), now);
}

TEST(MirrorLedgerTest, CompletedFileUploadsAtOnceThenPointAfterQuietPeriod) {
  MirrorLedger ledger(Options(), kT0);
  ledger.FileCompleted("model.pt", 10, kT0);
  EXPECT_EQ(ledger.Backlog().files, 1);
  EXPECT_EQ(ledger.Backlog().bytes, 10);
  std::optional<MirrorTask> task = ledger.StartNext(kT0, kWall, false);
  ASSERT_TRUE(task);
  EXPECT_EQ(task->kind, MirrorTaskKind::kUpload);
  EXPECT_FALSE(task->live.has_value());
  MirrorLedger::Finished finished =
      ledger.Finish(*task, Outcome(TaskOutcomeKind::kDurable, {10, Sha('a'), Identity(1, 10)}), kT0 + 40);
  EXPECT_TRUE(finished.file_durable);
  EXPECT_EQ(finished.lag_ms, 40);
  EXPECT_EQ(ledger.Backlog().files, 0);
  EXPECT_EQ(ledger.FilesMirrored(), 1);

  EXPECT_FALSE(ledger.StartNext(kT0 + 999, kWall, false)) << "quiet period not over";
  EXPECT_EQ(ledger.NextDueMs(kT0 + 999, false), kT0 + 1'000);
  EXPECT_FALSE(ledger.Idle());
  std::optional<MirrorTask> point = ledger.StartNext(kT0 + 1'000, kWall, false);
  ASSERT_TRUE(point);
  ASSERT_EQ(point->kind, MirrorTaskKind::kWritePoint);
  EXPECT_EQ(point->point.id, SyncPointId(kWall, "algo-1"));
  EXPECT_EQ(point->point.job_name, "job");
  EXPECT_EQ(point->point.files, (std::vector<ManifestFile>{{"model.pt", 10, Sha('a')}}));
  EXPECT_TRUE(ledger.IsProtected(Sha('a')));
  EXPECT_FALSE(ledger.StartNext(kT0 + 5'000, kWall, false)) << "one point at a time";
  ledger.Finish(*point, Outcome(TaskOutcomeKind::kDurable), kT0 + 1'010);
  EXPECT_EQ(ledger.LastPointId(), point->point.id);
  EXPECT_TRUE(ledger.Idle());
  EXPECT_FALSE(ledger.StartNext(kT0 + 100'000, kWall, false)) << "nothing changed: no new point";
}

TEST(MirrorLedgerTest, ATempFileRenamedWithinTheCloseDelayIsNeverUploaded) {
  MirrorLedgerOptions options = Options();
  options.close_delay_ms = 100;
  MirrorLedger ledger(options, kT0);
  ledger.FileCompleted("ckpt.pt.tmp", 10, kT0);
  EXPECT_FALSE(ledger.StartNext(kT0 + 99, kWall, false)) << "still within the close delay";
  EXPECT_EQ(ledger.NextDueMs(kT0 + 50, false), kT0 + 100);
  ledger.FileRemoved("ckpt.pt.tmp", kT0 + 20);  // renamed into place
  ledger.FileCompleted("ckpt.pt", 10, kT0 + 20);
  std::optional<MirrorTask> task = ledger.StartNext(kT0 + 120, kWall, false);
  ASSERT_TRUE(task);
  EXPECT_EQ(task->path, "ckpt.pt");
  EXPECT_EQ(task->kind, MirrorTaskKind::kUpload);
  EXPECT_EQ(ledger.Backlog().files, 1) << "nothing is owed for the temp file";
}

TEST(MirrorLedgerTest, SeededFilesAreTheBaselineAndAreProtected) {
  MirrorLedger ledger(Options(), kT0);
  ledger.Seed({{{"a.pt", 5, Sha('a')}, Identity(1, 5)}});
  EXPECT_TRUE(ledger.Idle());
  EXPECT_TRUE(ledger.IsProtected(Sha('a')));
  ledger.ApplyScan({{"a.pt", Identity(1, 5)}}, kT0, false);
  EXPECT_TRUE(ledger.Idle()) << "same identity: nothing to upload";
  EXPECT_FALSE(ledger.StartNext(kT0 + 100'000, kWall, true));
  ledger.ApplyScan({{"a.pt", Identity(1, 6, 2)}}, kT0, false);
  EXPECT_EQ(ledger.Backlog().files, 1) << "changed since the restore";
}

TEST(MirrorLedgerTest, FoundFilesWaitUntilTheirIdentityIsStable) {
  MirrorLedger ledger(Options(), kT0);
  ledger.FileFound("f", Identity(1, 10), kT0, false);
  EXPECT_FALSE(ledger.StartNext(kT0, kWall, false));
  EXPECT_TRUE(ledger.SettleChecksDue(kT0 + 1'999).empty());
  EXPECT_EQ(ledger.NextDueMs(kT0, false), kT0 + 2'000);
  ASSERT_EQ(ledger.SettleChecksDue(kT0 + 2'000), std::vector<std::string>{"f"});
  ledger.FileFound("f", Identity(1, 20, 2), kT0 + 2'000, false);  // still growing
  EXPECT_FALSE(ledger.StartNext(kT0 + 2'000, kWall, false));
  ledger.FileFound("f", Identity(1, 20, 2), kT0 + 4'000, false);  // stable for the settle period
  std::optional<MirrorTask> task = ledger.StartNext(kT0 + 4'000, kWall, false);
  ASSERT_TRUE(task);
  EXPECT_EQ(task->path, "f");
}

TEST(MirrorLedgerTest, ACloseEventOrAFlushEndsSettling) {
  MirrorLedger ledger(Options(), kT0);
  ledger.FileFound("f", Identity(1, 10), kT0, false);
  ledger.FileFound("g", Identity(2, 10), kT0, false);
  ledger.FileCompleted("f", 10, kT0 + 1);
  ledger.FileFound("g", Identity(2, 10), kT0 + 2, /*immediate=*/true);
  std::optional<MirrorTask> first = ledger.StartNext(kT0 + 2, kWall, false);
  std::optional<MirrorTask> second = ledger.StartNext(kT0 + 2, kWall, false);
  ASSERT_TRUE(first && second);
  EXPECT_EQ(first->path, "f");
  EXPECT_EQ(second->path, "g");
}

TEST(MirrorLedgerTest, RemovalsDeleteOnlyWhatReachedTheStore) {
  MirrorLedger ledger(Options(), kT0);
  ledger.FileCompleted("never", 1, kT0);
  ledger.FileRemoved("never", kT0 + 1);
  EXPECT_EQ(ledger.Backlog().files, 0);
  EXPECT_FALSE(ledger.StartNext(kT0 + 1, kWall, false));

  ledger.FileCompleted("kept", 1, kT0);
  RunFileTask(ledger, kT0 + 2, "kept", Sha('k'));
  ledger.FileRemoved("kept", kT0 + 3);
  std::optional<MirrorTask> task = ledger.StartNext(kT0 + 3, kWall, false);
  ASSERT_TRUE(task);
  EXPECT_EQ(task->kind, MirrorTaskKind::kDelete);
  ASSERT_TRUE(task->live);
  EXPECT_EQ(task->live->sha256, Sha('k'));
  ledger.Finish(*task, Outcome(TaskOutcomeKind::kDurable), kT0 + 4);
  EXPECT_EQ(ledger.FilesMirrored(), 0);
}

TEST(MirrorLedgerTest, ARemovedDirectoryDeletesEverythingUnderIt) {
  MirrorLedger ledger(Options(), kT0);
  ledger.Seed({{{"step-1/a", 1, Sha('a')}, Identity(1, 1)},
               {{"step-1/b/c", 1, Sha('b')}, Identity(2, 1)},
               {{"step-10/a", 1, Sha('c')}, Identity(3, 1)}});
  ledger.TreeRemoved("step-1", kT0);
  std::set<std::string> deleted;
  while (std::optional<MirrorTask> task = ledger.StartNext(kT0, kWall, false)) {
    EXPECT_EQ(task->kind, MirrorTaskKind::kDelete);
    deleted.insert(task->path);
  }
  EXPECT_EQ(deleted, (std::set<std::string>{"step-1/a", "step-1/b/c"}));
}

TEST(MirrorLedgerTest, AChangeDuringAnOperationWaitsBehindItAndKeepsItsAge) {
  MirrorLedger ledger(Options(), kT0);
  ledger.FileCompleted("f", 1, kT0);
  std::optional<MirrorTask> first = ledger.StartNext(kT0, kWall, false);
  ASSERT_TRUE(first);
  ledger.FileCompleted("f", 2, kT0 + 10);  // rewritten while uploading
  EXPECT_FALSE(ledger.StartNext(kT0 + 10, kWall, false)) << "one operation per path";
  EXPECT_EQ(ledger.Backlog().files, 1);
  EXPECT_EQ(*ledger.Backlog().oldest_since_ms, kT0);
  ledger.Finish(*first, Outcome(TaskOutcomeKind::kDurable, {1, Sha('1'), Identity(1, 1)}), kT0 + 20);
  EXPECT_EQ(*ledger.Backlog().oldest_since_ms, kT0 + 10);
  std::optional<MirrorTask> second = ledger.StartNext(kT0 + 20, kWall, false);
  ASSERT_TRUE(second);
  EXPECT_EQ(second->live->sha256, Sha('1'));
  MirrorLedger::Finished finished =
      ledger.Finish(*second, Outcome(TaskOutcomeKind::kDurable, {2, Sha('2'), Identity(1, 2, 2)}), kT0 + 30);
  EXPECT_EQ(finished.lag_ms, 20);
}

TEST(MirrorLedgerTest, SnapshotOfAChangingFileIsRetriedAfterSettling) {
  MirrorLedger ledger(Options(), kT0);
  ledger.FileCompleted("f", 1, kT0);
  std::optional<MirrorTask> task = ledger.StartNext(kT0, kWall, false);
  ledger.Finish(*task, Outcome(TaskOutcomeKind::kSourceChanged), kT0 + 5);
  EXPECT_EQ(ledger.SettleChecksDue(kT0 + 5), std::vector<std::string>{"f"}) << "looks again at once";
  ledger.FileFound("f", Identity(1, 3), kT0 + 5, false);
  EXPECT_FALSE(ledger.StartNext(kT0 + 5, kWall, false));
  ledger.FileFound("f", Identity(1, 3), kT0 + 2'005, false);
  EXPECT_TRUE(ledger.StartNext(kT0 + 2'005, kWall, false));
}

TEST(MirrorLedgerTest, AVanishedSourceBecomesADeleteOnlyIfTheStoreHasIt) {
  MirrorLedger ledger(Options(), kT0);
  ledger.FileCompleted("new", 1, kT0);
  std::optional<MirrorTask> task = ledger.StartNext(kT0, kWall, false);
  ledger.Finish(*task, Outcome(TaskOutcomeKind::kSourceGone), kT0);
  EXPECT_EQ(ledger.Backlog().files, 0);
  ledger.Seed({{{"old", 1, Sha('o')}, Identity(1, 1)}});
  ledger.FileCompleted("old", 1, kT0);
  task = ledger.StartNext(kT0, kWall, false);
  ledger.Finish(*task, Outcome(TaskOutcomeKind::kSourceGone), kT0);
  task = ledger.StartNext(kT0, kWall, false);
  ASSERT_TRUE(task);
  EXPECT_EQ(task->kind, MirrorTaskKind::kDelete);
}

TEST(MirrorLedgerTest, StoreOutageBacksOffForAllAndProbesWithOneOperation) {
  MirrorLedger ledger(Options(), kT0);
  for (std::string path : {"a", "b", "c"}) ledger.FileCompleted(path, 1, kT0);
  std::optional<MirrorTask> a = ledger.StartNext(kT0, kWall, false);
  std::optional<MirrorTask> b = ledger.StartNext(kT0, kWall, false);
  ASSERT_TRUE(a && b);
  ledger.Finish(*a, Failure(ErrorCode::kUnavailable), kT0);
  EXPECT_FALSE(ledger.StartNext(kT0 + 99, kWall, false)) << "store-wide backoff (100 ms)";
  EXPECT_EQ(ledger.NextDueMs(kT0, false), kT0 + 100);
  EXPECT_FALSE(ledger.StartNext(kT0 + 100, kWall, false)) << "b still in flight: no second probe";
  ledger.Finish(*b, Failure(ErrorCode::kUnavailable), kT0 + 100);  // second failure: 200 ms
  EXPECT_FALSE(ledger.StartNext(kT0 + 299, kWall, false));
  std::optional<MirrorTask> probe = ledger.StartNext(kT0 + 300, kWall, false);
  ASSERT_TRUE(probe);
  EXPECT_FALSE(ledger.StartNext(kT0 + 300, kWall, false)) << "one probe at a time";
  EXPECT_EQ(ledger.Retries(), 2);
  EXPECT_EQ(ledger.Backlog().files, 3) << "nothing is dropped";
  ledger.Finish(*probe, Outcome(TaskOutcomeKind::kDurable, {1, Sha('a'), Identity(1, 1)}), kT0 + 300);
  EXPECT_TRUE(ledger.StartNext(kT0 + 300, kWall, false));
  EXPECT_TRUE(ledger.StartNext(kT0 + 300, kWall, false)) << "store back: all at once";
}

TEST(MirrorLedgerTest, BackoffIsCapped) {
  MirrorLedger ledger(Options(), kT0);
  ledger.FileCompleted("a", 1, kT0);
  int64_t now = kT0;
  for (int i = 0; i < 20; ++i) {
    std::optional<MirrorTask> task = ledger.StartNext(now, kWall, false);
    ASSERT_TRUE(task) << i;
    ledger.Finish(*task, Failure(ErrorCode::kUnavailable), now);
    int64_t next = ledger.NextDueMs(now, false);
    EXPECT_LE(next - now, 1'000);
    now = next;
  }
}

TEST(MirrorLedgerTest, APathRefusedByTheStoreBacksOffAloneAndOthersContinue) {
  MirrorLedger ledger(Options(), kT0);
  ledger.FileCompleted("bad", 1, kT0);
  ledger.FileCompleted("good", 1, kT0 + 1);
  std::optional<MirrorTask> bad = ledger.StartNext(kT0 + 1, kWall, false);
  ASSERT_EQ(bad->path, "bad");
  ledger.Finish(*bad, Failure(ErrorCode::kFailedPrecondition), kT0 + 1);
  std::optional<MirrorTask> good = ledger.StartNext(kT0 + 1, kWall, false);
  ASSERT_TRUE(good);
  EXPECT_EQ(good->path, "good");
  EXPECT_FALSE(ledger.StartNext(kT0 + 1, kWall, false));
  EXPECT_TRUE(ledger.StartNext(kT0 + 101, kWall, false));
}

TEST(MirrorLedgerTest, AFailedWriteLeavesTheLiveContentUnknown) {
  MirrorLedger ledger(Options(), kT0);
  ledger.Seed({{{"f", 1, Sha('a')}, Identity(1, 1)}});
  ledger.FileCompleted("f", 2, kT0);
  std::optional<MirrorTask> task = ledger.StartNext(kT0, kWall, false);
  ledger.Finish(*task, Failure(ErrorCode::kUnavailable, /*live_uncertain=*/true), kT0);
  EXPECT_EQ(ledger.FilesMirrored(), 0);
  ledger.FileRemoved("f", kT0 + 1);
  task = ledger.StartNext(kT0 + 1'000, kWall, false);
  ASSERT_TRUE(task);
  EXPECT_EQ(task->kind, MirrorTaskKind::kDelete);
  EXPECT_TRUE(task->live->sha256.empty()) << "unknown content is never copied to history";
}

TEST(MirrorLedgerTest, OnlyTheNewestPointsProtectTheirContents) {
  MirrorLedger ledger(Options(), kT0);  // protected_points = 2
  int64_t now = kT0;
  for (char c : {'a', 'b', 'c'}) {
    ledger.FileCompleted("f", 1, now);
    RunFileTask(ledger, now, "f", Sha(c));
    now += 1'000;
    std::optional<MirrorTask> point = ledger.StartNext(now, kWall, false);
    ASSERT_TRUE(point);
    ledger.Finish(*point, Outcome(TaskOutcomeKind::kDurable), now);
  }
  EXPECT_FALSE(ledger.IsProtected(Sha('a')));
  EXPECT_TRUE(ledger.IsProtected(Sha('b')));
  EXPECT_TRUE(ledger.IsProtected(Sha('c')));
}

TEST(MirrorLedgerTest, PointIdsIncreaseWithinOneMillisecondAndAFailedPointIsRetriedAsItWas) {
  MirrorLedger ledger(Options(), kT0);
  ledger.FileCompleted("f", 1, kT0);
  RunFileTask(ledger, kT0, "f", Sha('a'));
  std::optional<MirrorTask> first = ledger.StartNext(kT0, kWall, /*flushing=*/true);
  ASSERT_TRUE(first);
  ledger.Finish(*first, Failure(ErrorCode::kUnavailable), kT0);
  ledger.FileCompleted("f", 1, kT0);
  EXPECT_FALSE(ledger.StartNext(kT0 + 50, kWall, true)) << "backing off";
  RunFileTask(ledger, kT0 + 100, "f", Sha('b'));
  std::optional<MirrorTask> retry = ledger.StartNext(kT0 + 100, kWall, true);
  ASSERT_TRUE(retry);
  EXPECT_EQ(retry->point, first->point);
  ledger.Finish(*retry, Outcome(TaskOutcomeKind::kDurable), kT0 + 100);
  std::optional<MirrorTask> second = ledger.StartNext(kT0 + 100, kWall, true);
  ASSERT_TRUE(second);
  EXPECT_EQ(second->point.id, SyncPointId(kWall + 1, "algo-1"));
  EXPECT_EQ(second->point.files[0].sha256, Sha('b'));
}

TEST(MirrorLedgerTest, ChangesThatNeverStopStillGetAPointAtTheMaximumInterval) {
  MirrorLedger ledger(Options(), kT0);
  int64_t now = kT0;
  int points = 0;
  for (int i = 0; i < 130; ++i) {  // a new file every 500 ms for 65 s
    ledger.FileCompleted("f" + std::to_string(i), 1, now);
    RunFileTask(ledger, now, "f" + std::to_string(i), Sha('a'));
    now += 500;
    if (std::optional<MirrorTask> point = ledger.StartNext(now, kWall + now, false)) {
      ASSERT_EQ(point->kind, MirrorTaskKind::kWritePoint);
      ledger.Finish(*point, Outcome(TaskOutcomeKind::kDurable), now);
      ++points;
    }
  }
  EXPECT_EQ(points, 1);
}

TEST(MirrorLedgerTest, ScansFindMissedChangesAndRemovals) {
  MirrorLedger ledger(Options(), kT0);
  ledger.Seed({{{"same", 1, Sha('s')}, Identity(1, 1)}, {{"gone", 1, Sha('g')}, Identity(2, 1)}});
  ledger.ApplyScan({{"same", Identity(1, 1)}, {"new", Identity(3, 4)}}, kT0, /*immediate=*/true);
  std::map<std::string, MirrorTaskKind> started;
  while (std::optional<MirrorTask> task = ledger.StartNext(kT0, kWall, false)) started[task->path] = task->kind;
  EXPECT_EQ(started, (std::map<std::string, MirrorTaskKind>{{"gone", MirrorTaskKind::kDelete},
                                                            {"new", MirrorTaskKind::kUpload}}));
}

}  // namespace
}  // namespace trainyard
