#include "backend/address_pool.h"

#include <gtest/gtest.h>

namespace trainyard {
namespace {

using Hosts = std::map<std::string, std::string>;

TEST(Ipv4Test, ParsesAndFormats) {
  EXPECT_EQ(ParseIpv4("10.213.0.2"), 0x0ad50002u);
  EXPECT_EQ(ParseIpv4("255.255.255.255"), 0xffffffffu);
  EXPECT_EQ(FormatIpv4(0x0ad50102u), "10.213.1.2");
  for (const char* bad : {"", "10.213.0", "10.213.0.2.1", "10.213.0.256", "10.213.0.02", "10.213..2", "a.b.c.d",
                          "10.213.0.2 ", "10.213.0.-1"}) {
    EXPECT_FALSE(ParseIpv4(bad)) << bad;
  }
}

TEST(AddressPoolTest, RefusesBadSubnets) {
  for (const char* bad : {"10.213.0.0", "10.213.0.0/7", "10.213.0.0/31", "10.213.0.1/16", "10.213.0.0/x",
                          "fd00::/64", "10.213.0.0/016"}) {
    Result<AddressPool> pool = AddressPool::Create(bad);
    ASSERT_FALSE(pool.ok()) << bad;
    EXPECT_EQ(pool.error().code, ErrorCode::kInvalidArgument);
  }
}

TEST(AddressPoolTest, GatewayIsTheFirstAddressAndHostsFollowLowestFirst) {
  AddressPool pool = *AddressPool::Create("10.213.0.0/16");
  EXPECT_EQ(pool.gateway(), "10.213.0.1");
  EXPECT_EQ(pool.prefix_length(), 16);
  EXPECT_EQ(*pool.Acquire("a", {"algo-1", "algo-2"}), (Hosts{{"algo-1", "10.213.0.2"}, {"algo-2", "10.213.0.3"}}));
  EXPECT_EQ(*pool.Acquire("b", {"algo-1"}), (Hosts{{"algo-1", "10.213.0.4"}}));
  EXPECT_EQ(pool.addresses_in_use(), 3u);
}

TEST(AddressPoolTest, AJobKeepsItsAddressesUntilItsLastHolderReleases) {
  AddressPool pool = *AddressPool::Create("10.213.0.0/16");
  Hosts job = *pool.Acquire("a", {"algo-1", "algo-2"});  // algo-1's instance
  EXPECT_EQ(*pool.Acquire("a", {"algo-1", "algo-2"}), job);  // algo-2's
  pool.Release("a");  // algo-2 killed...
  EXPECT_EQ(*pool.Acquire("a", {"algo-1", "algo-2"}), job) << "its replacement gets the same address";
  pool.Release("a");
  pool.Release("a");
  EXPECT_EQ(pool.addresses_in_use(), 0u);
  EXPECT_TRUE(pool.AddressesOf("a").empty());
  EXPECT_EQ(*pool.Acquire("b", {"algo-1"}), (Hosts{{"algo-1", "10.213.0.2"}})) << "freed addresses are reused";
}

TEST(AddressPoolTest, FullSubnetIsResourceExhaustedAndChangesNothing) {
  AddressPool pool = *AddressPool::Create("10.0.0.0/29");  // .2 to .6: five instances
  ASSERT_TRUE(pool.Acquire("a", {"algo-1", "algo-2", "algo-3"}).ok());
  Result<Hosts> too_many = pool.Acquire("b", {"algo-1", "algo-2", "algo-3"});
  ASSERT_FALSE(too_many.ok());
  EXPECT_EQ(too_many.error().code, ErrorCode::kResourceExhausted);
  EXPECT_TRUE(pool.AddressesOf("b").empty());
  EXPECT_EQ(*pool.Acquire("b", {"algo-1", "algo-2"}), (Hosts{{"algo-1", "10.0.0.5"}, {"algo-2", "10.0.0.6"}}));
}

TEST(AddressPoolTest, SmallestSubnetHasOneInstanceAddress) {
  AddressPool pool = *AddressPool::Create("10.0.0.0/30");
  EXPECT_EQ(*pool.Acquire("a", {"algo-1"}), (Hosts{{"algo-1", "10.0.0.2"}}));
  EXPECT_FALSE(pool.Acquire("b", {"algo-1"}).ok());
}

TEST(AddressPoolTest, AdoptHoldsAnEarlierServersAddresses) {
  AddressPool pool = *AddressPool::Create("10.213.0.0/16");
  ASSERT_TRUE(pool.Adopt("a", "algo-2", "10.213.0.3").ok());
  ASSERT_TRUE(pool.Adopt("a", "algo-2", "10.213.0.3").ok()) << "the same record twice is no clash";
  Status clash = pool.Adopt("b", "algo-1", "10.213.0.3");
  ASSERT_FALSE(clash.ok());
  EXPECT_EQ(clash.error().code, ErrorCode::kAlreadyExists);
  EXPECT_EQ(pool.Adopt("a", "algo-2", "10.213.0.9").error().code, ErrorCode::kAlreadyExists);
  EXPECT_EQ(pool.Adopt("a", "algo-1", "10.214.0.3").error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(pool.Adopt("a", "algo-1", "10.213.0.1").error().code, ErrorCode::kInvalidArgument) << "the gateway";
  EXPECT_EQ(pool.Adopt("a", "algo-1", "10.213.255.255").error().code, ErrorCode::kInvalidArgument);
  // A new job steers clear; the adopted job's missing host gets a new one.
  EXPECT_EQ(*pool.Acquire("c", {"algo-1"}), (Hosts{{"algo-1", "10.213.0.2"}}));
  EXPECT_EQ(*pool.Acquire("a", {"algo-1", "algo-2"}), (Hosts{{"algo-1", "10.213.0.4"}, {"algo-2", "10.213.0.3"}}));
}

TEST(AddressPoolTest, ReserveKeepsAGoneInstancesAddressForItsReplacement) {
  AddressPool pool = *AddressPool::Create("10.213.0.0/16");
  ASSERT_TRUE(pool.Adopt("a", "algo-1", "10.213.0.7").ok());
  ASSERT_TRUE(pool.Reserve("a", "algo-2", "10.213.0.8").ok());  // its agent was gone
  EXPECT_EQ(*pool.Acquire("b", {"algo-1", "algo-2"}), (Hosts{{"algo-1", "10.213.0.2"}, {"algo-2", "10.213.0.3"}}));
  EXPECT_EQ(*pool.Acquire("a", {"algo-1", "algo-2"}), (Hosts{{"algo-1", "10.213.0.7"}, {"algo-2", "10.213.0.8"}}));
  pool.Release("a");
  pool.Release("a");
  EXPECT_TRUE(pool.AddressesOf("a").empty());
}

}  // namespace
}  // namespace trainyard
