// HttpRendezvousClient against the server's real agent routes (HttpServer on
// a free loopback port, AddAgentRoutes) with a gateway over a real
// RendezvousStore; and the whole Gloo check over it.
#include "collective/http_rendezvous_client.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

#include "api/agent_endpoints.h"
#include "api/http_server.h"
#include "collective/collective_check.h"
#include "controller/rendezvous_store.h"

namespace trainyard {
namespace {

// Job "job", hosts algo-1 and algo-2, token "t0k", keys below "attempt-1/".
class StoreGateway : public AgentGateway {
 public:
  StoreGateway() : store_({.max_keys = 64, .max_value_bytes = 1024, .max_total_bytes = 1 << 20}) {}
  Result<Assignment> Register(const std::string&, const std::string&, const std::string&) override {
    return MakeError(ErrorCode::kInternal, "not in this test");
  }
  Result<AgentCommand> Report(const std::string&, const std::string&, const std::string&,
                              const AgentReport&) override {
    return MakeError(ErrorCode::kInternal, "not in this test");
  }
  Status RendezvousSet(const std::string& job, const std::string& host, const std::string& token,
                       const std::string& key, std::string value) override {
    TY_RETURN_IF_ERROR(Check(job, host, token, key));
    return store_.Set(key, std::move(value));
  }
  Result<std::optional<std::string>> RendezvousGet(const std::string& job, const std::string& host,
                                                   const std::string& token,
                                                   const std::string& key) override {
    TY_RETURN_IF_ERROR(Check(job, host, token, key));
    return store_.Get(key);
  }

 private:
  static Status Check(const std::string& job, const std::string& host, const std::string& token,
                      const std::string& key) {
    if (job != "job" || (host != "algo-1" && host != "algo-2") || token != "t0k") {
      return MakeError(ErrorCode::kUnrecognizedClient, "not an agent of this job");
    }
    if (!key.starts_with("attempt-1/")) return MakeError(ErrorCode::kInvalidArgument, "other attempt");
    return Ok();
  }
  RendezvousStore store_;
};

class HttpRendezvousClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    HttpServerOptions options;
    options.port = 0;
    options.threads = 4;
    auto server = HttpServer::Create(options, api_);
    ASSERT_TRUE(server.ok()) << server.error().ToString();
    server_ = std::move(*server);
    AddAgentRoutes(*server_, gateway_);
    ASSERT_TRUE(server_->Bind().ok());
    server_->Start();
  }
  void TearDown() override { server_->Stop(); }

  std::unique_ptr<HttpRendezvousClient> Client(const std::string& host, const std::string& token = "t0k") {
    auto client = HttpRendezvousClient::Create(
        {.server_url = "http://127.0.0.1:" + std::to_string(server_->port()), .job_name = "job",
         .host = host, .token = token});
    EXPECT_TRUE(client.ok()) << client.error().ToString();
    return client.ok() ? std::move(*client) : nullptr;
  }

  StaticCredentialSource credentials_{{}};
  SystemClock clock_;
  RandomIdGenerator ids_{1};
  ApiHandler api_{ApiOptions{}, credentials_, clock_, ids_};
  StoreGateway gateway_;
  std::unique_ptr<HttpServer> server_;
};

TEST_F(HttpRendezvousClientTest, SetAndGetBytesUnderEncodedKeys) {
  auto one = Client("algo-1");
  auto two = Client("algo-2");
  const std::string key = "attempt-1/preflight/mesh/rank_0+odd?&=%#";
  const std::string value("\0\x01 addr \xff", 10);
  EXPECT_EQ(two->Get(key).value(), std::nullopt);
  ASSERT_TRUE(one->Set(key, value).ok());
  EXPECT_EQ(two->Get(key).value(), value);
}

TEST_F(HttpRendezvousClientTest, RefusalsBecomeErrorCodes) {
  auto stranger = Client("algo-1", "wrong");
  EXPECT_EQ(stranger->Set("attempt-1/k", "v").error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(stranger->Get("attempt-1/k").error().code, ErrorCode::kFailedPrecondition);
  auto agent = Client("algo-1");
  EXPECT_EQ(agent->Set("attempt-0/k", "v").error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(agent->Get("attempt-0/k").error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(agent->Set("attempt-1/big", std::string(1025, 'v')).error().code,
            ErrorCode::kResourceExhausted);
}

// A loopback port that nothing listens on (bound, then closed again).
int ClosedPort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

TEST_F(HttpRendezvousClientTest, NoServerIsUnavailableAndABadUrlInvalid) {
  int port = ClosedPort();
  auto client = HttpRendezvousClient::Create(
      {.server_url = "http://127.0.0.1:" + std::to_string(port), .job_name = "job", .host = "algo-1",
       .token = "t0k", .connect_timeout = std::chrono::milliseconds(500)});
  ASSERT_TRUE(client.ok());
  EXPECT_EQ((*client)->Get("attempt-1/k").error().code, ErrorCode::kUnavailable);
  EXPECT_EQ((*client)->Set("attempt-1/k", "v").error().code, ErrorCode::kUnavailable);
  HttpRendezvousClientOptions ftp;
  ftp.server_url = "ftp://x";
  EXPECT_EQ(HttpRendezvousClient::Create(ftp).error().code, ErrorCode::kInvalidArgument);
}

TEST_F(HttpRendezvousClientTest, TheGlooCheckRendezvousesThroughTheServer) {
  std::vector<std::unique_ptr<HttpRendezvousClient>> clients;
  clients.push_back(Client("algo-1"));
  clients.push_back(Client("algo-2"));
  std::vector<Result<CollectiveResult>> results(2, MakeError(ErrorCode::kInternal, "did not run"));
  std::vector<std::thread> threads;
  for (int rank = 0; rank < 2; ++rank) {
    threads.emplace_back([&, rank] {
      CollectiveCheckOptions o;
      o.rank = rank;
      o.size = 2;
      o.hosts = {"algo-1", "algo-2"};
      o.prefix = "attempt-1/preflight";
      o.bytes = 1 << 20;
      o.pair_bytes = 64 << 10;
      o.iterations = 1;
      o.timeout = std::chrono::milliseconds(5000);
      results[rank] = RunGlooCollectiveCheck(*clients[rank], o);
    });
  }
  for (std::thread& t : threads) t.join();
  for (const auto& r : results) {
    ASSERT_TRUE(r.ok()) << r.error().ToString();
    EXPECT_TRUE(r->ok) << r->error;
    ASSERT_EQ(r->peers.size(), 1u);
    EXPECT_TRUE(r->peers[0].ok) << r->peers[0].error;
  }
}

}  // namespace
}  // namespace trainyard
