#include "collective/gloo_store.h"

#include <gloo/common/error.h>
#include <gtest/gtest.h>

#include <functional>

#include "collective/fake_rendezvous_client.h"

namespace trainyard {
namespace {

// Advances the fake clock instead of sleeping, and records each wait.
class ClockSleeper : public Sleeper {
 public:
  explicit ClockSleeper(FakeClock& clock) : clock_(clock) {}
  void SleepFor(std::chrono::milliseconds d) override {
    sleeps.push_back(d.count());
    clock_.AdvanceMs(d.count());
    if (on_sleep) on_sleep(static_cast<int>(sleeps.size()));
  }
  std::vector<int64_t> sleeps;
  std::function<void(int)> on_sleep;

 private:
  FakeClock& clock_;
};

class ServerGlooStoreTest : public ::testing::Test {
 protected:
  ServerGlooStore Store(std::chrono::milliseconds timeout = std::chrono::milliseconds(200)) {
    return ServerGlooStore(client_, {.prefix = "attempt-1/preflight/mesh", .timeout = timeout}, clock_,
                           sleeper_);
  }
  static std::vector<char> Bytes(const std::string& s) { return {s.begin(), s.end()}; }

  FakeRendezvousClient client_;
  FakeClock clock_;
  ClockSleeper sleeper_{clock_};
};

TEST(JoinRendezvousKeyTest, JoinsWithOneSlash) {
  EXPECT_EQ(JoinRendezvousKey("attempt-1/preflight", "mesh"), "attempt-1/preflight/mesh");
  EXPECT_EQ(JoinRendezvousKey("attempt-1/", "mesh"), "attempt-1/mesh");
  EXPECT_EQ(JoinRendezvousKey("", "mesh"), "mesh");
}

TEST_F(ServerGlooStoreTest, SetThenGetUnderThePrefix) {
  ServerGlooStore store = Store();
  const std::string bytes("\0addr\xff", 6);
  store.set("0", Bytes(bytes));
  EXPECT_EQ(client_.Get("attempt-1/preflight/mesh/0").value(), bytes);
  EXPECT_EQ(store.get("0"), Bytes(bytes));
  EXPECT_TRUE(sleeper_.sleeps.empty()) << "a key already set is not waited for";
}

TEST_F(ServerGlooStoreTest, GetPollsWithDoublingBackoffUntilTheKeyIsSet) {
  ServerGlooStore store = Store();
  sleeper_.on_sleep = [&](int n) {
    if (n == 8) {
      ASSERT_TRUE(client_.Set("attempt-1/preflight/mesh/1", "late").ok());
    }
  };
  EXPECT_EQ(store.get("1"), Bytes("late"));
  EXPECT_EQ(sleeper_.sleeps, (std::vector<int64_t>{1, 2, 4, 8, 16, 32, 50, 50}));
}

TEST_F(ServerGlooStoreTest, GetGivesUpAtTheDeadlineWithAGlooIoException) {
  ServerGlooStore store = Store(std::chrono::milliseconds(200));
  try {
    store.get("2");
    FAIL() << "no exception";
  } catch (const gloo::IoException& e) {
    EXPECT_NE(std::string(e.what()).find("timed out after 200 ms waiting for attempt-1/preflight/mesh/2"),
              std::string::npos)
        << e.what();
  }
  EXPECT_EQ(clock_.MonotonicMs() - FakeClock().MonotonicMs(), 200) << "not a millisecond more";
}

TEST_F(ServerGlooStoreTest, WaitCoversEveryKeyWithinOneDeadline) {
  ServerGlooStore store = Store(std::chrono::milliseconds(10'000));
  ASSERT_TRUE(client_.Set("attempt-1/preflight/mesh/a", "1").ok());
  sleeper_.on_sleep = [&](int n) {
    if (n == 3) {
      ASSERT_TRUE(client_.Set("attempt-1/preflight/mesh/b", "2").ok());
    }
  };
  store.wait({"a", "b"}, std::chrono::milliseconds(100));
  EXPECT_EQ(sleeper_.sleeps.size(), 3u);
  sleeper_.on_sleep = nullptr;
  int64_t start = clock_.MonotonicMs();
  EXPECT_THROW(store.wait({"a", "c"}, std::chrono::milliseconds(100)), gloo::IoException);
  EXPECT_EQ(clock_.MonotonicMs() - start, 100);
}

TEST_F(ServerGlooStoreTest, WaitWithoutATimeoutUsesTheStoresNeverForever) {
  ServerGlooStore store = Store(std::chrono::milliseconds(300));
  int64_t start = clock_.MonotonicMs();
  EXPECT_THROW(store.wait({"never"}, gloo::kNoTimeout), gloo::IoException);
  EXPECT_EQ(clock_.MonotonicMs() - start, 300);
  start = clock_.MonotonicMs();
  EXPECT_THROW(store.wait({"never"}), gloo::IoException);
  EXPECT_EQ(clock_.MonotonicMs() - start, 300);
}

TEST_F(ServerGlooStoreTest, AnUnavailableServerIsRetriedUntilTheDeadline) {
  ServerGlooStore store = Store(std::chrono::milliseconds(500));
  client_.set_unavailable(true);
  sleeper_.on_sleep = [&](int n) {
    if (n == 5) client_.set_unavailable(false);
  };
  store.set("0", Bytes("x"));  // succeeds once the server is back
  EXPECT_EQ(client_.Get("attempt-1/preflight/mesh/0").value(), "x");

  client_.set_unavailable(true);
  sleeper_.on_sleep = nullptr;
  try {
    store.get("0");
    FAIL() << "no exception";
  } catch (const gloo::IoException& e) {
    EXPECT_NE(std::string(e.what()).find("server down"), std::string::npos) << e.what();
  }
  EXPECT_THROW(store.set("1", Bytes("y")), gloo::IoException);
}

// A client whose server refuses everything (e.g. a key of another attempt).
class RefusingClient : public RendezvousClient {
 public:
  Status Set(const std::string&, const std::string&) override {
    return MakeError(ErrorCode::kInvalidArgument, "not your attempt");
  }
  Result<std::optional<std::string>> Get(const std::string&) override {
    return MakeError(ErrorCode::kFailedPrecondition, "job is over");
  }
};

TEST_F(ServerGlooStoreTest, ARefusalIsNotRetried) {
  RefusingClient refusing;
  ServerGlooStore store(refusing, {.prefix = "p", .timeout = std::chrono::milliseconds(1000)}, clock_,
                        sleeper_);
  EXPECT_THROW(store.set("0", Bytes("x")), gloo::IoException);
  EXPECT_THROW(store.get("0"), gloo::IoException);
  EXPECT_TRUE(sleeper_.sleeps.empty());
}

}  // namespace
}  // namespace trainyard
