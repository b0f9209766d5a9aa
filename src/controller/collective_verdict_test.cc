#include "controller/collective_verdict.h"

#include <gtest/gtest.h>

namespace trainyard {
namespace {

struct Peer {
  std::string host;
  bool ok;
  double mbps;  // MB/s
  std::string error;
};

CollectiveResult Check(bool ok, std::vector<Peer> peers, std::string error = "") {
  CollectiveResult r;
  r.ok = ok;
  r.error = ok ? "" : (error.empty() ? "full-mesh allreduce: timed out" : error);
  r.algbw_bytes_per_s = 500e6;
  for (const Peer& p : peers) {
    PeerResult peer;
    peer.rank = p.host.back() - '1';
    peer.host = p.host;
    peer.ok = p.ok;
    peer.error = p.error;
    peer.algbw_bytes_per_s = p.mbps * 1e6;
    r.peers.push_back(peer);
  }
  return r;
}

using Results = std::map<std::string, std::optional<CollectiveResult>>;

std::vector<std::string> FaultyHosts(const CollectiveVerdict& v) {
  std::vector<std::string> hosts;
  for (const FaultyInstance& f : v.faulty) hosts.push_back(f.host);
  return hosts;
}

struct Case {
  std::string name;
  Results results;
  bool passed;
  std::vector<std::string> faulty;
  std::string reason_part;  // found in the first faulty host's reason (or the summary when none)
};

TEST(CollectiveVerdictTest, Table) {
  const Peer ok12{"algo-2", true, 800, ""}, ok21{"algo-1", true, 800, ""};
  const std::vector<Case> cases = {
      {"all pass",
       {{"algo-1", Check(true, {ok12, {"algo-3", true, 700, ""}})},
        {"algo-2", Check(true, {ok21, {"algo-3", true, 750, ""}})},
        {"algo-3", Check(true, {{"algo-1", true, 700, ""}, {"algo-2", true, 750, ""}})}},
       true, {}, "passed on 3 instance(s)"},
      {"a host that never reported",
       {{"algo-1", Check(false, {ok12, {"algo-3", false, 0, "not tested: did not join"}})},
        {"algo-2", Check(false, {ok21, {"algo-3", false, 0, "not tested: did not join"}})},
        {"algo-3", std::nullopt}},
       false, {"algo-3"}, "did not report"},
      {"a host failing with every peer",
       {{"algo-1", Check(false, {ok12, {"algo-3", false, 0, "connect timeout"}})},
        {"algo-2", Check(false, {ok21, {"algo-3", false, 0, "connect timeout"}})},
        {"algo-3", Check(false, {{"algo-1", false, 0, "connect timeout"}, {"algo-2", false, 0, "x"}})}},
       false, {"algo-3"}, "failed or were slow with 2 of its 2 peers"},
      {"a much slower host",
       {{"algo-1", Check(true, {{"algo-2", true, 1000, ""}, {"algo-3", true, 100, ""}})},
        {"algo-2", Check(true, {{"algo-1", true, 1000, ""}, {"algo-3", true, 110, ""}})},
        {"algo-3", Check(true, {{"algo-1", true, 120, ""}, {"algo-2", true, 100, ""}})}},
       false, {"algo-3"}, "slow: 100.0 MB/s, the other pairs' median 1000.0 MB/s"},
      {"slower but within the fraction",
       {{"algo-1", Check(true, {{"algo-2", true, 1000, ""}, {"algo-3", true, 300, ""}})},
        {"algo-2", Check(true, {{"algo-1", true, 1000, ""}, {"algo-3", true, 300, ""}})},
        {"algo-3", Check(true, {{"algo-1", true, 300, ""}, {"algo-2", true, 300, ""}})}},
       true, {}, "passed"},
      {"one side's report of a failed pair is enough",
       {{"algo-1", Check(true, {ok12, {"algo-3", true, 800, ""}})},
        {"algo-2", Check(true, {ok21, {"algo-3", true, 800, ""}})},
        {"algo-3", Check(true, {{"algo-1", false, 0, "wrong sum at element 7"}, {"algo-2", false, 0, "y"}})}},
       false, {"algo-3"}, "wrong sum at element 7"},
      {"a down host among four",
       {{"algo-1", Check(false, {ok12, {"algo-3", true, 800, ""}, {"algo-4", false, 0, "timeout"}})},
        {"algo-2", Check(false, {ok21, {"algo-3", true, 800, ""}, {"algo-4", false, 0, "timeout"}})},
        {"algo-3", Check(false, {{"algo-1", true, 800, ""}, {"algo-2", true, 800, ""}, {"algo-4", false, 0, "t"}})},
        {"algo-4", Check(false, {{"algo-1", false, 0, "t"}, {"algo-2", false, 0, "t"}, {"algo-3", false, 0, "t"}})}},
       false, {"algo-4"}, "3 of its 3 peers"},
      {"one broken link among four: both ends are suspects",
       {{"algo-1", Check(false, {ok12, {"algo-3", true, 800, ""}, {"algo-4", false, 0, "reset"}})},
        {"algo-2", Check(false, {ok21, {"algo-3", true, 800, ""}, {"algo-4", true, 800, ""}})},
        {"algo-3", Check(false, {{"algo-1", true, 800, ""}, {"algo-2", true, 800, ""}, {"algo-4", true, 800, ""}})},
        {"algo-4", Check(false, {{"algo-1", false, 0, "reset"}, {"algo-2", true, 800, ""}, {"algo-3", true, 800, ""}})}},
       false, {"algo-1", "algo-4"}, "while every pair among the other instances passed"},
      {"two hosts and a failure: neither can be singled out",
       {{"algo-1", Check(false, {{"algo-2", false, 0, "connect timeout"}})},
        {"algo-2", Check(false, {{"algo-1", false, 0, "connect timeout"}})}},
       false, {"algo-1", "algo-2"}, "with two instances neither can be singled out"},
      {"two hosts, one silent",
       {{"algo-1", Check(false, {{"algo-2", false, 0, "not tested"}})}, {"algo-2", std::nullopt}},
       false, {"algo-2"}, "did not report"},
      {"two hosts, one failed its own check while the pair passed",
       {{"algo-1", Check(false, {ok12}, "cannot open a Gloo TCP device")}, {"algo-2", Check(true, {ok21})}},
       false, {"algo-1"}, "cannot open a Gloo TCP device"},
      {"two of four silent: the failure of the two others is explained",
       {{"algo-1", Check(false, {ok12})}, {"algo-2", Check(false, {ok21})},
        {"algo-3", std::nullopt}, {"algo-4", std::nullopt}},
       false, {"algo-3", "algo-4"}, "did not report"},
      {"mesh failed everywhere but every pair passed",
       {{"algo-1", Check(false, {ok12, {"algo-3", true, 800, ""}})},
        {"algo-2", Check(false, {ok21, {"algo-3", true, 800, ""}})},
        {"algo-3", Check(false, {{"algo-1", true, 800, ""}, {"algo-2", true, 800, ""}})}},
       false, {}, "not attributable to one instance"},
      {"a single instance that passed", {{"algo-1", Check(true, {})}}, true, {}, "passed on 1"},
      {"a single instance that failed", {{"algo-1", Check(false, {}, "bind failed")}}, false,
       {"algo-1"}, "bind failed"},
      {"nothing reported by one instance alone", {{"algo-1", std::nullopt}}, false, {"algo-1"},
       "did not report"},
  };
  for (const Case& c : cases) {
    CollectiveVerdict v = JudgeCollectiveCheck(c.results);
    EXPECT_EQ(v.passed, c.passed) << c.name << ": " << v.summary;
    EXPECT_EQ(FaultyHosts(v), c.faulty) << c.name << ": " << v.summary;
    std::string text = v.faulty.empty() ? v.summary : v.faulty[0].reason;
    EXPECT_NE(text.find(c.reason_part), std::string::npos) << c.name << ": " << text;
    if (!v.faulty.empty()) {
      EXPECT_NE(v.summary.find("faulty: " + c.faulty[0]), std::string::npos) << c.name << ": " << v.summary;
    }
  }
}

TEST(CollectiveVerdictTest, SlowFractionIsAnOption) {
  Results results = {
      {"algo-1", Check(true, {{"algo-2", true, 1000, ""}, {"algo-3", true, 300, ""}})},
      {"algo-2", Check(true, {{"algo-1", true, 1000, ""}, {"algo-3", true, 300, ""}})},
      {"algo-3", Check(true, {{"algo-1", true, 300, ""}, {"algo-2", true, 300, ""}})}};
  EXPECT_TRUE(JudgeCollectiveCheck(results).passed);
  CollectiveVerdict strict = JudgeCollectiveCheck(results, {.slow_fraction = 0.5});
  EXPECT_FALSE(strict.passed);
  EXPECT_EQ(FaultyHosts(strict), std::vector<std::string>{"algo-3"});
}

// A result whose peers carry ranks only: {rank, ok} each.
CollectiveResult ByRank(std::vector<std::pair<int, bool>> peers) {
  CollectiveResult r;
  r.error = "full-mesh allreduce: timed out";
  for (auto [rank, ok] : peers) {
    PeerResult p;
    p.rank = rank;
    p.ok = ok;
    p.algbw_bytes_per_s = ok ? 1e9 : 0;
    r.peers.push_back(p);
  }
  return r;
}

TEST(CollectiveVerdictTest, PeersWithoutHostNamesAreMatchedByRank) {
  Results results = {{"algo-1", ByRank({{1, true}, {2, false}})},
                     {"algo-2", ByRank({{0, true}, {2, false}})},
                     {"algo-3", ByRank({{0, false}, {1, false}})}};
  EXPECT_EQ(FaultyHosts(JudgeCollectiveCheck(results)), std::vector<std::string>{"algo-3"});
}

TEST(CollectiveVerdictTest, NoInstancesIsNotAPass) {
  CollectiveVerdict v = JudgeCollectiveCheck({});
  EXPECT_FALSE(v.passed);
  EXPECT_TRUE(v.faulty.empty());
}

}  // namespace
}  // namespace trainyard
