#include "checkpoint/checkpoint_restore.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <map>

#include "checkpoint/checkpoint_test_util.h"
#include "storage/fault_injecting_object_store.h"
#include "storage/file_object_store.h"

namespace trainyard {
namespace {

namespace fs = std::filesystem;
using checkpoint_testing::FileOf;
using checkpoint_testing::PutObject;
using checkpoint_testing::ReadFile;
using checkpoint_testing::SimulatedMirror;
using checkpoint_testing::TempDir;
using checkpoint_testing::WriteFile;
using checkpoint_testing::WriteManifest;

using Files = std::map<std::string, std::string>;

// Every regular file below `dir` (symlinks reported as "-> target"), with
// the restore's staging area, which must be gone, included.
Files LocalFiles(const std::string& dir) {
  Files files;
  for (auto it = fs::recursive_directory_iterator(dir); it != fs::recursive_directory_iterator(); ++it) {
    std::string relative = it->path().lexically_relative(dir).generic_string();
    if (it->is_symlink()) {
      files[relative] = "-> " + fs::read_symlink(it->path()).string();
    } else if (it->is_regular_file()) {
      files[relative] = ReadFile(it->path().string());
    }
  }
  return files;
}

std::string Sha(const std::string& content) { return Sha256Hex(content); }

RestoreOptions At(const PointSelector& at) {
  RestoreOptions options;
  options.at = at;
  return options;
}

class CheckpointRestoreTest : public ::testing::Test {
 protected:
  Result<RestoreSummary> Restore(const RestoreOptions& options = {}) {
    return RestoreCheckpoint(store_, local_.path(), options);
  }
  Result<RestoreSummary> Restore(ObjectStore& store, const RestoreOptions& options = {}) {
    return RestoreCheckpoint(store, local_.path(), options);
  }
  // Sync points 1 {a=v1,b=v1} and 2 {a=v2,b=v2} by algo-1, then a crash
  // after a=v3 was uploaded, before b=v3 and before point 3's manifest.
  void CrashMidSync(const std::string& a_v3 = "a-v3") {
    p1_ = mirror_.Sync(1000, {{"a", "a-v1"}, {"b", "b-v1"}});
    p2_ = mirror_.Sync(2000, {{"a", "a-v2"}, {"b", "b-v2"}});
    mirror_.Upload("a", a_v3);
  }

