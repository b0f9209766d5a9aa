#include "checkpoint/sync_point.h"

#include <gtest/gtest.h>

namespace trainyard {
namespace {

const std::string kShaA(64, 'a');
const std::string kShaB(64, 'b');

SyncPoint Sample() {
  SyncPoint point;
  point.time_ms = 1764279000123;
  point.host = "algo-1";
  point.id = SyncPointId(point.time_ms, point.host);
  point.job_name = "job-1";
  point.files = {{"model.pt", 10, kShaA}, {"step/opt.pt", 0, kShaB}};
  return point;
}

TEST(SyncPointTest, IdsSortByTimeAndParseBack) {
  EXPECT_EQ(SyncPointId(5, "algo-2"), "0000000000005-algo-2");
  EXPECT_LT(SyncPointId(999, "algo-9"), SyncPointId(1000, "algo-1"));
  Result<PointIdParts> parts = ParsePointId("1764279000123-algo-12");
  ASSERT_TRUE(parts.ok());
  EXPECT_EQ(parts->time_ms, 1764279000123);
  EXPECT_EQ(parts->host, "algo-12");
  for (std::string_view bad : {"", "123-algo-1", "176427900012x-algo-1", "1764279000123-", "1764279000123-a/b",
                               "1764279000123_algo-1", "1764279000123-.."}) {
    EXPECT_FALSE(ParsePointId(bad).ok()) << bad;
  }
}

TEST(SyncPointTest, KeysOfTheLayout) {
  EXPECT_EQ(ManifestKey("0000000000005-algo-1"), ".trainyard/points/0000000000005-algo-1.json");
  EXPECT_EQ(HistoryKey(kShaA), ".trainyard/history/" + kShaA);
  EXPECT_EQ(PointIdFromManifestKey(".trainyard/points/0000000000005-algo-1.json"), "0000000000005-algo-1");
  EXPECT_EQ(PointIdFromManifestKey(".trainyard/points/junk.json"), std::nullopt);
  EXPECT_EQ(PointIdFromManifestKey(".trainyard/points/0000000000005-algo-1.json.tmp"), std::nullopt);
  EXPECT_EQ(PointIdFromManifestKey("model.pt"), std::nullopt);
  EXPECT_EQ(Sha256FromHistoryKey(HistoryKey(kShaA)), kShaA);
  EXPECT_EQ(Sha256FromHistoryKey(HistoryKey(kShaA) + "/x"), std::nullopt);
  EXPECT_EQ(Sha256FromHistoryKey(HistoryKey(std::string(64, 'A'))), std::nullopt);
  EXPECT_EQ(Sha256FromHistoryKey(kShaA), std::nullopt);
  EXPECT_TRUE(IsCheckpointControlKey(".trainyard/history/x"));
  EXPECT_TRUE(IsCheckpointControlKey(".trainyard"));
  EXPECT_FALSE(IsCheckpointControlKey(".trainyard-not/x"));
  EXPECT_FALSE(IsCheckpointControlKey("a/.trainyard/x"));
}

TEST(SyncPointTest, ManifestRoundTripsThroughJson) {
  SyncPoint point = Sample();
  Result<SyncPoint> back = SyncPointFromJson(ParseJson(DumpJson(ToJson(point))).value());
  ASSERT_TRUE(back.ok()) << back.error().ToString();
  EXPECT_EQ(*back, point);
  EXPECT_EQ(back->TotalBytes(), 10);
}

TEST(SyncPointTest, HostileOrBrokenManifestsAreRefused) {
  auto refuses = [](const std::function<void(Json&)>& mutate) {
    Json json = ToJson(Sample());
    mutate(json);
    Result<SyncPoint> parsed = SyncPointFromJson(json);
    return !parsed.ok() && parsed.error().code == ErrorCode::kSerialization;
  };
  EXPECT_TRUE(refuses([](Json& j) { j["files"][0]["path"] = "../../etc/passwd"; }));
  EXPECT_TRUE(refuses([](Json& j) { j["files"][0]["path"] = "/abs"; }));
  EXPECT_TRUE(refuses([](Json& j) { j["files"][0]["path"] = ".trainyard/points/x"; }));
  EXPECT_TRUE(refuses([](Json& j) { j["files"][0]["sha256"] = "ABC"; }));
  EXPECT_TRUE(refuses([](Json& j) { j["files"][0]["size"] = -1; }));
  EXPECT_TRUE(refuses([](Json& j) { j["files"][0]["size"] = "10"; }));
  EXPECT_TRUE(refuses([](Json& j) { j["files"][1]["path"] = "model.pt"; }));
  EXPECT_TRUE(refuses([](Json& j) { j["format"] = 2; }));
  EXPECT_TRUE(refuses([](Json& j) { j["time_ms"] = 1; }));
  EXPECT_TRUE(refuses([](Json& j) { j["host"] = "algo-2"; }));
  EXPECT_TRUE(refuses([](Json& j) { j.erase("files"); }));
  EXPECT_FALSE(refuses([](Json&) {}));
}

}  // namespace
}  // namespace trainyard
