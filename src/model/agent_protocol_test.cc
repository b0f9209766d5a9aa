#include "model/agent_protocol.h"

#include <gtest/gtest.h>

namespace trainyard {
namespace {

TEST(AgentProtocolTest, ReportRoundTrips) {
  AgentReport r;
  r.phase = AgentPhase::kExited;
  r.exit_code = 3;
  r.failure = "out of memory";
  r.logs.push_back({7, 1000, "stderr", "line with \"quotes\" and ../"});
  r.dropped_lines = 12;
  Result<AgentReport> back = AgentReportFromJson(ToJson(r));
  ASSERT_TRUE(back.ok()) << back.error().ToString();
  EXPECT_EQ(back->phase, AgentPhase::kExited);
  EXPECT_EQ(back->exit_code, 3);
  EXPECT_FALSE(back->exit_signal.has_value());
  EXPECT_EQ(back->failure, "out of memory");
  ASSERT_EQ(back->logs.size(), 1u);
  EXPECT_EQ(back->logs[0].text, "line with \"quotes\" and ../");
  EXPECT_EQ(back->dropped_lines, 12);
}

TEST(AgentProtocolTest, CheckpointReportRoundTripsAndIsOptional) {
  AgentReport r;
  r.phase = AgentPhase::kTraining;
  EXPECT_FALSE(AgentReportFromJson(ToJson(r))->checkpoint.has_value());
  CheckpointReport c{"mirroring", 3, 4096, 1764279000123, 250, 2, 1024, 5, "store down", 1764279000999,
                     "1764279000123-algo-1", "1764270000000-algo-1", 2, 2048};
  r.checkpoint = c;
  Result<AgentReport> back = AgentReportFromJson(ToJson(r));
  ASSERT_TRUE(back.ok()) << back.error().ToString();
  ASSERT_TRUE(back->checkpoint.has_value());
  EXPECT_EQ(*back->checkpoint, c);
  Json bad = ToJson(r);
  bad["Checkpoint"]["Files"] = "many";
  EXPECT_EQ(AgentReportFromJson(bad).error().code, ErrorCode::kSerialization);
}

TEST(AgentProtocolTest, AssignmentAndCommandRoundTrip) {
  Assignment a{"job", "arn:job", "algo-2", {"algo-1", "algo-2"}, "us-east-1",
               Json{{"TrainingJobName", "job"}}, 29500, 5, 250, "file:///tmp/out/job/output/.staging"};
  Result<Assignment> back = AssignmentFromJson(ToJson(a));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->hosts, a.hosts);
  EXPECT_EQ(back->master_port, 29500);
  EXPECT_EQ(back->staging_prefix, a.staging_prefix);
  EXPECT_EQ(back->checkpoint_keep_last, 10);
  a.checkpoint_keep_last = 3;
  EXPECT_EQ(AssignmentFromJson(ToJson(a))->checkpoint_keep_last, 3);
  Result<AgentCommand> c = AgentCommandFromJson(ToJson(AgentCommand{AgentAction::kStop, 7, 42}));
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->action, AgentAction::kStop);
  EXPECT_EQ(c->grace_seconds, 7);
  EXPECT_EQ(c->acked_seq, 42);
}

TEST(AgentProtocolTest, MalformedInputIsASerializationError) {
  EXPECT_EQ(AgentReportFromJson(Json::array()).error().code, ErrorCode::kSerialization);
  EXPECT_EQ(AgentReportFromJson(Json{{"Phase", "Dancing"}}).error().code, ErrorCode::kSerialization);
  EXPECT_EQ(AgentReportFromJson(Json{{"Phase", "Exited"}, {"ExitCode", "x"}}).error().code,
            ErrorCode::kSerialization);
  EXPECT_EQ(AssignmentFromJson(Json{{"JobName", "j"}}).error().code, ErrorCode::kSerialization);
  EXPECT_EQ(AgentCommandFromJson(Json{{"Action", 5}}).error().code, ErrorCode::kSerialization);
}

}  // namespace
}  // namespace trainyard
