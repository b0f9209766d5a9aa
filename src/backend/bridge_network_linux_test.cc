// BridgeNetwork on the real `ip` (root only): a bridge and two namespaces
// with a bridge name and subnet of their own, TCP between them, one link cut
// and restored, a replacement on the same address, and nothing left behind.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <thread>

#include <gtest/gtest.h>

#include "backend/bridge_network.h"
#include "backend/ip_network_control.h"

namespace trainyard {
namespace {

// A TCP socket of `netns` ("" for this process's own network): made on a
// thread that entered the namespace; the socket stays in it for good.
int SocketIn(const std::string& netns) {
  int fd = -1;
  std::thread maker([&] {
    if (!netns.empty()) {
      int ns = open(NetnsPath(netns).c_str(), O_RDONLY | O_CLOEXEC);
      if (ns < 0) return;
      int entered = setns(ns, CLONE_NEWNET);
      close(ns);
      if (entered != 0) return;
    }
    fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  });
  maker.join();
  return fd;
}

sockaddr_in Endpoint(const std::string& address, int port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  inet_pton(AF_INET, address.c_str(), &addr.sin_addr);
  return addr;
}

// A listener of `netns` on address:<any port>; returns {fd, port}.
std::pair<int, int> ListenIn(const std::string& netns, const std::string& address) {
  int fd = SocketIn(netns);
  sockaddr_in addr = Endpoint(address, 0);
  socklen_t len = sizeof addr;
  if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || listen(fd, 8) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    if (fd >= 0) close(fd);
    return {-1, 0};
  }
  return {fd, ntohs(addr.sin_port)};
}

// Whether a connection from `netns` to address:port is made within `ms`.
bool ConnectsWithin(const std::string& netns, const std::string& address, int port, int ms) {
  int fd = SocketIn(netns);
  if (fd < 0) return false;
  fcntl(fd, F_SETFL, O_NONBLOCK);
  sockaddr_in addr = Endpoint(address, port);
  bool connected = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  if (!connected && errno == EINPROGRESS) {
    pollfd p{fd, POLLOUT, 0};
    int error = 0;
    socklen_t len = sizeof error;
    connected = poll(&p, 1, ms) == 1 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &len) == 0 && error == 0;
  }
  close(fd);
  return connected;
}

class RealBridgeNetworkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "needs root";
    Result<std::unique_ptr<IpNetworkControl>> control = IpNetworkControl::Create();
    if (!control.ok()) GTEST_SKIP() << control.error().message;
    control_ = std::move(control).value();
    std::string id = ids_.NewHex(3);
    options_.bridge = "tyt" + id;
    options_.subnet = "10.250." + std::to_string(std::stoi(id.substr(0, 2), nullptr, 16)) + ".0/24";
    Result<std::unique_ptr<BridgeNetwork>> network = BridgeNetwork::Create(options_, *control_, ids_);
    bridge_made_ = true;
    ASSERT_TRUE(network.ok()) << network.error().ToString();
    network_ = std::move(network).value();
  }

  // Whatever a failed test left: every namespace and link it made, the bridge.
  void TearDown() override {
    if (!control_) return;
    for (const NetworkAttachment& a : made_) {
      (void)control_->Ip({"link", "del", a.link});
      (void)control_->Ip({"netns", "del", a.netns});
    }
    if (bridge_made_) (void)control_->Ip({"link", "del", options_.bridge});
  }

  NetworkAttachment Attach(const std::string& host) {
    Result<NetworkAttachment> a = network_->Attach("job", host, {"algo-1", "algo-2"});
    EXPECT_TRUE(a.ok()) << a.error().ToString();
    if (!a.ok()) return {};
    made_.push_back(*a);
    return *a;
  }

  bool Exists(const NetworkAttachment& a) {
    return std::filesystem::exists(NetnsPath(a.netns)) || control_->Ip({"link", "show", "dev", a.link}).ok();
  }

  RandomIdGenerator ids_;
  BridgeNetworkOptions options_;
  std::unique_ptr<IpNetworkControl> control_;
  std::unique_ptr<BridgeNetwork> network_;
  std::vector<NetworkAttachment> made_;
  bool bridge_made_ = false;
};

TEST_F(RealBridgeNetworkTest, InstancesTalkUntilOneIsCutOffAndAReplacementTakesItsPlace) {
  // Creating it again finds the bridge as it is.
  ASSERT_TRUE(BridgeNetwork::Create(options_, *control_, ids_).ok());
  NetworkAttachment one = Attach("algo-1");
  NetworkAttachment two = Attach("algo-2");
  ASSERT_FALSE(HasFailure());
  EXPECT_NE(one.address, two.address);

  auto [listener, port] = ListenIn(two.netns, two.address);
  ASSERT_GE(listener, 0);
  auto [server, server_port] = ListenIn("", network_->gateway());  // where agents find the server
  ASSERT_GE(server, 0);
  EXPECT_TRUE(ConnectsWithin(one.netns, two.address, port, 3000)) << "algo-1 -> algo-2";
  EXPECT_TRUE(ConnectsWithin(two.netns, network_->gateway(), server_port, 3000)) << "algo-2 -> server";
  EXPECT_FALSE(ConnectsWithin(one.netns, "127.0.0.1", port, 500)) << "loopback is each instance's own";

  ASSERT_TRUE(control_->Ip({"link", "set", two.link, "down"}).ok());
  EXPECT_FALSE(ConnectsWithin(one.netns, two.address, port, 1000)) << "algo-2 is cut off";
  EXPECT_FALSE(ConnectsWithin(two.netns, network_->gateway(), server_port, 1000)) << "from the server too";
  EXPECT_TRUE(ConnectsWithin(one.netns, network_->gateway(), server_port, 3000)) << "algo-1 is not";

  ASSERT_TRUE(control_->Ip({"link", "set", two.link, "up"}).ok());
  EXPECT_TRUE(ConnectsWithin(one.netns, two.address, port, 5000)) << "reconnected";
  close(listener);

  ASSERT_TRUE(network_->Detach(two).ok());
  EXPECT_FALSE(Exists(two));
  NetworkAttachment replacement = Attach("algo-2");
  EXPECT_EQ(replacement.address, two.address);
  auto [listener2, port2] = ListenIn(replacement.netns, replacement.address);
  ASSERT_GE(listener2, 0);
  EXPECT_TRUE(ConnectsWithin(one.netns, replacement.address, port2, 3000)) << "algo-1 -> new algo-2";
  close(listener2);
  close(server);

  ASSERT_TRUE(network_->Detach(one).ok());
  ASSERT_TRUE(network_->Detach(replacement).ok());
  for (const NetworkAttachment& a : made_) EXPECT_FALSE(Exists(a)) << a.netns;
  EXPECT_TRUE(network_->AddressesOf("job").empty());
}

}  // namespace
}  // namespace trainyard
