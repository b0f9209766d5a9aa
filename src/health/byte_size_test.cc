#include "health/byte_size.h"

#include <gtest/gtest.h>

namespace trainyard {
namespace {

TEST(FormatBytesTest, PicksTheLargestUnitBelowTheCount) {
  struct Case {
    int64_t bytes;
    const char* text;
  };
  const Case cases[] = {
      {0, "0 B"},           {1023, "1023 B"},        {kKiB, "1 KiB"},
      {1536, "1.5 KiB"},    {120 * kMiB, "120 MiB"}, {kGiB, "1 GiB"},
      {kGiB + kGiB / 2, "1.5 GiB"}, {50 * kGiB + 1, "50 GiB"}, {-2 * kMiB, "-2 MiB"},
  };
  for (const Case& c : cases) EXPECT_EQ(FormatBytes(c.bytes), c.text) << c.bytes;
}

}  // namespace
}  // namespace trainyard
