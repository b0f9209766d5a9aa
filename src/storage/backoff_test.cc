#include "storage/backoff.h"

#include <gtest/gtest.h>

namespace trainyard {
namespace {

using std::chrono::milliseconds;

TEST(JitteredBackoffTest, CeilingsDoubleUpToTheCap) {
  JitteredBackoff backoff(milliseconds(100), milliseconds(1000), 1);
  EXPECT_EQ(backoff.Ceiling(1), milliseconds(100));
  EXPECT_EQ(backoff.Ceiling(2), milliseconds(200));
  EXPECT_EQ(backoff.Ceiling(4), milliseconds(800));
  EXPECT_EQ(backoff.Ceiling(5), milliseconds(1000));
  EXPECT_EQ(backoff.Ceiling(60), milliseconds(1000));
}

TEST(JitteredBackoffTest, DelaysAreFullJitterBelowTheCeilingAndSpreadOut) {
  JitteredBackoff backoff(milliseconds(100), milliseconds(20'000), 42);
  int below_half = 0;
  for (int i = 0; i < 1000; ++i) {
    milliseconds delay = backoff.Delay(3);
    ASSERT_GE(delay, milliseconds(0));
    ASSERT_LE(delay, milliseconds(400));
    if (delay < milliseconds(200)) ++below_half;
  }
  EXPECT_GT(below_half, 400);
  EXPECT_LT(below_half, 600);
}

TEST(JitteredBackoffTest, TheSameSeedGivesTheSameDelays) {
  JitteredBackoff a(milliseconds(100), milliseconds(20'000), 7);
  JitteredBackoff b(milliseconds(100), milliseconds(20'000), 7);
  for (int retry = 1; retry < 10; ++retry) EXPECT_EQ(a.Delay(retry), b.Delay(retry));
}

}  // namespace
}  // namespace trainyard
