// Real Gloo over TCP on 127.0.0.1: each rank runs on a thread of this
// process and they meet in one FakeRendezvousClient.
#include "collective/collective_check.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <thread>

#include "collective/fake_rendezvous_client.h"

namespace trainyard {
namespace {

using std::chrono::milliseconds;

const std::vector<std::string> kHosts = {"algo-1", "algo-2", "algo-3", "algo-4"};

CollectiveCheckOptions Options(int rank, int size, int64_t bytes = 1 << 20) {
  CollectiveCheckOptions o;
  o.rank = rank;
  o.size = size;
  o.hosts.assign(kHosts.begin(), kHosts.begin() + size);
  o.prefix = "attempt-1/preflight";
  o.bytes = bytes;
  o.pair_bytes = 256 << 10;
  o.iterations = 2;
  o.timeout = milliseconds(5000);
  return o;
}

// Runs the given ranks' checks concurrently; results by rank.
std::vector<Result<CollectiveResult>> RunRanks(RendezvousClient& client,
                                               const std::vector<CollectiveCheckOptions>& options) {
  std::vector<Result<CollectiveResult>> results(
      options.size(), Result<CollectiveResult>(MakeError(ErrorCode::kInternal, "did not run")));
  std::vector<std::thread> threads;
  for (size_t i = 0; i < options.size(); ++i) {
    threads.emplace_back([&, i] { results[i] = RunGlooCollectiveCheck(client, options[i]); });
  }
  for (std::thread& t : threads) t.join();
  return results;
}

void ExpectHealthy(const Result<CollectiveResult>& r, int size) {
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_TRUE(r->ok) << r->error;
  EXPECT_EQ(r->size, size);
  EXPECT_GT(r->seconds, 0);
  EXPECT_GT(r->algbw_bytes_per_s, 0);
  ASSERT_EQ(r->peers.size(), static_cast<size_t>(size - 1));
  for (const PeerResult& p : r->peers) {
    EXPECT_TRUE(p.ok) << "rank " << r->rank << " with " << p.rank << ": " << p.error;
    EXPECT_NE(p.rank, r->rank);
    EXPECT_EQ(p.host, kHosts[p.rank]);
    EXPECT_GT(p.algbw_bytes_per_s, 0);
    EXPECT_EQ(p.bytes, 256 << 10);
  }
  EXPECT_EQ(r->nccl.rfind("skipped: ", 0), 0u) << r->nccl;
}

TEST(GlooCollectiveCheckTest, TwoRanksSixteenMebibytes) {
  FakeRendezvousClient client;
  auto results = RunRanks(client, {Options(0, 2, 16 << 20), Options(1, 2, 16 << 20)});
  for (const auto& r : results) ExpectHealthy(r, 2);
  EXPECT_EQ(results[0]->bytes, 16 << 20);
  EXPECT_EQ(results[0]->iterations, 2);
  std::printf("16 MiB allreduce, 2 ranks on 127.0.0.1: %.4f s per iteration, %.0f MB/s algbw; "
              "pair (256 KiB): %.0f MB/s\n",
              results[0]->seconds, results[0]->algbw_bytes_per_s / 1e6,
              results[0]->peers[0].algbw_bytes_per_s / 1e6);
}

TEST(GlooCollectiveCheckTest, ThreeRanksCheckEveryPair) {
  FakeRendezvousClient client;
  auto results = RunRanks(client, {Options(0, 3), Options(1, 3), Options(2, 3)});
  for (const auto& r : results) ExpectHealthy(r, 3);
  EXPECT_EQ(results[1]->peers[0].rank, 0);
  EXPECT_EQ(results[1]->peers[1].rank, 2);
}

TEST(GlooCollectiveCheckTest, FourRanksTestEveryPairOverTheMeshWithoutAnotherRendezvous) {
  FakeRendezvousClient client;
  auto results = RunRanks(client, {Options(0, 4), Options(1, 4), Options(2, 4), Options(3, 4)});
  for (const auto& r : results) ExpectHealthy(r, 4);
  EXPECT_GT(client.keys_below("attempt-1/preflight/mesh/"), 0u);
  EXPECT_EQ(client.keys_below("attempt-1/preflight/pair-"), 0u)
      << "the pairs of a healthy mesh exchange over its connections: no rendezvous of their own";
}

TEST(GlooCollectiveCheckTest, OnOneLoopbackAHealthyMeshSkipsThePairs) {
  FakeRendezvousClient client;
  std::vector<CollectiveCheckOptions> options = {Options(0, 3), Options(1, 3), Options(2, 3)};
  for (auto& o : options) o.pairwise_after_healthy_mesh = false;
  for (const auto& r : RunRanks(client, options)) {
    ASSERT_TRUE(r.ok()) << r.error().ToString();
    EXPECT_TRUE(r->ok) << r->error;
    EXPECT_GT(r->algbw_bytes_per_s, 0);
    EXPECT_TRUE(r->peers.empty());
  }
}

TEST(GlooCollectiveCheckTest, OnOneLoopbackAFailedMeshStillTestsThePairsToLocateTheFault) {
  FakeRendezvousClient client;
  std::vector<CollectiveCheckOptions> present = {Options(0, 3), Options(1, 3)};
  for (auto& o : present) {
    o.timeout = milliseconds(1000);
    o.pairwise_after_healthy_mesh = false;
  }
  for (const auto& r : RunRanks(client, present)) {  // rank 2 never runs
    ASSERT_TRUE(r.ok()) << r.error().ToString();
    EXPECT_FALSE(r->ok);
    ASSERT_EQ(r->peers.size(), 2u);
    const PeerResult& other_present = r->peers[0].rank == 2 ? r->peers[1] : r->peers[0];
    EXPECT_TRUE(other_present.ok) << other_present.error;
  }
}

TEST(GlooCollectiveCheckTest, ASingleRankPassesAlone) {
  FakeRendezvousClient client;
  Result<CollectiveResult> r = RunGlooCollectiveCheck(client, Options(0, 1));
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_TRUE(r->ok) << r->error;
  EXPECT_TRUE(r->peers.empty());
}

TEST(GlooCollectiveCheckTest, ARankThatNeverShowsUpFailsTheOthersWithinTheTimeout) {
  FakeRendezvousClient client;
  std::vector<CollectiveCheckOptions> present = {Options(0, 3), Options(1, 3)};
  for (auto& o : present) o.timeout = milliseconds(1000);
  auto start = std::chrono::steady_clock::now();
  auto results = RunRanks(client, present);  // rank 2 (algo-3) never runs
  double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_LT(elapsed, 2.5) << "the pairwise tests must not wait for the absent rank again";
  for (const auto& r : results) {
    ASSERT_TRUE(r.ok()) << r.error().ToString();
    EXPECT_FALSE(r->ok);
    EXPECT_NE(r->error.find("rank 2 (algo-3) did not join the rendezvous within 1000 ms"),
              std::string::npos)
        << r->error;
    ASSERT_EQ(r->peers.size(), 2u);
    const PeerResult& other_present = r->peers[0].rank == 2 ? r->peers[1] : r->peers[0];
    const PeerResult& absent = r->peers[0].rank == 2 ? r->peers[0] : r->peers[1];
    EXPECT_TRUE(other_present.ok) << other_present.error;
    EXPECT_FALSE(absent.ok);
    EXPECT_NE(absent.error.find("not tested"), std::string::npos) << absent.error;
  }
}

TEST(GlooCollectiveCheckTest, AnUnreachableRendezvousIsAFailedCheckNotAHang) {
  FakeRendezvousClient client;
  client.set_unavailable(true);
  CollectiveCheckOptions o = Options(0, 2);
  o.timeout = milliseconds(300);
  auto start = std::chrono::steady_clock::now();
  Result<CollectiveResult> r = RunGlooCollectiveCheck(client, o);
  double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_FALSE(r->ok);
  EXPECT_NE(r->error.find("rendezvous"), std::string::npos) << r->error;
  EXPECT_NE(r->error.find("server down"), std::string::npos) << r->error;
  ASSERT_EQ(r->peers.size(), 1u);
  EXPECT_FALSE(r->peers[0].ok);
  EXPECT_LT(elapsed, 1.5) << "mesh and one pair, 300 ms each";
}

TEST(GlooCollectiveCheckTest, AnAddressNotOnThisHostIsAFailedCheck) {
  FakeRendezvousClient client;
  CollectiveCheckOptions o = Options(0, 2);
  o.hostname = "192.0.2.1";
  Result<CollectiveResult> r = RunGlooCollectiveCheck(client, o);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_FALSE(r->ok);
  EXPECT_NE(r->error.find("192.0.2.1"), std::string::npos) << r->error;
  ASSERT_EQ(r->peers.size(), 1u);
  EXPECT_FALSE(r->peers[0].ok);
}

TEST(GlooCollectiveCheckTest, NonsenseOptionsAreInvalidArguments) {
  FakeRendezvousClient client;
  std::vector<CollectiveCheckOptions> bad(8, Options(0, 2));
  bad[0].rank = 2;
  bad[1].size = 0;
  bad[2].bytes = 3;
  bad[3].iterations = 0;
  bad[4].timeout = milliseconds(0);
  bad[5].prefix = "";
  bad[6].hosts = {"algo-1"};
  bad[7].pair_bytes = -1;
  for (size_t i = 0; i < bad.size(); ++i) {
    Result<CollectiveResult> r = RunGlooCollectiveCheck(client, bad[i]);
    ASSERT_FALSE(r.ok()) << i;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument) << i;
  }
  EXPECT_EQ(client.calls(), 0);
}

}  // namespace
}  // namespace trainyard