  TempDir root_, scratch_, local_;
  FileObjectStore store_{root_.path()};
  SimulatedMirror mirror_{store_, "algo-1"};
  SyncPoint p1_, p2_;
};

TEST_F(CheckpointRestoreTest, APlainCheckpointIsRestoredWhole) {
  PutObject(store_, scratch_, "model.pt", "weights");
  PutObject(store_, scratch_, "step-10/opt.pt", "optimizer");
  PutObject(store_, scratch_, ".trainyard/history/" + Sha("x"), "x");  // control keys stay behind
  WriteFile(local_.Path("stale.pt"), "from an earlier run");
  Result<RestoreSummary> summary = Restore();
  ASSERT_TRUE(summary.ok()) << summary.error().ToString();
  EXPECT_EQ(LocalFiles(local_.path()), (Files{{"model.pt", "weights"}, {"step-10/opt.pt", "optimizer"}}));
  EXPECT_TRUE(summary->point_ids.empty());
  EXPECT_EQ(summary->files, 2);
  EXPECT_EQ(summary->bytes, 16);
  ASSERT_EQ(summary->restored.size(), 2u);
  EXPECT_EQ(summary->restored[0].file, FileOf("model.pt", "weights"));
  EXPECT_EQ(summary->restored[1].file, FileOf("step-10/opt.pt", "optimizer"));
  EXPECT_EQ(summary->restored[1].identity, *StatFileIdentity(local_.Path("step-10/opt.pt")));
}

TEST_F(CheckpointRestoreTest, AnEmptyUriGivesAnEmptyDirectory) {
  const std::string dir = local_.Path("not/yet/there");
  Result<RestoreSummary> summary = RestoreCheckpoint(store_, dir, {});
  ASSERT_TRUE(summary.ok()) << summary.error().ToString();
  EXPECT_EQ(summary->files, 0);
  EXPECT_TRUE(summary->restored.empty());
  EXPECT_TRUE(fs::is_directory(dir));
  EXPECT_TRUE(LocalFiles(dir).empty());
}

TEST_F(CheckpointRestoreTest, APlainCheckpointHasNoPointsToSelect) {
  PutObject(store_, scratch_, "model.pt", "weights");
  for (const PointSelector& at : {PointSelector::AtPoint(SyncPointId(1, "algo-1")), PointSelector::AsOf(5)}) {
    Result<RestoreSummary> summary = Restore(At(at));
    ASSERT_FALSE(summary.ok());
    EXPECT_EQ(summary.error().code, ErrorCode::kNotFound) << summary.error().ToString();
  }
}

TEST_F(CheckpointRestoreTest, RestoresTheNewestPointExactly) {
  mirror_.Sync(1000, {{"a", "a-v1"}, {"b", "b-v1"}, {"gone", "g"}});
  SyncPoint p2 = mirror_.Sync(2000, {{"a", "a-v2"}, {"b", "b-v1"}, {"dir/c", "c"}});
  PutObject(store_, scratch_, "written-by-hand", "not in any point");
  Result<RestoreSummary> summary = Restore();
  ASSERT_TRUE(summary.ok()) << summary.error().ToString();
  EXPECT_EQ(LocalFiles(local_.path()), (Files{{"a", "a-v2"}, {"b", "b-v1"}, {"dir/c", "c"}}));
  EXPECT_EQ(summary->point_ids, std::vector<std::string>{p2.id});
  EXPECT_EQ(summary->files, 3);
  EXPECT_EQ(summary->bytes, p2.TotalBytes());
  EXPECT_TRUE(summary->skipped_points.empty());
  ASSERT_EQ(summary->restored.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(summary->restored[i].file, p2.files[i]);
    EXPECT_EQ(summary->restored[i].identity, *StatFileIdentity(local_.Path(p2.files[i].path)));
  }
}

TEST_F(CheckpointRestoreTest, ACrashMidSyncRestoresThePreviousPointFromHistory) {
  for (const std::string& a_v3 : {std::string("a-v3"), std::string("a-version-3")}) {  // same size, other size
    SCOPED_TRACE(a_v3);
    TempDir root, local;
    FileObjectStore store(root.path());
    SimulatedMirror mirror(store, "algo-1");
    mirror.Sync(1000, {{"a", "a-v1"}, {"b", "b-v1"}});
    SyncPoint p2 = mirror.Sync(2000, {{"a", "a-v2"}, {"b", "b-v2"}});
    mirror.Upload("a", a_v3);
    Result<RestoreSummary> summary = RestoreCheckpoint(store, local.path(), {});
    ASSERT_TRUE(summary.ok()) << summary.error().ToString();
    EXPECT_EQ(LocalFiles(local.path()), (Files{{"a", "a-v2"}, {"b", "b-v2"}}));
    EXPECT_EQ(summary->point_ids, std::vector<std::string>{p2.id});
    EXPECT_TRUE(summary->skipped_points.empty());
  }
}

TEST_F(CheckpointRestoreTest, APointWhoseContentIsLostFallsBackToTheOneBefore) {
  CrashMidSync();
  ASSERT_TRUE(store_.Delete(HistoryKey(Sha("a-v2"))).ok());  // the history copy never made it
  Result<RestoreSummary> summary = Restore();
  ASSERT_TRUE(summary.ok()) << summary.error().ToString();
  EXPECT_EQ(LocalFiles(local_.path()), (Files{{"a", "a-v1"}, {"b", "b-v1"}}));
  EXPECT_EQ(summary->point_ids, std::vector<std::string>{p1_.id});
  ASSERT_EQ(summary->skipped_points.size(), 1u);
  EXPECT_EQ(summary->skipped_points[0].point_id, p2_.id);
  EXPECT_NE(summary->skipped_points[0].reason.find("a (sha256 " + Sha("a-v2").substr(0, 12)), std::string::npos)
      << summary->skipped_points[0].reason;
}

TEST_F(CheckpointRestoreTest, NoDurablePointFailsAndSaysWhy) {
  CrashMidSync();
  ASSERT_TRUE(store_.Delete(HistoryKey(Sha("a-v2"))).ok());
  ASSERT_TRUE(store_.Delete(HistoryKey(Sha("a-v1"))).ok());
  WriteFile(local_.Path("untouched"), "x");
  Result<RestoreSummary> summary = Restore();
  ASSERT_FALSE(summary.ok());
  EXPECT_EQ(summary.error().code, ErrorCode::kFailedPrecondition);
  const std::string& message = summary.error().message;
  EXPECT_EQ(message.find("restoring checkpoints from " + store_.Uri() + ": no durable checkpoint"), 0u) << message;
  EXPECT_NE(message.find(p1_.id), std::string::npos) << message;
  EXPECT_NE(message.find(p2_.id), std::string::npos) << message;
  EXPECT_EQ(LocalFiles(local_.path()), (Files{{"untouched", "x"}}));  // nothing half-restored
}

TEST_F(CheckpointRestoreTest, SelectsAPointOrATime) {
  CrashMidSync();
  struct Case {
    PointSelector at;
    Files expected;
  };
  for (const Case& c : {Case{PointSelector::AtPoint(p1_.id), {{"a", "a-v1"}, {"b", "b-v1"}}},
                        Case{PointSelector::AsOf(1999), {{"a", "a-v1"}, {"b", "b-v1"}}},
                        Case{PointSelector::AsOf(2000), {{"a", "a-v2"}, {"b", "b-v2"}}}}) {
    SCOPED_TRACE(c.at.ToString());
    Result<RestoreSummary> summary = Restore(At(c.at));
    ASSERT_TRUE(summary.ok()) << summary.error().ToString();
    EXPECT_EQ(LocalFiles(local_.path()), c.expected);
  }
  for (const PointSelector& at : {PointSelector::AtPoint(SyncPointId(1500, "algo-1")), PointSelector::AsOf(999)}) {
    Result<RestoreSummary> summary = Restore(At(at));
    ASSERT_FALSE(summary.ok());
    EXPECT_EQ(summary.error().code, ErrorCode::kNotFound) << summary.error().ToString();
  }
}

TEST_F(CheckpointRestoreTest, MergesWritersAndRollsThemAllBackPastALostPoint) {
  SimulatedMirror second(store_, "algo-2");
  SyncPoint p1 = mirror_.Sync(1000, {{"shard-0", "0@step1"}});
  SyncPoint q1 = second.Sync(1500, {{"shard-1", "1@step1"}});
  SyncPoint p2 = mirror_.Sync(2000, {{"shard-0", "0@step2"}});
  SyncPoint q2 = second.Sync(2500, {{"shard-1", "1@step2"}});
  TempDir other;
  Result<RestoreSummary> newest = RestoreCheckpoint(store_, other.path(), {});
  ASSERT_TRUE(newest.ok()) << newest.error().ToString();
  EXPECT_EQ(LocalFiles(other.path()), (Files{{"shard-0", "0@step2"}, {"shard-1", "1@step2"}}));
  EXPECT_EQ(newest->point_ids, (std::vector<std::string>{p2.id, q2.id}));

  mirror_.Upload("shard-0", "0@step3");  // crashed before its manifest...
  ASSERT_TRUE(store_.Delete(HistoryKey(Sha("0@step2"))).ok());  // ...and without history
  Result<RestoreSummary> summary = Restore();
  ASSERT_TRUE(summary.ok()) << summary.error().ToString();
  EXPECT_EQ(LocalFiles(local_.path()), (Files{{"shard-0", "0@step1"}, {"shard-1", "1@step1"}}));
  EXPECT_EQ(summary->point_ids, (std::vector<std::string>{p1.id, q1.id}));
  ASSERT_EQ(summary->skipped_points.size(), 2u);
  EXPECT_EQ(summary->skipped_points[0].point_id, q2.id);
  EXPECT_NE(summary->skipped_points[0].reason.find("rolled back"), std::string::npos);
  EXPECT_EQ(summary->skipped_points[1].point_id, p2.id);
  EXPECT_NE(summary->skipped_points[1].reason.find("not durable"), std::string::npos);
}

TEST_F(CheckpointRestoreTest, LeavesNoStaleFilesAndNeverGoesThroughSymlinks) {
  TempDir outside;
  WriteFile(outside.Path("precious"), "mine");
  mirror_.Sync(1000, {{"a", "a1"}, {"sub/x", "x1"}, {"was-dir", "file now"}, {"same", "same content"}});
  WriteFile(local_.Path("stale.pt"), "old");
  WriteFile(local_.Path("old-step/opt.pt"), "old");
  WriteFile(local_.Path("was-dir/inner"), "old");
  WriteFile(local_.Path("a/nested"), "old");  // a directory where a file goes
  WriteFile(local_.Path("keep-me/notes"), "protected");
  WriteFile(local_.Path("same"), "same content");
  ASSERT_EQ(symlink(outside.path().c_str(), local_.Path("sub").c_str()), 0);
  ASSERT_EQ(symlink(outside.Path("precious").c_str(), local_.Path("link-to-outside").c_str()), 0);

  RestoreOptions options;
  options.protected_paths = {"keep-me"};
  Result<RestoreSummary> summary = Restore(options);
  ASSERT_TRUE(summary.ok()) << summary.error().ToString();
  EXPECT_EQ(LocalFiles(local_.path()), (Files{{"a", "a1"},
                                              {"keep-me/notes", "protected"},
                                              {"same", "same content"},
                                              {"sub/x", "x1"},
                                              {"was-dir", "file now"}}));
  EXPECT_EQ(LocalFiles(outside.path()), (Files{{"precious", "mine"}}));
}

TEST_F(CheckpointRestoreTest, SharedContentIsDownloadedOnceAndARepeatGivesTheSameState) {
  mirror_.Sync(1000, {{"a", "a1"}, {"b", "b1"}, {"copy-of-a", "a1"}});
  for (int run = 0; run < 2; ++run) {
    FaultInjectingObjectStore counting(store_);
    Result<RestoreSummary> summary = Restore(counting);
    ASSERT_TRUE(summary.ok()) << summary.error().ToString();
    EXPECT_EQ(counting.CallCount(ObjectStoreOp::kGet), 3);  // the manifest, a1 once, b1
    EXPECT_EQ(LocalFiles(local_.path()), (Files{{"a", "a1"}, {"b", "b1"}, {"copy-of-a", "a1"}}));
    ASSERT_EQ(summary->restored.size(), 3u);
    EXPECT_NE(summary->restored[0].identity.inode, summary->restored[2].identity.inode);  // copies, not links
  }
}

TEST_F(CheckpointRestoreTest, TellsWhichFilesTheLiveMirrorHolds) {
  CrashMidSync();
  Result<RestoreSummary> summary = Restore();
  ASSERT_TRUE(summary.ok()) << summary.error().ToString();
  ASSERT_EQ(summary->restored.size(), 2u);
  EXPECT_EQ(summary->restored[0].file.path, "a");
  EXPECT_FALSE(summary->restored[0].live_verified);  // from history: the live key holds a-v3
  EXPECT_TRUE(summary->restored[1].live_verified);
}

TEST_F(CheckpointRestoreTest, DownloadsInParallelAndReportsProgress) {
  Files files;
  for (int i = 0; i < 30; ++i) files["f" + std::to_string(i)] = storage_testing::RandomBytes(100 + i, i);
  SyncPoint point = mirror_.Sync(1000, files);
  std::vector<RestoreProgress> reports;
  RestoreOptions options;
  options.parallel_downloads = 4;
  options.on_progress = [&](const RestoreProgress& p) { reports.push_back(p); };
  Result<RestoreSummary> summary = Restore(options);
  ASSERT_TRUE(summary.ok()) << summary.error().ToString();
  EXPECT_EQ(LocalFiles(local_.path()), files);
  ASSERT_GE(reports.size(), 31u);
  EXPECT_EQ(reports.front().files_done, 0);
  for (size_t i = 1; i < reports.size(); ++i) {
    EXPECT_GE(reports[i].bytes_done, reports[i - 1].bytes_done);
    EXPECT_EQ(reports[i].bytes_total, point.TotalBytes());
    EXPECT_EQ(reports[i].files_total, 30);
  }
  EXPECT_EQ(reports.back().bytes_done, point.TotalBytes());
  EXPECT_EQ(reports.back().files_done, 30);
}

TEST_F(CheckpointRestoreTest, AnUnavailableStoreIsReportedWithContextAndChangesNothing) {
  mirror_.Sync(1000, {{"a", "a1"}, {"b", "b1"}});
  WriteFile(local_.Path("a"), "local");
  for (ObjectStoreOp op : {ObjectStoreOp::kList, ObjectStoreOp::kGet}) {
    SCOPED_TRACE(ToString(op));
    FaultInjectingObjectStore store(store_);
    store.FailNthCall(op, op == ObjectStoreOp::kGet ? 3 : 2);  // a file's download; the live listing
    RestoreOptions one_at_a_time;
    one_at_a_time.parallel_downloads = 1;
    Result<RestoreSummary> summary = Restore(store, one_at_a_time);
    ASSERT_FALSE(summary.ok());
    EXPECT_EQ(summary.error().code, ErrorCode::kUnavailable);
    EXPECT_EQ(summary.error().message.find("restoring checkpoints from " + store_.Uri() + ": "), 0u)
        << summary.error().message;
    EXPECT_EQ(LocalFiles(local_.path()), (Files{{"a", "local"}}));
  }
}

TEST_F(CheckpointRestoreTest, AFullLocalDiskSaysHowMuchTheCheckpointNeeds) {
  SyncPoint point = mirror_.Sync(1000, {{"a", std::string(1000, 'a')}, {"b", std::string(234, 'b')}});
  FaultInjectingObjectStore store(store_);
  store.AddFault({.op = ObjectStoreOp::kGet, .nth = 2, .code = ErrorCode::kResourceExhausted});
  Result<RestoreSummary> summary = Restore(store);
  ASSERT_FALSE(summary.ok());
  EXPECT_EQ(summary.error().code, ErrorCode::kResourceExhausted);
  EXPECT_NE(summary.error().message.find("local disk filled up"), std::string::npos) << summary.error().message;
  EXPECT_NE(summary.error().message.find("needs 1234 bytes"), std::string::npos) << summary.error().message;
}

TEST_F(CheckpointRestoreTest, UnreadableManifestsAreWarningsUnlessNoneIsReadable) {
  PutObject(store_, scratch_, "a", "plain");
  PutObject(store_, scratch_, ManifestKey(SyncPointId(500, "algo-1")), "not json");
  Result<RestoreSummary> none_readable = Restore();
  ASSERT_FALSE(none_readable.ok());
  EXPECT_EQ(none_readable.error().code, ErrorCode::kFailedPrecondition);

  mirror_.Sync(1000, {{"a", "a1"}});
  Result<RestoreSummary> summary = Restore();
  ASSERT_TRUE(summary.ok()) << summary.error().ToString();
  EXPECT_EQ(LocalFiles(local_.path()), (Files{{"a", "a1"}}));
  ASSERT_EQ(summary->warnings.size(), 1u);
  EXPECT_NE(summary->warnings[0].find(SyncPointId(500, "algo-1")), std::string::npos);
}

// A FileObjectStore cannot hold every key S3 can; this listing stands in.
class ListingStore : public FaultInjectingObjectStore {
 public:
  ListingStore(ObjectStore& inner, std::vector<ObjectInfo> listing)
      : FaultInjectingObjectStore(inner), listing_(std::move(listing)) {}
  Result<std::vector<ObjectInfo>> List(std::string_view prefix) override {
    if (prefix.empty()) return listing_;
    return FaultInjectingObjectStore::List(prefix);
  }

 private:
  std::vector<ObjectInfo> listing_;
};

TEST_F(CheckpointRestoreTest, UnsafeKeysOfAPlainCheckpointAreRefused) {
  for (const std::string key : {"../escape", ".ty-partial-restore/x", "a/.ty-partial-1"}) {
    SCOPED_TRACE(key);
    ListingStore store(store_, {{key, 1, 0}});
    Result<RestoreSummary> summary = Restore(store);
    ASSERT_FALSE(summary.ok());
    EXPECT_EQ(summary.error().code, ErrorCode::kInvalidArgument);
  }
  EXPECT_FALSE(fs::exists(local_.Path("../escape")));
}

TEST_F(CheckpointRestoreTest, FolderMarkersOfAPlainCheckpointAreSkipped) {
  PutObject(store_, scratch_, "model.pt", "weights");
  ListingStore store(store_, {{"folder/", 0, 0}, {"model.pt", 7, 0}});
  Result<RestoreSummary> summary = Restore(store);
  ASSERT_TRUE(summary.ok()) << summary.error().ToString();
  EXPECT_EQ(LocalFiles(local_.path()), (Files{{"model.pt", "weights"}}));
}

}  // namespace
}  // namespace trainyard
