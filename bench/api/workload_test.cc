#include "workload.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

namespace trainyard::bench {
namespace {

Expectation Member(std::string member, std::string equals = "") {
  Expectation e;
  e.member = std::move(member);
  e.equals = std::move(equals);
  return e;
}

TEST(CheckResponseTest, AcceptsEitherJsonSpacing) {
  EXPECT_TRUE(
      CheckResponse(200, R"({"TrainingJobName":"a"})", Member("TrainingJobName", "a")).ok());
  EXPECT_TRUE(
      CheckResponse(200, R"({"TrainingJobName" : "a", "X": 1})", Member("TrainingJobName", "a"))
          .ok());
}

TEST(CheckResponseTest, RejectsStatusMissingMemberAndWrongValue) {
  EXPECT_FALSE(CheckResponse(400, R"({"TrainingJobName":"a"})", Member("TrainingJobName")).ok());
  EXPECT_FALSE(
      CheckResponse(200, R"({"Other":"TrainingJobName"})", Member("TrainingJobName")).ok());
  Status wrong = CheckResponse(200, R"({"TrainingJobName":"b"})", Member("TrainingJobName", "a"));
  ASSERT_FALSE(wrong.ok());
  EXPECT_NE(wrong.error().message.find("is not \"a\""), std::string::npos);
}

TEST(CheckResponseTest, CountsMembers) {
  Expectation e = Member("TrainingJobSummaries");
  e.count = {"TrainingJobArn", 2};
  EXPECT_TRUE(
      CheckResponse(
          200, R"({"TrainingJobSummaries":[{"TrainingJobArn":"x"},{"TrainingJobArn": "y"}]})", e)
          .ok());
  EXPECT_FALSE(CheckResponse(200, R"({"TrainingJobSummaries":[{"TrainingJobArn":"x"}]})", e).ok());
}

TEST(CheckResponseTest, EachValueMustContain) {
  Expectation e = Member("TrainingJobSummaries");
  e.each_key = "TrainingJobName";
  e.each_contains = "-004";
  EXPECT_TRUE(
      CheckResponse(
          200,
          R"({"TrainingJobSummaries":[{"TrainingJobName":"j-0041"},{"TrainingJobName":"j-0042"}]})",
          e)
          .ok());
  EXPECT_FALSE(
      CheckResponse(
          200,
          R"({"TrainingJobSummaries":[{"TrainingJobName":"j-0041"},{"TrainingJobName":"j-0051"}]})",
          e)
          .ok());
}

TEST(FindStringMemberTest, DecodesEscapes) {
  EXPECT_EQ(FindStringMember(R"({"NextToken":"a\/b\"c"})", "NextToken"), "a/b\"c");
  EXPECT_EQ(FindStringMember(R"({"NextToken": "abc"})", "NextToken"), "abc");
  EXPECT_EQ(FindStringMember(R"({"NextToken":5})", "NextToken"), std::nullopt);
  EXPECT_EQ(FindStringMember(R"({"A":"NextToken"})", "NextToken"), std::nullopt);
}

TEST(WithNextTokenTest, AddsTheTokenAsFirstMember) {
  EXPECT_EQ(WithNextToken(R"({"MaxResults":100})", "t\"1"),
            R"({"NextToken":"t\"1","MaxResults":100})");
  EXPECT_EQ(WithNextToken("{}", "t"), R"({"NextToken":"t"})");
}

TEST(LoadWorkloadTest, ParsesLinesAndNamesTheBadOne) {
  std::string path = testing::TempDir() + "/workload.jsonl";
  {
    std::ofstream out(path);
    out << R"({"target":"ListTrainingJobs","body":{"MaxResults":100},"follow_next_token":true,)"
           R"("expect":{"member":"TrainingJobSummaries","count":{"key":"TrainingJobArn","n":100}},)"
           R"("scan_total":{"key":"TrainingJobArn","n":10000}})"
           "\n\n";
    out << R"({"target":"DescribeTrainingJob","body":{"TrainingJobName":"j"},)"
           R"("expect":{"member":"TrainingJobName","equals":"j"}})"
           "\n";
  }
  Result<std::vector<RequestSpec>> specs = LoadWorkload(path);
  ASSERT_TRUE(specs.ok()) << specs.error().ToString();
  ASSERT_EQ(specs->size(), 2u);
  EXPECT_EQ((*specs)[0].target, "SageMaker.ListTrainingJobs");
  EXPECT_TRUE((*specs)[0].follow_next_token);
  EXPECT_EQ((*specs)[0].expect.count.n, 100);
  EXPECT_EQ((*specs)[0].scan_total.n, 10000);
  EXPECT_EQ((*specs)[1].body, R"({"TrainingJobName":"j"})");
  EXPECT_EQ((*specs)[1].expect.equals, "j");

  { std::ofstream(path) << "{\"target\":\"X\",\"body\":{}}\n{\"target\":\"X\"}\n"; }
  Result<std::vector<RequestSpec>> bad = LoadWorkload(path);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find(":2: "), std::string::npos) << bad.error().message;
  std::remove(path.c_str());
}

}  // namespace
}  // namespace trainyard::bench
