#include "collective/pair_schedule.h"

#include <gtest/gtest.h>

#include <set>
#include <utility>

namespace trainyard {
namespace {

TEST(PairScheduleTest, RoundCounts) {
  EXPECT_EQ(PairRounds(0), 0);
  EXPECT_EQ(PairRounds(1), 0);
  EXPECT_EQ(PairRounds(2), 1);
  EXPECT_EQ(PairRounds(3), 3);
  EXPECT_EQ(PairRounds(4), 3);
  EXPECT_EQ(PairRounds(7), 7);
}

TEST(PairScheduleTest, EveryTwoRanksMeetExactlyOnceAndPairingsAreSymmetric) {
  for (int size = 2; size <= 17; ++size) {
    std::set<std::pair<int, int>> met;
    for (int round = 0; round < PairRounds(size); ++round) {
      int sitting_out = 0;
      for (int rank = 0; rank < size; ++rank) {
        int partner = PairPartner(rank, size, round);
        if (partner < 0) {
          ++sitting_out;
          continue;
        }
        ASSERT_LT(partner, size);
        ASSERT_NE(partner, rank) << "size " << size << " round " << round;
        ASSERT_EQ(PairPartner(partner, size, round), rank) << "size " << size << " round " << round;
        if (rank < partner) {
          EXPECT_TRUE(met.insert({rank, partner}).second)
              << rank << "-" << partner << " meet twice, size " << size;
        }
      }
      EXPECT_EQ(sitting_out, size % 2) << "size " << size << " round " << round;
    }
    EXPECT_EQ(met.size(), static_cast<size_t>(size * (size - 1) / 2)) << "size " << size;
  }
}

TEST(PairScheduleTest, OutOfRangeArgumentsSitOut) {
  EXPECT_EQ(PairPartner(0, 1, 0), -1);
  EXPECT_EQ(PairPartner(2, 2, 0), -1);
  EXPECT_EQ(PairPartner(0, 2, 1), -1);
  EXPECT_EQ(PairPartner(-1, 4, 0), -1);
}

}  // namespace
}  // namespace trainyard
