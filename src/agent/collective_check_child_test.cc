// The parent's side of the child-process protocol, against stand-in
// executables (scripts); the real child runs in the e2e suites.
#include "agent/collective_check_child.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "agent/test_dir.h"

namespace trainyard {
namespace {

CollectiveCheckOptions SomeOptions() {
  CollectiveCheckOptions o;
  o.rank = 1;
  o.size = 3;
  o.hosts = {"algo-1", "algo-2", "algo-3"};
  o.prefix = "attempt-2/preflight";
  o.hostname = "algo-2";
  o.bytes = 1 << 20;
  o.pair_bytes = 4 << 20;
  o.pairwise_after_healthy_mesh = false;
  o.iterations = 2;
  o.timeout = std::chrono::milliseconds(1500);
  return o;
}

const HttpRendezvousClientOptions kServer{.server_url = "http://127.0.0.1:1", .job_name = "job",
                                          .host = "algo-2", .token = "s3cret"};

class CollectiveCheckChildTest : public ::testing::Test {
 protected:
  // An executable script standing in for `trainyard-agent collective-check`.
  std::string Script(const std::string& body) {
    std::string path = (dir_.path() / "child.sh").string();
    std::ofstream(path) << "#!/bin/sh\n" << body;
    chmod(path.c_str(), 0755);
    return path;
  }
  TestDir dir_;
};

TEST(CollectiveCheckOptionsJsonTest, RoundTrips) {
  CollectiveCheckOptions o = SomeOptions();
  Result<CollectiveCheckOptions> back = CollectiveCheckOptionsFromJson(CollectiveCheckOptionsToJson(o));
  ASSERT_TRUE(back.ok()) << back.error().ToString();
  EXPECT_EQ(CollectiveCheckOptionsToJson(*back), CollectiveCheckOptionsToJson(o));
  EXPECT_EQ(back->timeout, o.timeout);
  EXPECT_FALSE(back->pairwise_after_healthy_mesh);
}

TEST(CollectiveCheckOptionsJsonTest, AnythingElseIsInvalid) {
  for (const Json& j : {Json(), Json::array(), Json{{"Rank", "one"}}}) {
    Result<CollectiveCheckOptions> o = CollectiveCheckOptionsFromJson(j);
    ASSERT_FALSE(o.ok());
    EXPECT_EQ(o.error().code, ErrorCode::kInvalidArgument);
  }
}

TEST_F(CollectiveCheckChildTest, TheLastResultLineIsTheResultAndTheTokenComesInTheEnvironment) {
  std::string child = Script(
      "[ \"$TRAINYARD_AGENT_TOKEN\" = s3cret ] || exit 9\n"
      "[ \"$1 $2 $3 $4 $5 $6 $7\" = 'collective-check --server http://127.0.0.1:1 --job job --host algo-2' ]"
      " || exit 8\n"
      "echo 'gloo says something on stderr' >&2\n"
      "echo 'trainyard-collective-result {\"Ok\": false}'\n"
      "echo 'trainyard-collective-result {\"Ok\": true, \"Rank\": 1, \"Size\": 3, \"Bytes\": 1048576, "
      "\"Iterations\": 2, \"Seconds\": 0.001, \"AlgbwBytesPerS\": 1e9, \"Error\": \"\", \"Peers\": [], "
      "\"Nccl\": \"skipped\"}'\n");
  Result<CollectiveResult> r = RunCollectiveCheckInChild(child, {"PATH=/usr/bin:/bin"}, kServer, SomeOptions());
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_TRUE(r->ok);
  EXPECT_EQ(r->rank, 1);
  EXPECT_EQ(r->size, 3);
}

TEST_F(CollectiveCheckChildTest, AChildThatFailsIsUnavailableWithWhatItSaid) {
  std::string child = Script("echo 'collective-check: rendezvous: no server' >&2\nexit 2\n");
  Result<CollectiveResult> r = RunCollectiveCheckInChild(child, {}, kServer, SomeOptions());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(r.error().message.find("exited 2: collective-check: rendezvous: no server"), std::string::npos)
      << r.error().message;
}

TEST_F(CollectiveCheckChildTest, AChildThatPrintsNoResultIsUnavailable) {
  std::string child = Script("echo 'trainyard-collective-result not json'\n");
  Result<CollectiveResult> r = RunCollectiveCheckInChild(child, {}, kServer, SomeOptions());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(r.error().message.find("no readable result"), std::string::npos) << r.error().message;
}

TEST_F(CollectiveCheckChildTest, AMissingExecutableIsAnError) {
  Result<CollectiveResult> r =
      RunCollectiveCheckInChild((dir_.path() / "nope").string(), {}, kServer, SomeOptions());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("starting the collective check"), std::string::npos) << r.error().message;
}

}  // namespace
}  // namespace trainyard
