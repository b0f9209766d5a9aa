#include "backend/bridge_network.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "backend/fake_network_control.h"

namespace trainyard {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using Hosts = std::map<std::string, std::string>;

// Names "00000001", "00000002", ... so the commands are predictable.
class SequentialIds : public IdGenerator {
 public:
  std::string NewUuid() override { return "00000000-0000-4000-8000-" + NewHex(6); }
  std::string NewHex(int bytes) override {
    std::string n = std::to_string(++next_);
    return std::string(static_cast<size_t>(bytes) * 2 - n.size(), '0') + n;
  }

 private:
  int next_ = 0;
};

const std::vector<std::string> kTwoHosts = {"algo-1", "algo-2"};

class BridgeNetworkTest : public ::testing::Test {
 protected:
  // A bridge that already exists: Create only sets its address and state.
  std::unique_ptr<BridgeNetwork> Existing(BridgeNetworkOptions options = {}) {
    control_.Answer("-o link show dev", std::string("5: trainyard0: <BROADCAST,MULTICAST,UP> ... bridge\n"));
    Result<std::unique_ptr<BridgeNetwork>> network = BridgeNetwork::Create(options, control_, ids_);
    EXPECT_TRUE(network.ok()) << network.error().ToString();
    control_.ClearCommands();
    return std::move(network).value();
  }

