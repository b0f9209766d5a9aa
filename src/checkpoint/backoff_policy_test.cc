#include "checkpoint/backoff_policy.h"

#include <gtest/gtest.h>

#include <random>

namespace trainyard {
namespace {

TEST(BackoffPolicyTest, GrowsExponentiallyUpToTheCapWithoutJitter) {
  BackoffOptions options{.initial = std::chrono::milliseconds(100),
                         .max = std::chrono::milliseconds(1000),
                         .multiplier = 2.0,
                         .jitter = 0.5};
  struct Case {
    int attempt;
    int64_t delay_ms;
  };
  for (Case c : {Case{0, 100}, Case{1, 100}, Case{2, 200}, Case{3, 400}, Case{4, 800}, Case{5, 1000},
                 Case{60, 1000}, Case{100000, 1000}}) {
    EXPECT_EQ(BackoffDelayMs(options, c.attempt, 0.0), c.delay_ms) << "attempt " << c.attempt;
  }
}

TEST(BackoffPolicyTest, JitterOnlyShortensAndStaysWithinItsFraction) {
  BackoffOptions options;  // 250 ms .. 30 s, jitter 0.5
  EXPECT_EQ(BackoffDelayMs(options, 1, 0.5), 187);  // 250 - 250 * 0.5 * 0.5
  std::mt19937_64 engine(7);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  for (int attempt = 1; attempt < 40; ++attempt) {
    int64_t full = BackoffDelayMs(options, attempt, 0.0);
    int64_t drawn = BackoffDelayMs(options, attempt, unit(engine));
    EXPECT_LE(drawn, full);
    EXPECT_GE(drawn, full / 2);
    EXPECT_LE(drawn, 30'000);
  }
}

TEST(BackoffPolicyTest, DegenerateOptionsStayInRange) {
  BackoffOptions options{.initial = std::chrono::milliseconds(-5), .max = std::chrono::milliseconds(10),
                         .multiplier = 0.1, .jitter = 7.0};
  EXPECT_EQ(BackoffDelayMs(options, 3, 0.9), 0);
  options.initial = std::chrono::milliseconds(50);
  EXPECT_EQ(BackoffDelayMs(options, 3, 0.0), 10);
  EXPECT_EQ(BackoffDelayMs(options, 3, 2.0), 0);  // draw clamped to 1, full jitter
}

}  // namespace
}  // namespace trainyard
