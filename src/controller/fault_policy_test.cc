// Table tests of the fault policy: events in, decision and plan out.
#include "controller/fault_policy.h"

#include <gtest/gtest.h>
#include <signal.h>

namespace trainyard {
namespace {

using Kind = FaultKind;
using Decision = FaultDecision;
using Hosts = std::vector<std::string>;

FaultEvent Exit(std::string host, int64_t at, int code, std::string detail = "") {
  return {Kind::kProcessExited, std::move(host), at, code, std::nullopt, std::move(detail)};
}
FaultEvent Signal(std::string host, int64_t at, int signal) {
  return {Kind::kProcessExited, std::move(host), at, std::nullopt, signal, ""};
}
FaultEvent Event(Kind kind, std::string host, int64_t at, std::string detail = "") {
  return {kind, std::move(host), at, std::nullopt, std::nullopt, std::move(detail)};
}

// Two instances, both heard from at `heard` (monotonic ms).
FaultPicture Picture(std::vector<FaultEvent> events, int64_t heard = 10'000, int restarts = 0) {
  FaultPicture p;
  p.events = std::move(events);
  p.hosts = {{"algo-1", {heard, false}}, {"algo-2", {heard, false}}};
  p.restarts_so_far = restarts;
  p.now_ms = heard;
  return p;
}

struct Case {
  const char* name;
  FaultPicture picture;
  Decision decision;
  std::string root_host;
  Hosts replace;
  Hosts related;
};

TEST(FaultPolicyTest, Table) {
  const Case cases[] = {
      {"nothing happened", Picture({}), Decision::kNone, "", {}, {}},
      {"a non-zero exit, everyone heard since: the user's error",
       Picture({Exit("algo-1", 1000, 3, "bad data")}), Decision::kUserError, "algo-1", {}, {}},
      {"a non-zero exit, a peer not heard since: wait",
       [] {
         FaultPicture p = Picture({Exit("algo-1", 1000, 3)});
         p.hosts["algo-2"].last_heard_ms = 900;
         return p;
       }(),
       Decision::kWait, "algo-1", {}, {}},
      {"a non-zero exit, heard only within the settle time: wait",
       Picture({Exit("algo-1", 1000, 3)}, 1200), Decision::kWait, "algo-1", {}, {}},
      {"a non-zero exit whose own post-exit checks are pending: wait",
       [] {
         FaultPicture p = Picture({Exit("algo-1", 1000, 1)});
         p.hosts["algo-1"].checks_pending = true;
         return p;
       }(),
       Decision::kWait, "algo-1", {}, {}},
      {"SIGKILL of a training process: platform, restart in place",
       Picture({Signal("algo-2", 1000, SIGKILL)}), Decision::kRestart, "algo-2", {}, {}},
      {"SIGSEGV is the program's own doing",
       Picture({Signal("algo-2", 1000, SIGSEGV)}), Decision::kUserError, "algo-2", {}, {}},
      {"peer's exit 1 reported before the SIGKILL that caused it: one restart, related",
       Picture({Exit("algo-1", 1000, 1), Signal("algo-2", 1004, SIGKILL)}), Decision::kRestart, "algo-2", {},
       {"algo-1"}},
      {"agent died, then the peer's connection reset: replace the dead one",
       Picture({Event(Kind::kAgentDied, "algo-2", 1000), Exit("algo-1", 1100, 1)}), Decision::kRestart, "algo-2",
       {"algo-2"}, {"algo-1"}},
      {"a host cut off is noticed seconds after the peer failed: still one fault",
       Picture({Exit("algo-1", 1000, 1), Event(Kind::kHeartbeatLost, "algo-2", 3500, "no heartbeat for 3000 ms")}),
       Decision::kRestart, "algo-2", {"algo-2"}, {"algo-1"}},
      {"a user's exit long before a platform fault stays the user's",
       Picture({Exit("algo-1", 1000, 2), Event(Kind::kAgentDied, "algo-2", 30'000)}), Decision::kUserError,
       "algo-1", {}, {}},
      {"failed health check: replace that instance",
       Picture({Event(Kind::kHealthCheckFailed, "algo-1", 500, "check.sh exited 1: disk")}), Decision::kRestart,
       "algo-1", {"algo-1"}, {}},
      {"collective check singles out two instances: both replaced",
       Picture({Event(Kind::kCollectiveCheckFailed, "algo-1", 500), Event(Kind::kCollectiveCheckFailed, "algo-2", 500)}),
       Decision::kRestart, "algo-1", {"algo-1", "algo-2"}, {}},
      {"agent never registered: replaced",
       Picture({Event(Kind::kNeverRegistered, "algo-2", 60'000)}), Decision::kRestart, "algo-2", {"algo-2"}, {}},
      {"a hang restarts everything in place", Picture({Event(Kind::kHang, "", 9000)}), Decision::kRestart, "", {},
       {}},
      {"past the restart limit: give up",
       Picture({Event(Kind::kAgentDied, "algo-2", 1000)}, 10'000, 10), Decision::kGiveUp, "algo-2", {"algo-2"}, {}},
      {"just under the restart limit: restart",
       Picture({Event(Kind::kAgentDied, "algo-2", 1000)}, 10'000, 9), Decision::kRestart, "algo-2", {"algo-2"}, {}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    FaultPlan plan = DecideFault(c.picture);
    EXPECT_EQ(plan.decision, c.decision) << ToString(plan.decision) << ": " << plan.cause;
    if (c.decision == Decision::kNone) {
      EXPECT_FALSE(plan.root.has_value());
      continue;
    }
    ASSERT_TRUE(plan.root.has_value());
    EXPECT_EQ(plan.root->host, c.root_host);
    EXPECT_EQ(plan.replace, c.replace);
    EXPECT_EQ(plan.related, c.related);
    EXPECT_FALSE(plan.cause.empty());
  }
}

TEST(FaultPolicyTest, UserFailureCarriesTheFailureFileOrTheExitStatus) {
  EXPECT_EQ(DecideFault(Picture({Exit("algo-1", 1000, 3, "ValueError: bad rows")})).failure, "ValueError: bad rows");
  EXPECT_EQ(DecideFault(Picture({Exit("algo-2", 1000, 3)})).failure, ", exit code: 3 (on algo-2)");
}

TEST(FaultPolicyTest, CauseNamesTheRootAndGivingUpSaysHowOften) {
  FaultPlan plan = DecideFault(Picture({Event(Kind::kHeartbeatLost, "algo-2", 1000, "no heartbeat for 3012 ms")}));
  EXPECT_EQ(plan.cause, "algo-2 stopped reporting: no heartbeat for 3012 ms");
  plan = DecideFault(Picture({Signal("algo-1", 1000, SIGKILL)}, 10'000, 3), {.max_restarts = 3});
  EXPECT_EQ(plan.decision, Decision::kGiveUp);
  EXPECT_NE(plan.failure.find("gave up after 3 automatic restarts"), std::string::npos) << plan.failure;
  EXPECT_NE(plan.failure.find("killed by SIGKILL"), std::string::npos) << plan.failure;
}

TEST(FaultPolicyTest, APreflightFailureWaitsForEveryPreflightAndGivesUpWhenAllFailAlike) {
  const std::string gpu = "preflight gpu: ml.p3.2xlarge promises 1 GPU; this host has none";
  FaultPicture p = Picture({Event(Kind::kHealthCheckFailed, "algo-1", 500, gpu)});
  p.hosts["algo-2"].preflight_pending = true;
  EXPECT_EQ(DecideFault(p).decision, Decision::kWait);

  p.hosts["algo-2"].preflight_pending = false;
  p.events.push_back(Event(Kind::kHealthCheckFailed, "algo-2", 520, gpu));
  FaultPlan plan = DecideFault(p);
  EXPECT_EQ(plan.decision, Decision::kGiveUp);
  EXPECT_EQ(plan.failure, "every instance failed the same " + gpu + " (replacing instances cannot help)");

  p.events.pop_back();  // algo-2 passed: only algo-1 is replaced
  plan = DecideFault(p);
  EXPECT_EQ(plan.decision, Decision::kRestart);
  EXPECT_EQ(plan.replace, Hosts{"algo-1"});
}

TEST(FaultPolicyTest, CorrelationWindowIsConfigurable) {
  FaultPicture p = Picture({Exit("algo-1", 1000, 1), Event(Kind::kAgentDied, "algo-2", 4000)});
  EXPECT_EQ(DecideFault(p, {.correlation_window_ms = 5000}).decision, Decision::kRestart);
  EXPECT_EQ(DecideFault(p, {.correlation_window_ms = 1000}).decision, Decision::kUserError);
}

}  // namespace
}  // namespace trainyard
