#include "checkpoint/checkpoint_history.h"

#include <gtest/gtest.h>

#include "checkpoint/checkpoint_test_util.h"
#include "storage/fault_injecting_object_store.h"
#include "storage/file_object_store.h"

namespace trainyard {
namespace {

using checkpoint_testing::FileOf;
using checkpoint_testing::MakePoint;
using checkpoint_testing::PutObject;
using checkpoint_testing::TempDir;
using checkpoint_testing::WriteManifest;

// Expected files as "path=content@point id".
struct Expected {
  std::string path;
  std::string content;
  std::string point_id;
};

std::vector<ViewFile> FilesOf(const std::vector<Expected>& expected) {
  std::vector<ViewFile> files;
  for (const Expected& e : expected) files.push_back({FileOf(e.path, e.content), e.point_id});
  return files;
}

const std::string kA1 = SyncPointId(1000, "algo-1");
const std::string kA2 = SyncPointId(3000, "algo-1");
const std::string kB1 = SyncPointId(2000, "algo-2");
const std::string kB2 = SyncPointId(3000, "algo-2");

struct ViewCase {
  std::string name;
  std::vector<SyncPoint> points;  // sorted by id
  PointSelector selector;
  bool found = true;
  std::vector<std::string> point_ids;
  std::vector<Expected> files;
};

TEST(CheckpointHistoryTest, ViewAsOfTable) {
  const SyncPoint a1 = MakePoint(1000, "algo-1", {{"a", "a1"}, {"b", "b1"}});
  const SyncPoint a2 = MakePoint(3000, "algo-1", {{"a", "a2"}});  // b deleted
  const SyncPoint b1 = MakePoint(2000, "algo-2", {{"c", "c1"}});
  const SyncPoint b1_clash = MakePoint(2000, "algo-2", {{"a", "a-from-2"}, {"c", "c1"}});
  const SyncPoint b2_same_ms = MakePoint(3000, "algo-2", {{"a", "a-from-2@3000"}});
  const std::vector<ViewCase> cases = {
      {"one writer, newest", {a1, a2}, PointSelector::Newest(), true, {kA2}, {{"a", "a2", kA2}}},
      {"one writer, at its first point", {a1, a2}, PointSelector::AtPoint(kA1), true, {kA1},
       {{"a", "a1", kA1}, {"b", "b1", kA1}}},
      {"one writer, as of a time between points", {a1, a2}, PointSelector::AsOf(2999), true, {kA1},
       {{"a", "a1", kA1}, {"b", "b1", kA1}}},
      {"one writer, as of exactly a point's time", {a1, a2}, PointSelector::AsOf(3000), true, {kA2},
       {{"a", "a2", kA2}}},
      {"one writer, as of a time after every point", {a1, a2}, PointSelector::AsOf(99999), true, {kA2},
       {{"a", "a2", kA2}}},
      {"two writers, disjoint paths, newest", {a1, b1, a2}, PointSelector::Newest(), true, {kB1, kA2},
       {{"a", "a2", kA2}, {"c", "c1", kB1}}},
      {"two writers, disjoint paths, as of the second writer's point", {a1, b1, a2}, PointSelector::AtPoint(kB1),
       true, {kA1, kB1}, {{"a", "a1", kA1}, {"b", "b1", kA1}, {"c", "c1", kB1}}},
      {"two writers clash: the newer point wins", {a1, b1_clash}, PointSelector::Newest(), true, {kA1, kB1},
       {{"a", "a-from-2", kB1}, {"b", "b1", kA1}, {"c", "c1", kB1}}},
      {"two writers clash: the newer point wins, whichever writer", {a1, b1_clash, a2}, PointSelector::Newest(),
       true, {kB1, kA2}, {{"a", "a2", kA2}, {"c", "c1", kB1}}},
      {"two writers clash in the same millisecond: the greater id wins", {a1, a2, b2_same_ms},
       PointSelector::AsOf(3000), true, {kA2, kB2}, {{"a", "a-from-2@3000", kB2}}},
      {"a point whose files all lose is still listed", {a1, b1_clash}, PointSelector::AtPoint(kB1), true,
       {kA1, kB1}, {{"a", "a-from-2", kB1}, {"b", "b1", kA1}, {"c", "c1", kB1}}},
      {"an empty point empties its writer's part", {a1, MakePoint(2000, "algo-1", {})}, PointSelector::Newest(),
       true, {SyncPointId(2000, "algo-1")}, {}},
      {"a time before any point", {a1, a2}, PointSelector::AsOf(999), false, {}, {}},
      {"an unknown id", {a1, a2}, PointSelector::AtPoint(SyncPointId(2000, "algo-1")), false, {}, {}},
      {"no points at all", {}, PointSelector::Newest(), false, {}, {}},
  };
  for (const ViewCase& c : cases) {
    SCOPED_TRACE(c.name);
    Result<CheckpointView> view = ViewCheckpoint(c.points, c.selector);
    if (!c.found) {
      ASSERT_FALSE(view.ok());
      EXPECT_EQ(view.error().code, ErrorCode::kNotFound);
      continue;
    }
    ASSERT_TRUE(view.ok()) << view.error().ToString();
    EXPECT_EQ(view->point_ids, c.point_ids);
    EXPECT_EQ(view->files, FilesOf(c.files));
  }
}

TEST(CheckpointHistoryTest, ViewBeforeIsTheStateJustBeforeAPoint) {
  const std::vector<SyncPoint> points = {MakePoint(1000, "algo-1", {{"a", "a1"}}),
                                         MakePoint(2000, "algo-2", {{"b", "b1"}}),
                                         MakePoint(3000, "algo-1", {{"a", "a2"}})};
  Result<CheckpointView> newest = ViewCheckpoint(points, PointSelector::Newest());
  ASSERT_TRUE(newest.ok());
  EXPECT_EQ(newest->horizon, 3u);
  EXPECT_EQ(newest->TotalBytes(), 4);
  Result<CheckpointView> before = ViewBefore(points, 2);
  ASSERT_TRUE(before.ok());
  EXPECT_EQ(*before, *ViewCheckpoint(points, PointSelector::AtPoint(points[1].id)));
  EXPECT_EQ(before->Manifest(), (std::vector<ManifestFile>{FileOf("a", "a1"), FileOf("b", "b1")}));
  Result<CheckpointView> none = ViewBefore(points, 0);
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().code, ErrorCode::kNotFound);
}

TEST(CheckpointHistoryTest, ListsManifestsInIdOrderAndSkipsWhatIsNotOne) {
  TempDir root, scratch;
  FileObjectStore store(root.path());
  const SyncPoint late = MakePoint(2000, "algo-1", {{"a", "2"}});
  const SyncPoint early = MakePoint(1000, "algo-2", {{"b", "1"}});
  WriteManifest(store, scratch, late);
  WriteManifest(store, scratch, early);
  PutObject(store, scratch, "a", "2");                                        // a live key
  PutObject(store, scratch, std::string(kPointsPrefix) + "notes.txt", "x");   // not a manifest name
  PutObject(store, scratch, std::string(kPointsPrefix) + "sub/0000000000005-algo-1.json", "{}");
  PutObject(store, scratch, ManifestKey(SyncPointId(1500, "algo-1")), "{\"format\": 1, trunc");
  SyncPoint renamed = MakePoint(1700, "algo-1", {});
  PutObject(store, scratch, ManifestKey(SyncPointId(1600, "algo-1")), DumpJson(ToJson(renamed)));

  Result<SyncPointListing> listing = ListSyncPoints(store);
  ASSERT_TRUE(listing.ok()) << listing.error().ToString();
  EXPECT_EQ(listing->points, (std::vector<SyncPoint>{early, late}));
  ASSERT_EQ(listing->unreadable.size(), 2u);
  EXPECT_EQ(listing->unreadable[0].point_id, SyncPointId(1500, "algo-1"));
  EXPECT_NE(listing->unreadable[0].reason.find("skipped"), std::string::npos);
  EXPECT_EQ(listing->unreadable[1].point_id, SyncPointId(1600, "algo-1"));
  EXPECT_NE(listing->unreadable[1].reason.find(renamed.id), std::string::npos);
}

TEST(CheckpointHistoryTest, AnEmptyStoreHasNoPoints) {
  TempDir root;
  FileObjectStore store(root.path() + "/never-created");
  Result<SyncPointListing> listing = ListSyncPoints(store);
  ASSERT_TRUE(listing.ok()) << listing.error().ToString();
  EXPECT_TRUE(listing->points.empty());
  EXPECT_TRUE(listing->unreadable.empty());
}

TEST(CheckpointHistoryTest, StoreFailuresPassThrough) {
  TempDir root, scratch;
  FileObjectStore files(root.path());
  WriteManifest(files, scratch, MakePoint(1000, "algo-1", {}));
  for (ObjectStoreOp op : {ObjectStoreOp::kList, ObjectStoreOp::kGet}) {
    SCOPED_TRACE(ToString(op));
    FaultInjectingObjectStore store(files);
    store.FailNthCall(op, 1);
    Result<SyncPointListing> listing = ListSyncPoints(store);
    ASSERT_FALSE(listing.ok());
    EXPECT_EQ(listing.error().code, ErrorCode::kUnavailable);
  }
}

}  // namespace
}  // namespace trainyard