  FakeNetworkControl control_;
  SequentialIds ids_;
};

TEST_F(BridgeNetworkTest, CreatesAMissingBridgeWithAFixedMacAndTheGatewayAddress) {
  control_.Answer("-o link show dev trainyard0", MakeError(ErrorCode::kUnavailable,
                                                           "Device \"trainyard0\" does not exist."));
  Result<std::unique_ptr<BridgeNetwork>> network = BridgeNetwork::Create({}, control_, ids_);
  ASSERT_TRUE(network.ok()) << network.error().ToString();
  EXPECT_EQ((*network)->gateway(), "10.213.0.1");
  EXPECT_EQ((*network)->bridge(), "trainyard0");
  EXPECT_THAT(control_.commands(),
              ElementsAre("-o link show dev trainyard0 type bridge",
                          "link add name trainyard0 address 02:74:0a:d5:00:01 type bridge",
                          "addr replace 10.213.0.1/16 dev trainyard0", "link set trainyard0 up"));
}

TEST_F(BridgeNetworkTest, AnExistingBridgeIsReused) {
  control_.Answer("-o link show dev br7", std::string("9: br7: <UP> mtu 1500 ... \n"));
  Result<std::unique_ptr<BridgeNetwork>> network =
      BridgeNetwork::Create({.bridge = "br7", .subnet = "192.168.50.0/24"}, control_, ids_);
  ASSERT_TRUE(network.ok()) << network.error().ToString();
  EXPECT_EQ((*network)->gateway(), "192.168.50.1");
  EXPECT_THAT(control_.commands(), ElementsAre("-o link show dev br7 type bridge",
                                               "addr replace 192.168.50.1/24 dev br7", "link set br7 up"));
}

TEST_F(BridgeNetworkTest, ANameTakenByAnotherKindOfInterfaceIsRefused) {
  control_.Answer("-o link show dev eth0", std::string(""));  // exists, but `type bridge` lists nothing
  Result<std::unique_ptr<BridgeNetwork>> network = BridgeNetwork::Create({.bridge = "eth0"}, control_, ids_);
  ASSERT_FALSE(network.ok());
  EXPECT_EQ(network.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_THAT(network.error().message, ::testing::HasSubstr("eth0 exists and is not a bridge"));
  EXPECT_EQ(control_.commands().size(), 1u) << "nothing is changed";
}

TEST_F(BridgeNetworkTest, IpFailingIsUnavailableWithItsMessage) {
  control_.Answer("-o link show", MakeError(ErrorCode::kUnavailable, "RTNETLINK answers: Operation not permitted"));
  Result<std::unique_ptr<BridgeNetwork>> network = BridgeNetwork::Create({}, control_, ids_);
  ASSERT_FALSE(network.ok());
  EXPECT_EQ(network.error().code, ErrorCode::kUnavailable);
  EXPECT_THAT(network.error().message, ::testing::HasSubstr("Operation not permitted"));
}

TEST_F(BridgeNetworkTest, BadOptionsAreRefusedBeforeAnyCommand) {
  for (BridgeNetworkOptions bad : {BridgeNetworkOptions{.bridge = ""}, BridgeNetworkOptions{.bridge = "-br"},
                                   BridgeNetworkOptions{.bridge = "a-bridge-name-16"},
                                   BridgeNetworkOptions{.bridge = "br 0"}, BridgeNetworkOptions{.bridge = "br/0"},
                                   BridgeNetworkOptions{.subnet = "10.213.0.0"},
                                   BridgeNetworkOptions{.subnet = "10.213.0.0/31"}}) {
    Result<std::unique_ptr<BridgeNetwork>> network = BridgeNetwork::Create(bad, control_, ids_);
    ASSERT_FALSE(network.ok()) << bad.bridge << " " << bad.subnet;
    EXPECT_EQ(network.error().code, ErrorCode::kInvalidArgument);
  }
  EXPECT_THAT(control_.commands(), IsEmpty());
}

TEST_F(BridgeNetworkTest, AttachMakesANamespaceOnTheBridge) {
  std::unique_ptr<BridgeNetwork> network = Existing();
  Result<NetworkAttachment> a = network->Attach("job", "algo-1", kTwoHosts);
  ASSERT_TRUE(a.ok()) << a.error().ToString();
  EXPECT_EQ(a->job, "job");
  EXPECT_EQ(a->host, "algo-1");
  EXPECT_EQ(a->netns, "ty-00000001");
  EXPECT_EQ(a->link, "ty00000001");
  EXPECT_EQ(a->address, "10.213.0.2");
  EXPECT_EQ(a->hosts, (Hosts{{"algo-1", "10.213.0.2"}, {"algo-2", "10.213.0.3"}}));
  EXPECT_EQ(NetnsPath(a->netns), "/var/run/netns/ty-00000001");
  EXPECT_THAT(control_.commands(),
              ElementsAre("netns add ty-00000001",
                          "link add ty00000001 type veth peer name eth0 address 02:74:0a:d5:00:02 netns ty-00000001",
                          "link set ty00000001 master trainyard0", "link set ty00000001 up",
                          "-n ty-00000001 addr add 10.213.0.2/16 dev eth0", "-n ty-00000001 link set eth0 up",
                          "-n ty-00000001 link set lo up", "-n ty-00000001 route add default via 10.213.0.1"));
}

TEST_F(BridgeNetworkTest, NamesFitTheKernelsFifteenCharacters) {
  RandomIdGenerator random(7);
  Result<std::unique_ptr<BridgeNetwork>> network = [&] {
    control_.Answer("-o link show", std::string("bridge"));
    return BridgeNetwork::Create({}, control_, random);
  }();
  ASSERT_TRUE(network.ok());
  for (int i = 0; i < 20; ++i) {
    Result<NetworkAttachment> a = (*network)->Attach("job-" + std::to_string(i), "algo-1", {"algo-1"});
    ASSERT_TRUE(a.ok());
    EXPECT_LE(a->link.size(), 15u);
    EXPECT_LE(a->netns.size(), 15u);
    EXPECT_EQ(a->netns, "ty-" + a->link.substr(2)) << "a link and its namespace are found from each other";
  }
}

TEST_F(BridgeNetworkTest, DetachDeletesTheLinkThenTheNamespaceAndFreesTheAddresses) {
  std::unique_ptr<BridgeNetwork> network = Existing();
  NetworkAttachment a = *network->Attach("job", "algo-1", {"algo-1"});
  control_.ClearCommands();
  ASSERT_TRUE(network->Detach(a).ok());
  EXPECT_THAT(control_.commands(), ElementsAre("link del ty00000001", "netns del ty-00000001"));
  EXPECT_THAT(network->AddressesOf("job"), IsEmpty());
  EXPECT_EQ(network->Attach("other", "algo-1", {"algo-1"})->address, "10.213.0.2");
}

TEST_F(BridgeNetworkTest, AReplacementKeepsItsHostsAddressWhileTheJobRuns) {
  std::unique_ptr<BridgeNetwork> network = Existing();
  NetworkAttachment one = *network->Attach("job", "algo-1", kTwoHosts);
  NetworkAttachment two = *network->Attach("job", "algo-2", kTwoHosts);
  NetworkAttachment other = *network->Attach("other", "algo-1", {"algo-1"});
  ASSERT_TRUE(network->Detach(two).ok());  // algo-2 is cut off and killed
  NetworkAttachment replacement = *network->Attach("job", "algo-2", kTwoHosts);
  EXPECT_EQ(replacement.address, two.address);
  EXPECT_EQ(replacement.hosts, one.hosts) << "the healthy instance's hosts file still holds";
  EXPECT_NE(replacement.netns, two.netns);
  EXPECT_NE(replacement.link, two.link);
  EXPECT_EQ(other.address, "10.213.0.4");
  ASSERT_TRUE(network->Detach(one).ok());
  ASSERT_TRUE(network->Detach(replacement).ok());
  EXPECT_THAT(network->AddressesOf("job"), IsEmpty());
  EXPECT_EQ(network->AddressesOf("other"), (Hosts{{"algo-1", "10.213.0.4"}}));
}

TEST_F(BridgeNetworkTest, AFailedStepUndoesWhatAttachMade) {
  std::unique_ptr<BridgeNetwork> network = Existing();
  control_.FailCall(2);  // link set ... master
  Result<NetworkAttachment> a = network->Attach("job", "algo-1", {"algo-1"});
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.error().code, ErrorCode::kUnavailable);
  EXPECT_THAT(a.error().message, ::testing::HasSubstr("attaching job/algo-1"));
  std::vector<std::string> commands = control_.commands();
  ASSERT_EQ(commands.size(), 5u);
  EXPECT_EQ(commands[3], "link del ty00000001");
  EXPECT_EQ(commands[4], "netns del ty-00000001");
  EXPECT_THAT(network->AddressesOf("job"), IsEmpty()) << "the address is free again";
}

TEST_F(BridgeNetworkTest, ANamespaceNameThatIsTakenIsNotDeleted) {
  std::unique_ptr<BridgeNetwork> network = Existing();
  control_.Answer("netns add", MakeError(ErrorCode::kUnavailable, "Cannot create namespace file: File exists"));
  ASSERT_FALSE(network->Attach("job", "algo-1", {"algo-1"}).ok());
  EXPECT_THAT(control_.commands(), ElementsAre("netns add ty-00000001"));
}

TEST_F(BridgeNetworkTest, AVethNameThatIsTakenIsNotDeleted) {
  std::unique_ptr<BridgeNetwork> network = Existing();
  control_.Answer("link add", MakeError(ErrorCode::kUnavailable, "RTNETLINK answers: File exists"));
  ASSERT_FALSE(network->Attach("job", "algo-1", {"algo-1"}).ok());
  EXPECT_THAT(control_.commands(), ElementsAre("netns add ty-00000001", ::testing::StartsWith("link add"),
                                               "netns del ty-00000001"));
}

TEST_F(BridgeNetworkTest, DetachingWhatIsAlreadyGoneIsFine) {
  std::unique_ptr<BridgeNetwork> network = Existing();
  NetworkAttachment a = *network->Attach("job", "algo-1", {"algo-1"});
  control_.Answer("link del", MakeError(ErrorCode::kUnavailable, "Cannot find device \"ty00000001\""));
  control_.Answer("netns del", MakeError(ErrorCode::kUnavailable,
                                         "Cannot remove namespace file \"/run/netns/ty-00000001\": "
                                         "No such file or directory"));
  EXPECT_TRUE(network->Detach(a).ok());
}

TEST_F(BridgeNetworkTest, DetachReportsAFailureButStillFreesTheAddress) {
  std::unique_ptr<BridgeNetwork> network = Existing();
  NetworkAttachment a = *network->Attach("job", "algo-1", {"algo-1"});
  control_.ClearCommands();
  control_.Answer("link del", MakeError(ErrorCode::kUnavailable, "RTNETLINK answers: Operation not permitted"));
  Status detached = network->Detach(a);
  ASSERT_FALSE(detached.ok());
  EXPECT_THAT(detached.error().message, ::testing::HasSubstr("Operation not permitted"));
  EXPECT_THAT(control_.commands(), ElementsAre("link del ty00000001", "netns del ty-00000001"));
  EXPECT_THAT(network->AddressesOf("job"), IsEmpty());
}

TEST_F(BridgeNetworkTest, AfterARestartAdoptedAndLeftoverAddressesAreKept) {
  std::unique_ptr<BridgeNetwork> network = Existing();
  NetworkAttachment alive{"job", "algo-1", "ty-0000aaaa", "ty0000aaaa", "10.213.0.9", {}};
  NetworkAttachment gone{"job", "algo-2", "ty-0000bbbb", "ty0000bbbb", "10.213.0.10", {}};
  ASSERT_TRUE(network->Adopt(alive).ok());
  network->RemoveLeftover(gone);
  EXPECT_THAT(control_.commands(), ElementsAre("link del ty0000bbbb", "netns del ty-0000bbbb"));
  EXPECT_EQ(network->Attach("new", "algo-1", {"algo-1"})->address, "10.213.0.2");
  NetworkAttachment replacement = *network->Attach("job", "algo-2", kTwoHosts);
  EXPECT_EQ(replacement.address, "10.213.0.10");
  EXPECT_EQ(replacement.hosts, (Hosts{{"algo-1", "10.213.0.9"}, {"algo-2", "10.213.0.10"}}));
  NetworkAttachment clash{"new2", "algo-1", "ty-0000cccc", "ty0000cccc", "10.213.0.9", {}};
  EXPECT_EQ(network->Adopt(clash).error().code, ErrorCode::kAlreadyExists);
}

TEST(ReplaceUrlHostTest, KeepsSchemePortAndPath) {
  EXPECT_EQ(ReplaceUrlHost("http://127.0.0.1:8080", "10.213.0.1"), "http://10.213.0.1:8080");
  EXPECT_EQ(ReplaceUrlHost("https://localhost:443/a?b", "10.213.0.1"), "https://10.213.0.1:443/a?b");
  EXPECT_EQ(ReplaceUrlHost("http://[::1]:8080/", "10.213.0.1"), "http://10.213.0.1:8080/");
  EXPECT_EQ(ReplaceUrlHost("http://example.com", "10.213.0.1"), "http://10.213.0.1");
  EXPECT_EQ(ReplaceUrlHost("http://u:p@h:1/x", "10.213.0.1"), "http://u:p@10.213.0.1:1/x");
  EXPECT_EQ(ReplaceUrlHost("127.0.0.1:8080", "10.213.0.1"), "127.0.0.1:8080");
}

}  // namespace
}  // namespace trainyard
