#include "checkpoint/checkpoint_retention.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "checkpoint/checkpoint_restore.h"
#include "checkpoint/checkpoint_test_util.h"
#include "storage/fault_injecting_object_store.h"
#include "storage/file_object_store.h"

namespace trainyard {
namespace {

using checkpoint_testing::MakePoint;
using checkpoint_testing::ReadFile;
using checkpoint_testing::SimulatedMirror;
using checkpoint_testing::TempDir;
using std::chrono::minutes;

const FakeClock kClock;  // only read: tests pass its time as `now_ms`
const EpochMs kNow = kClock.NowMs();
const EpochMs kOld = kNow - minutes(11) / std::chrono::milliseconds(1);
const EpochMs kYoung = kNow - minutes(1) / std::chrono::milliseconds(1);

ObjectInfo History(const std::string& content, EpochMs mtime_ms) {
  return {HistoryKey(Sha256Hex(content)), 10, mtime_ms};
}

std::string Manifest(EpochMs time_ms, const std::string& host) { return ManifestKey(SyncPointId(time_ms, host)); }

UnreadableManifest Unreadable(EpochMs time_ms, const std::string& host) {
  return {SyncPointId(time_ms, host), "corrupt"};
}

struct PlanCase {
  std::string name;
  SyncPointListing listing;
  std::vector<ObjectInfo> history;
  int keep_last = 2;
  GarbagePlan expected;
};

TEST(CheckpointRetentionTest, PlanTable) {
  const SyncPoint a1 = MakePoint(1000, "algo-1", {{"m", "m1"}, {"c", "c"}});
  const SyncPoint a2 = MakePoint(2000, "algo-1", {{"m", "m2"}, {"c", "c"}});
  const SyncPoint a3 = MakePoint(3000, "algo-1", {{"m", "m3"}, {"c", "c"}});
  const SyncPoint b1 = MakePoint(500, "algo-2", {{"n", "m1"}});
  const std::vector<ObjectInfo> all_old = {History("m1", kOld), History("m2", kOld), History("m3", kOld),
                                           History("c", kOld)};
  const std::string held_back = "the unreadable manifest of point " + SyncPointId(4000, "algo-1") + " is kept";
  const std::vector<PlanCase> cases = {
      {"fewer points than kept: no manifest goes, orphaned history does", {{a2, a3}, {}}, all_old, 2,
       {{}, {HistoryKey(Sha256Hex("m1"))}, ""}},
      {"one writer keeps its newest points", {{a1, a2, a3}, {}}, all_old, 2,
       {{Manifest(1000, "algo-1")}, {HistoryKey(Sha256Hex("m1"))}, ""}},
      {"history younger than the grace period stays", {{a1, a2, a3}, {}},
       {History("m1", kYoung), History("m2", kOld)}, 2, {{Manifest(1000, "algo-1")}, {}, ""}},
      {"history exactly as old as the grace period stays", {{a1, a2, a3}, {}},
       {History("m1", kNow - 600'000), History("m2", kOld)}, 2, {{Manifest(1000, "algo-1")}, {}, ""}},
      {"history just older than the grace period goes", {{a1, a2, a3}, {}},
       {History("m1", kNow - 600'001)}, 2, {{Manifest(1000, "algo-1")}, {HistoryKey(Sha256Hex("m1"))}, ""}},
      {"keep_last below 1 keeps the newest point", {{a1, a2, a3}, {}}, all_old, 0,
       {{Manifest(1000, "algo-1"), Manifest(2000, "algo-1")},
        {HistoryKey(Sha256Hex("m1")), HistoryKey(Sha256Hex("m2"))}, ""}},
      {"each writer keeps its own newest, however old", {{b1, a1, a2, a3}, {}}, all_old, 1,
       {{Manifest(1000, "algo-1"), Manifest(2000, "algo-1")}, {HistoryKey(Sha256Hex("m2"))}, ""}},
      {"keys under history that are not a checksum are left alone", {{a3}, {}},
       {{std::string(kHistoryPrefix) + "notes.txt", 1, kOld}, {HistoryKey(Sha256Hex("m1")) + "/x", 1, kOld}}, 2,
       {}},
      {"an unreadable manifest newer than the kept ones holds history back",
       {{a1, a2, a3}, {Unreadable(4000, "algo-1")}}, all_old, 1,
       {{Manifest(1000, "algo-1"), Manifest(2000, "algo-1")}, {}, held_back}},
      {"an unreadable manifest older than the kept ones goes", {{a1, a2, a3}, {Unreadable(1500, "algo-1")}},
       all_old, 2, {{Manifest(1000, "algo-1"), Manifest(1500, "algo-1")}, {HistoryKey(Sha256Hex("m1"))}, ""}},
      {"a writer with only unreadable manifests keeps them and holds history back",
       {{a1, a2, a3}, {Unreadable(4000, "algo-1"), Unreadable(100, "algo-3")}}, all_old, 3,
       {{}, {}, held_back}},
  };
  for (const PlanCase& c : cases) {
    SCOPED_TRACE(c.name);
    RetentionOptions options;
    options.keep_last = c.keep_last;
    GarbagePlan plan = PlanCheckpointGarbage(c.listing, c.history, options, kNow);
    EXPECT_EQ(plan.manifest_keys, c.expected.manifest_keys);
    std::vector<std::string> expected_history = c.expected.history_keys;
    std::sort(expected_history.begin(), expected_history.end());
    EXPECT_EQ(plan.history_keys, expected_history);
    EXPECT_EQ(plan.history_held_back, c.expected.history_held_back);
  }
}

// A URI with five points of one writer: "model" changes each time, "config"
// never; history holds model versions 1-4. Every history object is made
// `age_ms` old.
class CheckpointRetentionIoTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (int i = 1; i <= 5; ++i) {
      points_.push_back(mirror_.Sync(1000 * i, {{"model", "model-v" + std::to_string(i)}, {"config", "c"}}));
    }
    AgeHistory(kOld);
  }
  void AgeHistory(EpochMs mtime_ms) {
    Result<std::vector<ObjectInfo>> history = store_.List(kHistoryPrefix);
    ASSERT_TRUE(history.ok());
    ASSERT_EQ(history->size(), 4u);
    for (const ObjectInfo& object : *history) {
      struct timespec times[2];
      times[0].tv_sec = times[1].tv_sec = mtime_ms / 1000;
      times[0].tv_nsec = times[1].tv_nsec = (mtime_ms % 1000) * 1'000'000;
      ASSERT_EQ(utimensat(AT_FDCWD, root_.Path(object.key).c_str(), times, AT_SYMLINK_NOFOLLOW), 0);
    }
  }
  // Each remaining point restores to exactly what it listed.
  void ExpectEveryPointRestorable() {
    Result<SyncPointListing> listing = ListSyncPoints(store_);
    ASSERT_TRUE(listing.ok());
    for (const SyncPoint& point : listing->points) {
      TempDir local;
      RestoreOptions options;
      options.at = PointSelector::AtPoint(point.id);
      Result<RestoreSummary> summary = RestoreCheckpoint(store_, local.path(), options);
      ASSERT_TRUE(summary.ok()) << summary.error().ToString();
      EXPECT_TRUE(summary->skipped_points.empty()) << point.id;
      EXPECT_EQ(summary->point_ids, std::vector<std::string>{point.id});
    }
  }
  // Collection fails at the nth delete (of 3 manifests, then 3 history
  // objects); then a clean run finishes the job.
  void FailThenRerun(int failing_delete) {
    FaultInjectingObjectStore store(store_);
    store.FailNthCall(ObjectStoreOp::kDelete, failing_delete);
    Result<GarbageReport> failed = CollectCheckpointGarbage(store, options_, kNow);
    ASSERT_FALSE(failed.ok());
    EXPECT_EQ(failed.error().code, ErrorCode::kUnavailable);
    EXPECT_EQ(failed.error().message.find("collecting checkpoint garbage in " + store_.Uri()), 0u);
    ExpectEveryPointRestorable();
    Result<GarbageReport> rerun = CollectCheckpointGarbage(store_, options_, kNow);
    ASSERT_TRUE(rerun.ok()) << rerun.error().ToString();
    EXPECT_EQ(rerun->points_deleted + rerun->history_deleted, 6 - (failing_delete - 1));
    EXPECT_EQ(PointIds(), (std::vector<std::string>{points_[3].id, points_[4].id}));
    EXPECT_EQ(store_.List(kHistoryPrefix)->size(), 1u);
    ExpectEveryPointRestorable();
  }
  std::vector<std::string> PointIds() {
    Result<SyncPointListing> listing = ListSyncPoints(store_);
    EXPECT_TRUE(listing.ok());
    std::vector<std::string> ids;
    if (!listing.ok()) return ids;
    for (const SyncPoint& point : listing->points) ids.push_back(point.id);
    return ids;
  }
  std::vector<ObjectInfo> LiveObjects() {
    std::vector<ObjectInfo> live = *store_.List("");
    std::erase_if(live, [](const ObjectInfo& o) { return IsCheckpointControlKey(o.key); });
    return live;
  }

  TempDir root_;
  FileObjectStore store_{root_.path()};
  SimulatedMirror mirror_{store_, "algo-1"};
  std::vector<SyncPoint> points_;
  RetentionOptions options_{.keep_last = 2};
};

TEST_F(CheckpointRetentionIoTest, DeletesOldPointsAndTheirHistoryOnceAndKeepsTheRestRestorable) {
  const std::vector<ObjectInfo> live = LiveObjects();
  Result<GarbageReport> report = CollectCheckpointGarbage(store_, options_, kNow);
  ASSERT_TRUE(report.ok()) << report.error().ToString();
  EXPECT_EQ(report->points_deleted, 3);
  EXPECT_EQ(report->history_deleted, 3);  // model v1-v3; v4 is listed by point 4
  EXPECT_EQ(PointIds(), (std::vector<std::string>{points_[3].id, points_[4].id}));
  EXPECT_EQ(store_.List(kHistoryPrefix)->size(), 1u);
  EXPECT_EQ(LiveObjects(), live);
  ExpectEveryPointRestorable();

  Result<GarbageReport> again = CollectCheckpointGarbage(store_, options_, kNow);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->points_deleted, 0);
  EXPECT_EQ(again->history_deleted, 0);
}

TEST_F(CheckpointRetentionIoTest, YoungHistoryWaitsForALaterRun) {
  AgeHistory(kYoung);
  Result<GarbageReport> report = CollectCheckpointGarbage(store_, options_, kNow);
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->points_deleted, 3);
  EXPECT_EQ(report->history_deleted, 0);
  Result<GarbageReport> later = CollectCheckpointGarbage(store_, options_, kNow + 10 * 60'000);
  ASSERT_TRUE(later.ok());
  EXPECT_EQ(later->history_deleted, 3);
}

TEST_F(CheckpointRetentionIoTest, AFailureAmongTheManifestsLeavesEveryPointRestorableAndARerunFinishes) {
  FailThenRerun(/*failing_delete=*/2);
}

TEST_F(CheckpointRetentionIoTest, AFailureAmongTheHistoryLeavesEveryPointRestorableAndARerunFinishes) {
  FailThenRerun(/*failing_delete=*/5);
}

}  // namespace
}  // namespace trainyard
