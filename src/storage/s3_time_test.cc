#include "storage/s3_time.h"

#include <gtest/gtest.h>

namespace trainyard {
namespace {

TEST(S3TimeTest, ParsesIso8601InUtc) {
  EXPECT_EQ(ParseIso8601Ms("2009-10-12T17:50:30.000Z"), 1255369830000);
  EXPECT_EQ(ParseIso8601Ms("2009-10-12T17:50:30.5Z"), 1255369830500);
  EXPECT_EQ(ParseIso8601Ms("2009-10-12T17:50:30Z"), 1255369830000);
  EXPECT_EQ(ParseIso8601Ms("1970-01-01T00:00:00.001Z"), 1);
  for (const char* bad : {"", "2009-10-12", "2009-10-12T17:50:30", "2009-13-12T17:50:30Z",
                          "2009-02-30T00:00:00Z", "2009-10-12T17:50:30.Z", "2009-10-12T17:50:30+01:00"}) {
    EXPECT_FALSE(ParseIso8601Ms(bad).has_value()) << bad;
  }
}

TEST(S3TimeTest, ParsesHttpDates) {
  EXPECT_EQ(ParseHttpDateMs("Mon, 12 Oct 2009 17:50:30 GMT"), 1255369830000);
  EXPECT_EQ(ParseHttpDateMs("Fri, 27 Nov 2026 21:47:25 GMT"), ParseIso8601Ms("2026-11-27T21:47:25Z"));
  for (const char* bad : {"", "12 Oct 2009 17:50:30 GMT", "Mon, 12 Foo 2009 17:50:30 GMT",
                          "Mon, 12 Oct 2009 17:50:30 UTC", "Mon, 1 Oct 2009 17:50:30 GMT"}) {
    EXPECT_FALSE(ParseHttpDateMs(bad).has_value()) << bad;
  }
}

}  // namespace
}  // namespace trainyard
