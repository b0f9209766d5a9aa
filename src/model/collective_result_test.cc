#include "model/collective_result.h"

#include <gtest/gtest.h>

namespace trainyard {
namespace {

CollectiveResult Sample() {
  CollectiveResult r;
  r.ok = false;
  r.error = "rank 2 (algo-3) did not join the rendezvous within 2000 ms";
  r.rank = 0;
  r.size = 3;
  r.bytes = 16 << 20;
  r.iterations = 3;
  r.seconds = 0.25;
  r.algbw_bytes_per_s = 67108864;
  r.peers.push_back({1, "algo-2", true, "", 4 << 20, 0.5, 8388608});
  r.peers.push_back({2, "algo-3", false, "timed out", 0, 0, 0});
  r.nccl = "skipped: libnccl.so.2 not loadable";
  return r;
}

TEST(CollectiveResultTest, RoundTripsThroughJson) {
  CollectiveResult r = Sample();
  Result<CollectiveResult> back = CollectiveResultFromJson(ToJson(r));
  ASSERT_TRUE(back.ok()) << back.error().ToString();
  EXPECT_EQ(*back, r);
  // And through text, as it travels in a report.
  Result<Json> parsed = ParseJson(DumpJson(ToJson(r)));
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(*CollectiveResultFromJson(*parsed), r);
}

TEST(CollectiveResultTest, UsesTheProtocolsMemberNames) {
  Json j = ToJson(Sample());
  EXPECT_EQ(j["AlgbwBytesPerS"], 67108864.0);
  EXPECT_EQ(j["Peers"][1]["Host"], "algo-3");
  EXPECT_EQ(j["Peers"][1]["Ok"], false);
}

TEST(CollectiveResultTest, AbsentMembersDefault) {
  Result<CollectiveResult> r = CollectiveResultFromJson(Json{{"Ok", true}});
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_TRUE(r->ok);
  EXPECT_TRUE(r->peers.empty());
  EXPECT_EQ(r->bytes, 0);
}

TEST(CollectiveResultTest, BadShapesAreSerializationErrors) {
  const Json bad[] = {
      Json::array(),
      Json::object(),                                     // no Ok
      Json{{"Ok", "yes"}},
      Json{{"Ok", true}, {"Peers", "none"}},
      Json{{"Ok", true}, {"Peers", {1}}},
      Json{{"Ok", true}, {"Peers", {{{"Rank", 1}}}}},     // peer without Ok
      Json{{"Ok", true}, {"Seconds", "fast"}},
  };
  for (const Json& j : bad) {
    Result<CollectiveResult> r = CollectiveResultFromJson(j);
    ASSERT_FALSE(r.ok()) << j.dump();
    EXPECT_EQ(r.error().code, ErrorCode::kSerialization) << j.dump();
  }
}

}  // namespace
}  // namespace trainyard
