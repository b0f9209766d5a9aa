#include "store/training_job_codec.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace trainyard {
namespace {

TrainingJob FullJob() {
  TrainingJob job;
  job.name = "codec-job";
  job.arn = "arn:aws:sagemaker:us-east-1:123456789012:training-job/codec-job";
  job.request = {{"TrainingJobName", "codec-job"},
                 {"HyperParameters", {{"lr", "0.1"}}},
                 {"ResourceConfig", {{"InstanceCount", 2}}}};
  job.state.status = TrainingJobStatus::kStopped;
  job.state.secondary = SecondaryStatus::kMaxRuntimeExceeded;
  job.state.transitions = {
      {SecondaryStatus::kStarting, 1000, 2000, "Starting the training job"},
      {SecondaryStatus::kRestarting, 2000, 3000, "instance algo-2 replaced \xC3\xA9"},
      {SecondaryStatus::kMaxRuntimeExceeded, 3000, 3000, "Training job exceeded"},
  };
  job.state.failure_reason = "";
  job.state.training_start_time = 1500;
  job.state.training_end_time = 3000;
  job.state.stop_cause = StopCause::kMaxRuntime;
  job.state.restart_count = 2;
  job.state.retry_count = 1;
  job.creation_time = 999;
  job.last_modified_time = 3001;
  job.training_time_seconds = 2;
  job.billable_time_seconds = 4;
  job.final_metrics = {{"loss", 0.25, 2900}, {"acc", 1.0, 2950}};
  job.model_artifacts = "s3://bucket/codec-job/output/model.tar.gz";
  job.details = {{"instances", Json::array({"algo-1", "algo-2"})}, {"counter", 7}};
  return job;
}

void ExpectSameJob(const TrainingJob& a, const TrainingJob& b) {
  EXPECT_EQ(a.name, b.name);
  EXPECT_EQ(a.arn, b.arn);
  EXPECT_EQ(a.request, b.request);
  EXPECT_EQ(a.state, b.state);
  EXPECT_EQ(a.creation_time, b.creation_time);
  EXPECT_EQ(a.last_modified_time, b.last_modified_time);
  EXPECT_EQ(a.training_time_seconds, b.training_time_seconds);
  EXPECT_EQ(a.billable_time_seconds, b.billable_time_seconds);
  EXPECT_EQ(a.final_metrics, b.final_metrics);
  EXPECT_EQ(a.model_artifacts, b.model_artifacts);
  EXPECT_EQ(a.details, b.details);
}

TEST(TrainingJobCodecTest, FullRecordRoundTrips) {
  const TrainingJob job = FullJob();
  Result<TrainingJob> decoded = DecodeTrainingJob(EncodeTrainingJob(job));
  ASSERT_TRUE(decoded.ok()) << decoded.error().ToString();
  ExpectSameJob(*decoded, job);

  Result<TrainingJob> from_text = DecodeTrainingJobText(DumpJson(EncodeTrainingJob(job)));
  ASSERT_TRUE(from_text.ok()) << from_text.error().ToString();
  ExpectSameJob(*from_text, job);
}

TEST(TrainingJobCodecTest, DefaultRecordRoundTripsWithUnsetTimes) {
  TrainingJob job;
  Result<TrainingJob> decoded = DecodeTrainingJob(EncodeTrainingJob(job));
  ASSERT_TRUE(decoded.ok()) << decoded.error().ToString();
  ExpectSameJob(*decoded, job);
  EXPECT_FALSE(decoded->state.training_start_time);
  EXPECT_FALSE(EncodeTrainingJob(job)["state"].contains("training_end_time"));
}

TEST(TrainingJobCodecTest, NonFiniteMetricComesBackAsNaN) {
  TrainingJob job;
  job.final_metrics = {{"loss", std::numeric_limits<double>::infinity(), 5}};
  Result<TrainingJob> decoded = DecodeTrainingJobText(DumpJson(EncodeTrainingJob(job)));
  ASSERT_TRUE(decoded.ok()) << decoded.error().ToString();
  EXPECT_TRUE(std::isnan(decoded->final_metrics.at(0).value));
}

TEST(TrainingJobCodecTest, CorruptRecordsAreInternalErrors) {
  Json good = EncodeTrainingJob(FullJob());
  Json bad_status = good;
  bad_status["state"]["status"] = "Running";
  Json missing = good;
  missing.erase("arn");
  Json wrong_type = good;
  wrong_type["creation_time"] = "yesterday";
  for (const Json& record : {bad_status, missing, wrong_type, Json::array()}) {
    Result<TrainingJob> decoded = DecodeTrainingJob(record);
    ASSERT_FALSE(decoded.ok()) << record.dump();
    EXPECT_EQ(decoded.error().code, ErrorCode::kInternal);
    EXPECT_EQ(decoded.error().message.rfind("corrupt training job record: ", 0), 0u);
  }
  EXPECT_FALSE(DecodeTrainingJobText("{not json").ok());
}

}  // namespace
}  // namespace trainyard
