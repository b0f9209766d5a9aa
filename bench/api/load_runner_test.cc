#include "load_runner.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>

namespace trainyard::bench {
namespace {

// Answers ListTrainingJobs with `pages` pages of two summaries each (the
// NextToken is the next page's number) and anything else with the request
// body echoed back; records what it was sent.
struct FakeServer {
  int pages = 3;
  int fail_every = 0;  // > 0: every Nth request gets HTTP 500
  std::atomic<int> calls{0};
  std::mutex mu;
  std::vector<std::string> bodies;
  std::vector<HttpHeaders> headers;
};

class FakeTransport : public HttpTransport {
 public:
  explicit FakeTransport(FakeServer& server) : server_(server) {}
  Result<int> Post(const HttpHeaders& headers, std::string_view body,
                   std::string* response) override {
    int n = ++server_.calls;
    {
      std::lock_guard lock(server_.mu);
      server_.bodies.emplace_back(body);
      server_.headers.push_back(headers);
    }
    if (server_.fail_every > 0 && n % server_.fail_every == 0) {
      *response = R"({"__type":"InternalFailure"})";
      return 500;
    }
    if (body.find("MaxResults") == std::string_view::npos) {
      *response = std::string(body);
      return 200;
    }
    int page = 0;
    if (size_t at = body.find("\"NextToken\":\""); at != std::string_view::npos)
      page = body[at + 13] - '0';
    *response = R"({"TrainingJobSummaries":[{"TrainingJobArn":"a"},{"TrainingJobArn":"b"}])";
    if (page + 1 < server_.pages)
      *response += R"(,"NextToken":")" + std::to_string(page + 1) + "\"";
    *response += "}";
    return 200;
  }

 private:
  FakeServer& server_;
};

RequestSpec Describe(const std::string& name) {
  RequestSpec spec;
  spec.target = "SageMaker.DescribeTrainingJob";
  spec.body = R"({"TrainingJobName":")" + name + "\"}";
  spec.expect.member = "TrainingJobName";
  spec.expect.equals = name;
  return spec;
}

RequestSpec Scan(int64_t total) {
  RequestSpec spec;
  spec.target = "SageMaker.ListTrainingJobs";
  spec.body = R"({"MaxResults":2})";
  spec.expect.member = "TrainingJobSummaries";
  spec.follow_next_token = true;
  spec.scan_total = {"TrainingJobArn", total};
  return spec;
}

LoadReport RunAgainst(FakeServer& server, const std::vector<RequestSpec>& workload,
                      LoadOptions options) {
  options.host_header = "127.0.0.1:1";
  return RunLoad(
      workload, {"AKID", "secret", ""},
      [&server] { return std::make_unique<FakeTransport>(server); }, options);
}

TEST(RunLoadTest, OnceSendsEveryItemExactlyOnceWithoutPriming) {
  FakeServer server;
  std::vector<RequestSpec> workload = {Describe("a"), Describe("b"), Describe("c"), Describe("d")};
  LoadOptions options;
  options.concurrency = 3;
  options.once = true;
  LoadReport report = RunAgainst(server, workload, options);
  EXPECT_EQ(report.requests, 4);
  EXPECT_EQ(report.errors, 0);
  EXPECT_EQ(report.latency.count, 4);
  std::sort(server.bodies.begin(), server.bodies.end());
  std::vector<std::string> expected;
  for (const RequestSpec& spec : workload) expected.push_back(spec.body);
  EXPECT_EQ(server.bodies, expected);
}

TEST(RunLoadTest, CountExcludesThePrimingRequests) {
  FakeServer server;
  LoadOptions options;
  options.concurrency = 2;
  options.count = 10;
  LoadReport report = RunAgainst(server, {Describe("a")}, options);
  EXPECT_EQ(report.requests, 10);
  EXPECT_EQ(report.latency.count, 10);
  EXPECT_EQ(server.calls, 12);  // one untimed request per client first
}

TEST(RunLoadTest, SignsEveryRequestLikeBotocore) {
  FakeServer server;
  LoadOptions options;
  options.count = 1;
  options.once = true;
  RunAgainst(server, {Describe("a")}, options);
  ASSERT_EQ(server.headers.size(), 1u);
  std::map<std::string, std::string> h(server.headers[0].begin(), server.headers[0].end());
  EXPECT_EQ(h["Host"], "127.0.0.1:1");
  EXPECT_EQ(h["Content-Type"], "application/x-amz-json-1.1");
  EXPECT_EQ(h["X-Amz-Target"], "SageMaker.DescribeTrainingJob");
  EXPECT_EQ(h["X-Amz-Date"].size(), 16u);
  EXPECT_EQ(h["Authorization"].rfind("AWS4-HMAC-SHA256 Credential=AKID/", 0), 0u);
  EXPECT_NE(h["Authorization"].find("SignedHeaders=content-type;host;x-amz-date;x-amz-target,"),
            std::string::npos);
}

TEST(RunLoadTest, ScanFollowsNextTokenAndChecksTheTotal) {
  FakeServer server;
  LoadOptions options;
  options.once = true;
  LoadReport good = RunAgainst(server, {Scan(6)}, options);
  EXPECT_EQ(good.requests, 3);  // pages 0, 1, 2
  EXPECT_EQ(good.errors, 0);
  EXPECT_NE(server.bodies[1].find(R"("NextToken":"1")"), std::string::npos) << server.bodies[1];

  FakeServer short_server;
  short_server.pages = 2;
  LoadReport bad = RunAgainst(short_server, {Scan(6)}, options);
  EXPECT_EQ(bad.errors, 1);
  ASSERT_EQ(bad.error_samples.size(), 1u);
  EXPECT_NE(bad.error_samples[0].find("4 members TrainingJobArn"), std::string::npos);
}

TEST(RunLoadTest, CountsFailedResponsesAsErrors) {
  FakeServer server;
  server.fail_every = 2;
  LoadOptions options;
  options.count = 10;
  options.max_error_samples = 2;
  LoadReport report = RunAgainst(server, {Describe("a")}, options);
  EXPECT_EQ(report.requests, 10);
  EXPECT_EQ(report.errors, 5);
  EXPECT_EQ(report.error_samples.size(), 2u);
  EXPECT_NE(report.error_samples[0].find("HTTP 500"), std::string::npos);
}

TEST(RunLoadTest, DurationStopsTheRun) {
  FakeServer server;
  LoadOptions options;
  options.concurrency = 2;
  options.duration_seconds = 0.05;
  LoadReport report = RunAgainst(server, {Describe("a")}, options);
  EXPECT_GT(report.requests, 0);
  EXPECT_EQ(report.errors, 0);
  EXPECT_GE(report.seconds, 0.05);
  EXPECT_LT(report.seconds, 5.0);
}

}  // namespace
}  // namespace trainyard::bench
