#include "backend/instance_description.h"

#include <gtest/gtest.h>

namespace trainyard {
namespace {

TEST(InstanceDescriptionTest, HostNetworkIsJustThePid) {
  EXPECT_EQ(FormatInstanceDescription({1234, std::nullopt}), "pid 1234");
  std::optional<InstanceDescription> d = ParseInstanceDescription("pid 1234");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->pid, 1234);
  EXPECT_FALSE(d->network);
}

TEST(InstanceDescriptionTest, BridgeNetworkRoundTrips) {
  NetworkAttachment n;
  n.job = "my-job-2";
  n.netns = "ty-1a2b3c4d";
  n.link = "ty1a2b3c4d";
  n.address = "10.213.0.2";
  std::string text = FormatInstanceDescription({77, n});
  EXPECT_EQ(text, "pid 77 netns ty-1a2b3c4d link ty1a2b3c4d address 10.213.0.2 job my-job-2");
  std::optional<InstanceDescription> d = ParseInstanceDescription(text);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->pid, 77);
  ASSERT_TRUE(d->network);
  EXPECT_EQ(d->network->job, "my-job-2");
  EXPECT_EQ(d->network->netns, "ty-1a2b3c4d");
  EXPECT_EQ(d->network->link, "ty1a2b3c4d");
  EXPECT_EQ(d->network->address, "10.213.0.2");
}

TEST(InstanceDescriptionTest, UnknownKeysAreSkipped) {
  std::optional<InstanceDescription> d =
      ParseInstanceDescription("pid 5 cgroup x netns ty-ab link tyab address 10.0.0.2 job j");
  ASSERT_TRUE(d && d->network);
  EXPECT_EQ(d->network->netns, "ty-ab");
}

TEST(InstanceDescriptionTest, RefusesWhatIsNotOurs) {
  for (const char* bad : {"", "fake algo-1", "pid", "pid x", "pid 0", "pid -3", "pid 12a", "pid 1234567890"}) {
    EXPECT_FALSE(ParseInstanceDescription(bad)) << bad;
  }
  // The network part names what Adopt may delete: only names we make.
  for (const char* odd : {"pid 5 netns ../etc link tyab address 10.0.0.2 job j",
                          "pid 5 netns ty-ab link eth0 address 10.0.0.2 job j",
                          "pid 5 netns ty-AB link tyab address 10.0.0.2 job j",
                          "pid 5 netns ty-ab link tyab address 10.0.0 job j",
                          "pid 5 netns ty-ab link tyab address 10.0.0.2",
                          "pid 5 netns ty-ab link ty-ab address 10.0.0.2 job j"}) {
    std::optional<InstanceDescription> d = ParseInstanceDescription(odd);
    ASSERT_TRUE(d) << odd;
    EXPECT_FALSE(d->network) << odd;
  }
}

}  // namespace
}  // namespace trainyard
