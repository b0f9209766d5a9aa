#include "controller/metric_parser.h"

#include <gtest/gtest.h>

namespace trainyard {
namespace {

TEST(MetricParserTest, FirstCaptureGroupOfASearch) {
  Result<MetricParser> parser = MetricParser::Create(Json::parse(R"json([
    {"Name": "loss", "Regex": "loss=([0-9.eE+-]+)"},
    {"Name": "acc", "Regex": "(?P<acc>[0-9.]+)% accuracy"}])json"));
  ASSERT_TRUE(parser.ok());
  std::vector<MetricDatum> points = parser->Parse("epoch=3 loss=0.25 and 97.5% accuracy", 1000);
  ASSERT_EQ(points.size(), 2u);
  EXPECT_EQ(points[0], (MetricDatum{"loss", 0.25, 1000}));
  EXPECT_EQ(points[1], (MetricDatum{"acc", 97.5, 1000}));
  EXPECT_TRUE(parser->Parse("nothing here", 1).empty());
  EXPECT_TRUE(parser->Parse("loss=nan-ish", 1).empty()) << "values that do not parse are skipped";
}

TEST(MetricParserTest, BadRegexesAreRefusedWithTheMetricName) {
  Result<MetricParser> bad = MetricParser::Create(Json::parse(R"json([{"Name": "m", "Regex": "(unclosed"}])json"));
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(bad.error().message.find("'m'"), std::string::npos);
  Result<MetricParser> no_group = MetricParser::Create(Json::parse(R"json([{"Name": "m", "Regex": "loss"}])json"));
  EXPECT_FALSE(no_group.ok());
}

TEST(MetricParserTest, FinalMetricsKeepTheLastValueOfEachName) {
  std::vector<MetricDatum> final_metrics;
  MergeFinalMetrics(final_metrics, {{"loss", 1.0, 10}, {"acc", 0.5, 10}});
  MergeFinalMetrics(final_metrics, {{"loss", 0.5, 20}});
  MergeFinalMetrics(final_metrics, {{"loss", 9.0, 15}});  // older than what we have
  ASSERT_EQ(final_metrics.size(), 2u);
  EXPECT_EQ(final_metrics[0], (MetricDatum{"loss", 0.5, 20}));
  EXPECT_EQ(final_metrics[1], (MetricDatum{"acc", 0.5, 10}));
}

}  // namespace
}  // namespace trainyard
