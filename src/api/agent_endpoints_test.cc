// The agent routes without a socket: requests as the HTTP layer hands them
// over, a fake gateway behind them.
#include "api/agent_endpoints.h"

#include <gtest/gtest.h>

#include <map>

namespace trainyard {
namespace {

// Admits host "algo-1" of job "job" with token "t0k"; keys below "attempt-1/".
class FakeGateway : public AgentGateway {
 public:
  Result<Assignment> Register(const std::string& job, const std::string& host,
                              const std::string& token) override {
    TY_RETURN_IF_ERROR(Check(job, host, token, "attempt-1/"));
    Assignment a;
    a.job_name = job;
    a.host = host;
    return a;
  }
  Result<AgentCommand> Report(const std::string& job, const std::string& host,
                              const std::string& token, const AgentReport& report) override {
    TY_RETURN_IF_ERROR(Check(job, host, token, "attempt-1/"));
    return AgentCommand{};
  }
  Status RendezvousSet(const std::string& job, const std::string& host, const std::string& token,
                       const std::string& key, std::string value) override {
    TY_RETURN_IF_ERROR(Check(job, host, token, key));
    if (value.size() > 8) return MakeError(ErrorCode::kResourceExhausted, "too big");
    values[key] = std::move(value);
    return Ok();
  }
  Result<std::optional<std::string>> RendezvousGet(const std::string& job, const std::string& host,
                                                   const std::string& token,
                                                   const std::string& key) override {
    TY_RETURN_IF_ERROR(Check(job, host, token, key));
    auto it = values.find(key);
    if (it == values.end()) return std::optional<std::string>();
    return std::optional<std::string>(it->second);
  }

  std::map<std::string, std::string> values;

 private:
  static Status Check(const std::string& job, const std::string& host, const std::string& token,
                      const std::string& key) {
    if (job != "job" || host != "algo-1" || token != "t0k") {
      return MakeError(ErrorCode::kUnrecognizedClient, "who are you");
    }
    if (!key.starts_with("attempt-1/")) return MakeError(ErrorCode::kInvalidArgument, "not yours");
    return Ok();
  }
};

HttpRequestView Request(std::string_view method, std::string_view query, std::string_view body = "",
                        std::string token = "t0k") {
  HttpRequestView r;
  r.method = method;
  r.path = "/agent/v1/rendezvous";
  r.query = query;
  r.body = body;
  r.headers = {{"x-trainyard-job", "job"}, {"X-Trainyard-Host", "algo-1"},
               {"Authorization", "Bearer " + token}};
  return r;
}

std::string ContentType(const ApiResponse& r) {
  for (const auto& [name, value] : r.headers) {
    if (name == "Content-Type") return value;
  }
  return "";
}

TEST(AgentEndpointsTest, RendezvousPutThenGetReturnsTheRawBytes) {
  FakeGateway gateway;
  const std::string value("\0\x01\xfe", 3);
  ApiResponse put = HandleRendezvousPut(gateway, Request("PUT", "key=attempt-1%2Fmesh%2F0", value));
  EXPECT_EQ(put.status, 204);
  EXPECT_EQ(gateway.values.at("attempt-1/mesh/0"), value) << "the key is percent-decoded";
  ApiResponse get = HandleRendezvousGet(gateway, Request("GET", "key=attempt-1%2Fmesh%2F0"));
  EXPECT_EQ(get.status, 200);
  EXPECT_EQ(get.body, value);
  EXPECT_EQ(ContentType(get), "application/octet-stream");
}

TEST(AgentEndpointsTest, RendezvousGetOfAKeyNotSetYetIs404WithAJsonError) {
  FakeGateway gateway;
  ApiResponse get = HandleRendezvousGet(gateway, Request("GET", "key=attempt-1%2Fnothing"));
  EXPECT_EQ(get.status, 404);
  EXPECT_EQ(ContentType(get), "application/json");
  Result<Json> body = ParseJson(get.body);
  ASSERT_TRUE(body.ok()) << get.body;
  EXPECT_EQ((*body)["__type"], "ResourceNotFound");
  EXPECT_NE(GetString(*body, "Message").find("attempt-1/nothing"), std::string::npos) << get.body;
}

TEST(AgentEndpointsTest, RendezvousErrorsUseTheProtocolsStatusCodes) {
  FakeGateway gateway;
  struct Case {
    std::string name;
    HttpRequestView request;
    int put_status;
    int get_status;
  };
  HttpRequestView anonymous = Request("PUT", "key=attempt-1%2Fk", "v");
  anonymous.headers.clear();
  const Case cases[] = {
      {"no identity", anonymous, 403, 403},
      {"wrong token", Request("PUT", "key=attempt-1%2Fk", "v", "nope"), 403, 403},
      {"no key", Request("PUT", "", "v"), 400, 400},
      {"empty key", Request("PUT", "key=", "v"), 400, 400},
      {"bad escape", Request("PUT", "key=attempt-1%2", "v"), 400, 400},
      {"another attempt's key", Request("PUT", "key=attempt-0%2Fk", "v"), 400, 400},
      {"value too big", Request("PUT", "key=attempt-1%2Fk", "123456789"), 400, 404},
  };
  for (const Case& c : cases) {
    ApiResponse put = HandleRendezvousPut(gateway, c.request);
    EXPECT_EQ(put.status, c.put_status) << c.name << ": " << put.body;
    EXPECT_TRUE(ParseJson(put.body).ok()) << c.name << ": " << put.body;
    ApiResponse get = HandleRendezvousGet(gateway, c.request);
    EXPECT_EQ(get.status, c.get_status) << c.name << ": " << get.body;
  }
  EXPECT_TRUE(gateway.values.empty());
}

}  // namespace
}  // namespace trainyard
