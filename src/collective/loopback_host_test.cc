#include "collective/loopback_host.h"

#include <gtest/gtest.h>

namespace trainyard {
namespace {

TEST(ResolvesToLoopbackTest, LoopbackAddressesAre) {
  EXPECT_TRUE(ResolvesToLoopback("127.0.0.1"));
  EXPECT_TRUE(ResolvesToLoopback("127.3.2.1"));
  EXPECT_TRUE(ResolvesToLoopback("::1"));
}

TEST(ResolvesToLoopbackTest, OtherAddressesAreNot) {
  EXPECT_FALSE(ResolvesToLoopback("10.77.0.2"));
  EXPECT_FALSE(ResolvesToLoopback("192.168.1.20"));
  EXPECT_FALSE(ResolvesToLoopback("fe80::1"));
}

TEST(ResolvesToLoopbackTest, WhatDoesNotResolveIsNot) {
  EXPECT_FALSE(ResolvesToLoopback(""));
  EXPECT_FALSE(ResolvesToLoopback("no-such-host.invalid"));
}

}  // namespace
}  // namespace trainyard
