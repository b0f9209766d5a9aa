#include "backend/hosts_file.h"

#include <gtest/gtest.h>

namespace trainyard {
namespace {

TEST(HostsFileTest, HostNetworkResolvesEveryHostToLoopback) {
  EXPECT_EQ(HostsFile({"algo-1", "algo-2"}, {}),
            "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"
            "127.0.0.1\talgo-1\n127.0.0.1\talgo-2\n");
}

TEST(HostsFileTest, BridgeNetworkResolvesEveryHostToItsAddress) {
  EXPECT_EQ(HostsFile({"algo-1", "algo-2"}, {{"algo-1", "10.213.0.2"}, {"algo-2", "10.213.0.3"}}),
            "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"
            "10.213.0.2\talgo-1\n10.213.0.3\talgo-2\n");
}

}  // namespace
}  // namespace trainyard
