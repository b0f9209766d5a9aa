// LocalBackend with the bridge network on a FakeNetworkControl: what it asks
// of the network when a launch fails, when it adopts an agent after a
// restart, and when it kills one. Creating a bridge backend needs root; the
// tests skip without it (they change nothing on the machine).
#include "backend/local_backend.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "backend/fake_network_control.h"

namespace trainyard {
namespace {

using ::testing::ElementsAre;

// A child process that leads a session of its own, like an agent.
class SessionLeader {
 public:
  SessionLeader() {
    int ready[2];
    if (pipe(ready) != 0) return;
    pid_ = fork();
    if (pid_ == 0) {
      setsid();
      (void)!write(ready[1], "x", 1);
      for (;;) pause();
    }
    close(ready[1]);
    char c;
    (void)!read(ready[0], &c, 1);
    close(ready[0]);
  }
  ~SessionLeader() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
};

class LocalBackendBridgeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "a bridge backend needs root";
    control_.Answer("-o link show", std::string("7: trainyard0: ... bridge\n"));
    LocalBackendOptions options;
    options.agent_binary = "/bin/false";
    options.network = InstanceNetwork::kBridge;
    Result<std::unique_ptr<LocalBackend>> backend = LocalBackend::Create(options, {&control_, &ids_});
    ASSERT_TRUE(backend.ok()) << backend.error().ToString();
    backend_ = std::move(backend).value();
    control_.ClearCommands();
    char dir[] = "/tmp/trainyard-backend-test-XXXXXX";
    ASSERT_TRUE(mkdtemp(dir));
    dir_ = dir;
  }
  void TearDown() override {
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }

  std::string dir_;

  FakeNetworkControl control_;
  RandomIdGenerator ids_{42};
  std::unique_ptr<LocalBackend> backend_;
};

TEST_F(LocalBackendBridgeTest, TheBridgeAddressIsTheGateway) {
  EXPECT_EQ(backend_->bridge_address(), "10.213.0.1");
  EXPECT_TRUE(backend_->isolates());
}

TEST_F(LocalBackendBridgeTest, ALaunchThatFailsAfterAttachingDetachesAgain) {
  // The fake makes no namespace, so the agent's cannot be opened.
  InstanceLaunch launch{"job", "algo-1", {"algo-1"}, "ml.m5.large", dir_, "http://127.0.0.1:1", "t", "i-1"};
  Result<std::unique_ptr<Instance>> instance = backend_->Launch(launch);
  ASSERT_FALSE(instance.ok());
  EXPECT_EQ(instance.error().code, ErrorCode::kUnavailable);
  std::vector<std::string> commands = control_.commands();
  ASSERT_EQ(commands.size(), 10u);
  EXPECT_EQ(commands[0].substr(0, 12), "netns add ty");
  EXPECT_EQ(commands[8].substr(0, 11), "link del ty");
  EXPECT_EQ(commands[9].substr(0, 12), "netns del ty");
}

TEST_F(LocalBackendBridgeTest, AdoptedAgentKeepsItsNetworkUntilKilled) {
  SessionLeader agent;
  ASSERT_GT(agent.pid(), 0);
  std::string description = "pid " + std::to_string(agent.pid()) +
                            " netns ty-0000aaaa link ty0000aaaa address 10.213.0.9 job job";
  std::unique_ptr<Instance> instance = backend_->Adopt(description, "algo-1");
  ASSERT_TRUE(instance);
  EXPECT_EQ(instance->Describe(), description);
  EXPECT_EQ(instance->Address(), "10.213.0.9");
  EXPECT_EQ(instance->NetworkLink(), "ty0000aaaa");
  EXPECT_THAT(control_.commands(), ::testing::IsEmpty()) << "a live agent's network is left alone";
  instance->Kill();
  EXPECT_EQ(instance->Poll(), 128 + SIGKILL);
  EXPECT_THAT(control_.commands(), ElementsAre("link del ty0000aaaa", "netns del ty-0000aaaa"));
  instance->Kill();
  EXPECT_EQ(control_.commands().size(), 2u) << "Kill is idempotent";
}

TEST_F(LocalBackendBridgeTest, AGoneAgentsLeftoversAreRemovedOnAdopt) {
  pid_t gone;
  {
    SessionLeader agent;
    gone = agent.pid();
  }
  EXPECT_FALSE(backend_->Adopt("pid " + std::to_string(gone) +
                                   " netns ty-0000bbbb link ty0000bbbb address 10.213.0.10 job job",
                               "algo-2"));
  EXPECT_THAT(control_.commands(), ElementsAre("link del ty0000bbbb", "netns del ty-0000bbbb"));
}

TEST_F(LocalBackendBridgeTest, TheOldDescriptionFormatIsStillAdopted) {
  SessionLeader agent;
  std::unique_ptr<Instance> instance = backend_->Adopt("pid " + std::to_string(agent.pid()), "algo-1");
  ASSERT_TRUE(instance);
  EXPECT_EQ(instance->Address(), "");
  EXPECT_EQ(instance->NetworkLink(), "");
  instance->Kill();
  EXPECT_THAT(control_.commands(), ::testing::IsEmpty());
}

TEST(LocalBackendTest, BridgeNeedsNamespacesAndItsSeams) {
  FakeNetworkControl control;
  RandomIdGenerator ids(1);
  LocalBackendOptions options;
  options.network = InstanceNetwork::kBridge;
  options.use_namespaces = false;
  Result<std::unique_ptr<LocalBackend>> no_namespaces = LocalBackend::Create(options, {&control, &ids});
  ASSERT_FALSE(no_namespaces.ok());
  EXPECT_EQ(no_namespaces.error().code, ErrorCode::kFailedPrecondition);
  options.use_namespaces = true;
  Result<std::unique_ptr<LocalBackend>> no_seams = LocalBackend::Create(options);
  ASSERT_FALSE(no_seams.ok());
  EXPECT_EQ(no_seams.error().code, ErrorCode::kFailedPrecondition);
  if (geteuid() != 0) {
    EXPECT_THAT(no_seams.error().message, ::testing::HasSubstr("needs root"));
  }
  EXPECT_THAT(control.commands(), ::testing::IsEmpty());
}

TEST(LocalBackendTest, HostNetworkNeedsNothing) {
  Result<std::unique_ptr<LocalBackend>> backend = LocalBackend::Create({});
  ASSERT_TRUE(backend.ok());
  EXPECT_EQ((*backend)->bridge_address(), "");
}

}  // namespace
}  // namespace trainyard
