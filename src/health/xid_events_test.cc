#include "health/xid_events.h"

#include <gtest/gtest.h>

namespace trainyard {
namespace {

TEST(XidEventsTest, OnlyTheDrainSetIsCritical) {
  for (uint64_t xid : {48, 64, 74, 79, 92, 94, 95, 119, 120}) {
    EXPECT_TRUE(IsCriticalXid(xid)) << xid;
    EXPECT_FALSE(CriticalXidMeaning(xid).empty()) << xid;
  }
  for (uint64_t xid : {0, 13, 31, 43, 45, 63, 999}) {
    EXPECT_FALSE(IsCriticalXid(xid)) << xid;
    EXPECT_TRUE(CriticalXidMeaning(xid).empty()) << xid;
  }
  EXPECT_EQ(CriticalXidMeaning(79), "GPU has fallen off the bus");
}

}  // namespace
}  // namespace trainyard
