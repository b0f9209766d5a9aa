#include "latency_summary.h"

#include <gtest/gtest.h>

namespace trainyard::bench {
namespace {

TEST(SummarizeTest, EmptyIsAllZero) {
  LatencySummary s = Summarize({});
  EXPECT_EQ(s.count, 0);
  EXPECT_EQ(s.p99_ms, 0);
}

TEST(SummarizeTest, NearestRankPercentiles) {
  std::vector<int64_t> ns;
  for (int i = 100; i >= 1; --i) ns.push_back(i * 1'000'000);  // 1..100 ms, unsorted
  LatencySummary s = Summarize(ns);
  EXPECT_EQ(s.count, 100);
  EXPECT_DOUBLE_EQ(s.p50_ms, 50);
  EXPECT_DOUBLE_EQ(s.p90_ms, 90);
  EXPECT_DOUBLE_EQ(s.p99_ms, 99);
  EXPECT_DOUBLE_EQ(s.max_ms, 100);
  EXPECT_DOUBLE_EQ(s.mean_ms, 50.5);
}

TEST(SummarizeTest, OneSampleIsEveryPercentile) {
  LatencySummary s = Summarize({2'500'000});
  EXPECT_DOUBLE_EQ(s.p50_ms, 2.5);
  EXPECT_DOUBLE_EQ(s.p99_ms, 2.5);
}

}  // namespace
}  // namespace trainyard::bench
