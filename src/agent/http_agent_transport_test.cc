#include "agent/http_agent_transport.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <mutex>
#include <thread>

namespace trainyard {
namespace {

// A stub server on a free loopback port that records the headers it saw.
class StubServer {
 public:
  StubServer() {
    server_.Post("/agent/v1/register", [this](const httplib::Request& req, httplib::Response& res) {
      Record(req);
      Assignment a;
      a.job_name = "job";
      a.host = "algo-1";
      a.hosts = {"algo-1"};
      a.request = {{"HyperParameters", Json::object()}};
      res.set_content(DumpJson(ToJson(a)), "application/json");
    });
    server_.Post("/agent/v1/report", [this](const httplib::Request& req, httplib::Response& res) {
      Record(req);
      if (status_ != 200) {
        res.status = status_;
        res.set_content("nope", "text/plain");
        return;
      }
      auto report = AgentReportFromJson(Json::parse(req.body));
      AgentCommand command{AgentAction::kStop, 9, report.ok() && !report->logs.empty()
                                                      ? report->logs.back().seq : 0};
      res.set_content(DumpJson(ToJson(command)), "application/json");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~StubServer() {
    server_.stop();
    thread_.join();
  }

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  void set_status(int status) { status_ = status; }
  httplib::Headers last_headers() {
    std::lock_guard lock(mu_);
    return headers_;
  }

 private:
  void Record(const httplib::Request& req) {
    std::lock_guard lock(mu_);
    headers_ = req.headers;
  }

  httplib::Server server_;
  int port_ = 0;
  std::atomic<int> status_{200};
  std::mutex mu_;
  httplib::Headers headers_;
  std::thread thread_;
};

HttpAgentTransportOptions Options(const std::string& url) {
  return {.server_url = url, .job_name = "job", .host = "algo-1", .token = "s3cr3t",
          .connect_timeout = std::chrono::milliseconds(2000),
          .read_timeout = std::chrono::milliseconds(5000)};
}

TEST(HttpAgentTransportTest, RegistersAndReportsWithTheProtocolHeaders) {
  StubServer server;
  auto transport = HttpAgentTransport::Create(Options(server.url()));
  ASSERT_TRUE(transport.ok()) << transport.error().ToString();

  auto assignment = (*transport)->Register();
  ASSERT_TRUE(assignment.ok()) << assignment.error().ToString();
  EXPECT_EQ(assignment->job_name, "job");
  auto headers = server.last_headers();
  EXPECT_EQ(headers.find("X-Trainyard-Job")->second, "job");
  EXPECT_EQ(headers.find("X-Trainyard-Host")->second, "algo-1");
  EXPECT_EQ(headers.find("Authorization")->second, "Bearer s3cr3t");

  AgentReport report;
  report.phase = AgentPhase::kTraining;
  report.logs.push_back({1, 0, "stdout", "hello"});
  report.logs.push_back({2, 0, "stdout", "world"});
  auto command = (*transport)->Report(report);
  ASSERT_TRUE(command.ok()) << command.error().ToString();
  EXPECT_EQ(command->action, AgentAction::kStop);
  EXPECT_EQ(command->grace_seconds, 9);
  EXPECT_EQ(command->acked_seq, 2);
}

TEST(HttpAgentTransportTest, ServerErrorsAreRetryableAndRefusalsAreNot) {
  StubServer server;
  auto transport = std::move(HttpAgentTransport::Create(Options(server.url()))).value();
  server.set_status(503);
  EXPECT_EQ(transport->Report(AgentReport{}).error().code, ErrorCode::kUnavailable);
  server.set_status(403);
  EXPECT_EQ(transport->Report(AgentReport{}).error().code, ErrorCode::kFailedPrecondition);
  server.set_status(400);
  EXPECT_EQ(transport->Report(AgentReport{}).error().code, ErrorCode::kInvalidArgument);
}

TEST(HttpAgentTransportTest, AnUnreachableServerIsUnavailable) {
  int port;
  {
    httplib::Server probe;  // a port that was free a moment ago, now closed
    port = probe.bind_to_any_port("127.0.0.1");
  }
  auto transport = HttpAgentTransport::Create(Options("http://127.0.0.1:" + std::to_string(port)));
  ASSERT_TRUE(transport.ok());
  auto assignment = (*transport)->Register();
  ASSERT_FALSE(assignment.ok());
  EXPECT_EQ(assignment.error().code, ErrorCode::kUnavailable);
}

TEST(HttpAgentTransportTest, OnlyHttpUrlsAreAccepted) {
  EXPECT_FALSE(HttpAgentTransport::Create(Options("ftp://x")).ok());
  EXPECT_FALSE(HttpAgentTransport::Create(Options("127.0.0.1:8080")).ok());
}

}  // namespace
}  // namespace trainyard
