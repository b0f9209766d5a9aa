#include "model/training_job_rules.h"

#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "model/validation.h"

namespace trainyard {
namespace {

Json ValidRequest() {
  return Json::parse(R"json({
    "TrainingJobName": "job-1",
    "AlgorithmSpecification": {"TrainingImage": "img:1", "TrainingInputMode": "File"},
    "RoleArn": "arn:aws:iam::123456789012:role/SageMakerRole",
    "InputDataConfig": [
      {"ChannelName": "train",
       "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": "s3://b/train/"}}},
      {"ChannelName": "validation",
       "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": "s3://b/val/"}}}
    ],
    "OutputDataConfig": {"S3OutputPath": "s3://b/out"},
    "ResourceConfig": {"InstanceType": "ml.m5.xlarge", "InstanceCount": 1, "VolumeSizeInGB": 30},
    "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
    "Tags": [{"Key": "team", "Value": "ml"}]
  })json");
}

struct RuleCase {
  std::string name;
  std::function<void(Json&)> mutate;  // applied to ValidRequest()
  std::string message;                // empty: the request passes
};

TEST(TrainingJobRulesTest, CrossFieldRules) {
  const std::string spot_needs_wait =
      "EnableManagedSpotTraining requires StoppingCondition.MaxWaitTimeInSeconds";
  const std::vector<RuleCase> cases = {
      {"valid request", [](Json&) {}, ""},
      {"AlgorithmSpecification missing", [](Json& r) { r.erase("AlgorithmSpecification"); },
       "1 validation error detected: Value null at 'algorithmSpecification' failed to satisfy "
       "constraint: Member must not be null"},
      {"both missing",
       [](Json& r) {
         r.erase("AlgorithmSpecification");
         r.erase("ResourceConfig");
       },
       "2 validation errors detected: Value null at 'algorithmSpecification' failed to satisfy "
       "constraint: Member must not be null; Value null at 'resourceConfig' failed to satisfy "
       "constraint: Member must not be null"},
      {"serverless jobs need neither",
       [](Json& r) {
         r.erase("AlgorithmSpecification");
         r.erase("ResourceConfig");
         r["ServerlessJobConfig"] = {{"BaseModelArn",
                                      "arn:aws:sagemaker:us-east-1:aws:hub-content/"
                                      "SageMakerPublicHub/Model/llama-3-8b/1.0.0"},
                                     {"JobType", "FineTuning"}};
       },
       ""},
      {"TrainingImage and AlgorithmName",
       [](Json& r) { r["AlgorithmSpecification"]["AlgorithmName"] = "my-algo"; },
       "AlgorithmSpecification must specify exactly one of TrainingImage and AlgorithmName, not "
       "both"},
      {"neither TrainingImage nor AlgorithmName",
       [](Json& r) { r["AlgorithmSpecification"].erase("TrainingImage"); },
       "AlgorithmSpecification must specify exactly one of TrainingImage and AlgorithmName; "
       "neither was given"},
      {"AlgorithmName alone",
       [](Json& r) {
         r["AlgorithmSpecification"].erase("TrainingImage");
         r["AlgorithmSpecification"]["AlgorithmName"] = "my-algo";
       },
       ""},
      {"InstanceCount 0", [](Json& r) { r["ResourceConfig"]["InstanceCount"] = 0; },
       "ResourceConfig.InstanceCount must be at least 1 when ResourceConfig.InstanceGroups is not "
       "given"},
      {"InstanceCount absent", [](Json& r) { r["ResourceConfig"].erase("InstanceCount"); },
       "ResourceConfig.InstanceCount must be at least 1 when ResourceConfig.InstanceGroups is not "
       "given"},
      {"InstanceGroups instead of InstanceCount",
       [](Json& r) {
         r["ResourceConfig"] = {{"VolumeSizeInGB", 30},
                                {"InstanceGroups",
                                 {{{"InstanceType", "ml.m5.xlarge"},
                                   {"InstanceCount", 2},
                                   {"InstanceGroupName", "workers"}}}}};
       },
       ""},
      {"MaxWait below MaxRuntime",
       [](Json& r) {
         r["EnableManagedSpotTraining"] = true;
         r["StoppingCondition"]["MaxWaitTimeInSeconds"] = 1800;
       },
       "StoppingCondition.MaxWaitTimeInSeconds (1800) must be greater than or equal to "
       "MaxRuntimeInSeconds (3600)"},
      {"MaxWait below the default MaxRuntime",
       [](Json& r) {
         r["EnableManagedSpotTraining"] = true;
         r["StoppingCondition"] = {{"MaxWaitTimeInSeconds", 7200}};
       },
       "StoppingCondition.MaxWaitTimeInSeconds (7200) must be greater than or equal to "
       "MaxRuntimeInSeconds (86400, the default)"},
      {"spot with MaxWait equal to MaxRuntime",
       [](Json& r) {
         r["EnableManagedSpotTraining"] = true;
         r["StoppingCondition"]["MaxWaitTimeInSeconds"] = 3600;
       },
       ""},
      {"spot without MaxWait", [](Json& r) { r["EnableManagedSpotTraining"] = true; },
       spot_needs_wait},
      {"spot off needs no MaxWait", [](Json& r) { r["EnableManagedSpotTraining"] = false; }, ""},
      {"warm pool", [](Json& r) { r["ResourceConfig"]["KeepAlivePeriodInSeconds"] = 600; }, ""},
      {"warm pool with spot",
       [](Json& r) {
         r["ResourceConfig"]["KeepAlivePeriodInSeconds"] = 600;
         r["EnableManagedSpotTraining"] = true;
         r["StoppingCondition"]["MaxWaitTimeInSeconds"] = 7200;
       },
       "ResourceConfig.KeepAlivePeriodInSeconds (a warm pool) cannot be used with "
       "EnableManagedSpotTraining"},
      {"warm pool with instance groups",
       [](Json& r) {
         r["ResourceConfig"] = {{"KeepAlivePeriodInSeconds", 600},
                                {"InstanceGroups",
                                 {{{"InstanceType", "ml.m5.xlarge"},
                                   {"InstanceCount", 1},
                                   {"InstanceGroupName", "g"}}}}};
       },
       "ResourceConfig.KeepAlivePeriodInSeconds (a warm pool) cannot be used with "
       "ResourceConfig.InstanceGroups"},
      {"KeepAlive 0 is no warm pool",
       [](Json& r) {
         r["ResourceConfig"]["KeepAlivePeriodInSeconds"] = 0;
         r["EnableManagedSpotTraining"] = true;
         r["StoppingCondition"]["MaxWaitTimeInSeconds"] = 7200;
       },
       ""},
      {"duplicate channel names",
       [](Json& r) {
         r["InputDataConfig"][1]["ChannelName"] = "train";
         r["InputDataConfig"].push_back(r["InputDataConfig"][0]);
       },
       "InputDataConfig channel names must be unique; 'train' is used more than once"},
      {"Gzip in File mode", [](Json& r) { r["InputDataConfig"][0]["CompressionType"] = "Gzip"; },
       "InputDataConfig channel 'train': CompressionType Gzip requires Pipe input mode, but the "
       "channel's input mode is File"},
      {"RecordIO in a FastFile channel of a Pipe job",
       [](Json& r) {
         r["AlgorithmSpecification"]["TrainingInputMode"] = "Pipe";
         r["InputDataConfig"][1]["InputMode"] = "FastFile";
         r["InputDataConfig"][1]["RecordWrapperType"] = "RecordIO";
       },
       "InputDataConfig channel 'validation': RecordWrapperType RecordIO requires Pipe input "
       "mode, but the channel's input mode is FastFile"},
      {"Gzip and RecordIO in Pipe mode",
       [](Json& r) {
         r["AlgorithmSpecification"]["TrainingInputMode"] = "Pipe";
         r["InputDataConfig"][0]["CompressionType"] = "Gzip";
         r["InputDataConfig"][0]["RecordWrapperType"] = "RecordIO";
       },
       ""},
      {"Gzip in a Pipe channel of a File job",
       [](Json& r) {
         r["InputDataConfig"][0]["InputMode"] = "Pipe";
         r["InputDataConfig"][0]["CompressionType"] = "Gzip";
       },
       ""},
      {"None is fine in File mode",
       [](Json& r) {
         r["InputDataConfig"][0]["CompressionType"] = "None";
         r["InputDataConfig"][0]["RecordWrapperType"] = "None";
       },
       ""},
      {"several rules broken at once",
       [](Json& r) {
         r["ResourceConfig"]["InstanceCount"] = 0;
         r["EnableManagedSpotTraining"] = true;
       },
       "ResourceConfig.InstanceCount must be at least 1 when ResourceConfig.InstanceGroups is not "
       "given; " +
           spot_needs_wait},
      {"checkpoint path beneath /opt/ml",
       [](Json& r) { r["CheckpointConfig"] = {{"S3Uri", "s3://b/c"}, {"LocalPath", "/opt/ml/checkpoints/run-1/"}}; },
       ""},
      {"relative checkpoint path",
       [](Json& r) { r["CheckpointConfig"] = {{"S3Uri", "s3://b/c"}, {"LocalPath", "checkpoints"}}; },
       "CheckpointConfig.LocalPath 'checkpoints' must be an absolute path"},
      {"checkpoint path escaping with ..",
       [](Json& r) { r["CheckpointConfig"] = {{"S3Uri", "s3://b/c"}, {"LocalPath", "/opt/ml/../../etc"}}; },
       "CheckpointConfig.LocalPath '/opt/ml/../../etc' must not contain empty, '.' or '..' segments"},
      {"checkpoint path outside /opt/ml",
       [](Json& r) { r["CheckpointConfig"] = {{"S3Uri", "s3://b/c"}, {"LocalPath", "/etc"}}; },
       "CheckpointConfig.LocalPath '/etc' must be a directory beneath /opt/ml (each instance has its "
       "own /opt/ml)"},
      {"checkpoint path is /opt/ml itself",
       [](Json& r) { r["CheckpointConfig"] = {{"S3Uri", "s3://b/c"}, {"LocalPath", "/opt/ml/"}}; },
       "CheckpointConfig.LocalPath '/opt/ml/' must be a directory beneath /opt/ml (each instance has "
       "its own /opt/ml)"},
      {"checkpoint path inside the model directory",
       [](Json& r) { r["CheckpointConfig"] = {{"S3Uri", "s3://b/c"}, {"LocalPath", "/opt/ml/model/ckpt"}}; },
       "CheckpointConfig.LocalPath '/opt/ml/model/ckpt' must not be inside /opt/ml/model, which the "
       "training container contract uses for other data"},
      {"checkpoint path inside the input directory",
       [](Json& r) { r["CheckpointConfig"] = {{"S3Uri", "s3://b/c"}, {"LocalPath", "/opt/ml/input"}}; },
       "CheckpointConfig.LocalPath '/opt/ml/input' must not be inside /opt/ml/input, which the "
       "training container contract uses for other data"},
  };
  for (const RuleCase& c : cases) {
    SCOPED_TRACE(c.name);
    Json request = ValidRequest();
    c.mutate(request);
    // Every case is well-formed for the model; only the prose rules differ.
    Status model_status = ValidateRequest("CreateTrainingJob", request);
    ASSERT_TRUE(model_status.ok()) << model_status.error().message;
    Status status = ValidateCreateTrainingJobRules(request);
    if (c.message.empty()) {
      EXPECT_TRUE(status.ok()) << status.error().message;
      continue;
    }
    ASSERT_FALSE(status.ok());
    EXPECT_EQ(status.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(status.error().message, c.message);
  }
}

TEST(TrainingJobRulesNormalizeTest, FillsSageMakersDefaultsAndDropsTags) {
  Json request = ValidRequest();
  request.erase("StoppingCondition");
  request["CheckpointConfig"] = {{"S3Uri", "s3://b/ckpt"}};
  Result<Json> normalized = NormalizeCreateTrainingJob(request);
  ASSERT_TRUE(normalized.ok());
  const Json& n = *normalized;
  EXPECT_FALSE(n.contains("Tags"));
  EXPECT_EQ(n["StoppingCondition"], Json({{"MaxRuntimeInSeconds", 86400}}));
  EXPECT_EQ(n["CheckpointConfig"]["LocalPath"], "/opt/ml/checkpoints");
  EXPECT_EQ(n["OutputDataConfig"]["CompressionType"], "GZIP");
  EXPECT_EQ(n["AlgorithmSpecification"]["EnableSageMakerMetricsTimeSeries"], false);
  for (const Json& channel : n["InputDataConfig"]) {
    EXPECT_EQ(channel["CompressionType"], "None");
    EXPECT_EQ(channel["RecordWrapperType"], "None");
    EXPECT_EQ(channel["DataSource"]["S3DataSource"]["S3DataDistributionType"], "FullyReplicated");
  }
  EXPECT_EQ(n["EnableNetworkIsolation"], false);
  EXPECT_EQ(n["EnableInterContainerTrafficEncryption"], false);
  EXPECT_EQ(n["EnableManagedSpotTraining"], false);
  // Members given are untouched.
  EXPECT_EQ(n["TrainingJobName"], "job-1");
  EXPECT_EQ(n["ResourceConfig"], request["ResourceConfig"]);
  // The normalized request is still valid for the model.
  EXPECT_TRUE(ValidateRequest("CreateTrainingJob", n).ok());
}

TEST(TrainingJobRulesNormalizeTest, KeepsValuesTheClientGave) {
  Json request = ValidRequest();
  request["StoppingCondition"] = {{"MaxRuntimeInSeconds", 600}, {"MaxWaitTimeInSeconds", 1200}};
  request["CheckpointConfig"] = {{"S3Uri", "s3://b/ckpt"}, {"LocalPath", "/opt/ml/ckpt"}};
  request["OutputDataConfig"]["CompressionType"] = "NONE";
  request["AlgorithmSpecification"]["EnableSageMakerMetricsTimeSeries"] = true;
  request["AlgorithmSpecification"]["TrainingInputMode"] = "Pipe";
  request["InputDataConfig"][0]["CompressionType"] = "Gzip";
  request["InputDataConfig"][0]["RecordWrapperType"] = "RecordIO";
  request["InputDataConfig"][0]["DataSource"]["S3DataSource"]["S3DataDistributionType"] =
      "ShardedByS3Key";
  request["EnableManagedSpotTraining"] = true;
  request["EnableNetworkIsolation"] = true;
  Result<Json> normalized = NormalizeCreateTrainingJob(request);
  ASSERT_TRUE(normalized.ok());
  Json expected = request;
  expected.erase("Tags");
  expected["InputDataConfig"][1]["CompressionType"] = "None";
  expected["InputDataConfig"][1]["RecordWrapperType"] = "None";
  expected["InputDataConfig"][1]["DataSource"]["S3DataSource"]["S3DataDistributionType"] =
      "FullyReplicated";
  expected["EnableInterContainerTrafficEncryption"] = false;
  EXPECT_EQ(*normalized, expected);
}

TEST(TrainingJobRulesNormalizeTest, StoppingConditionWithoutMaxRuntimeGetsTheDefault) {
  Json request = ValidRequest();
  request["StoppingCondition"] = {{"MaxPendingTimeInSeconds", 7200}};
  Result<Json> normalized = NormalizeCreateTrainingJob(request);
  ASSERT_TRUE(normalized.ok());
  EXPECT_EQ((*normalized)["StoppingCondition"],
            Json({{"MaxPendingTimeInSeconds", 7200}, {"MaxRuntimeInSeconds", 86400}}));
}

TEST(TrainingJobRulesNormalizeTest, NoCheckpointConfigIsNotInvented) {
  Result<Json> normalized = NormalizeCreateTrainingJob(ValidRequest());
  ASSERT_TRUE(normalized.ok());
  EXPECT_FALSE(normalized->contains("CheckpointConfig"));
}

TEST(TrainingJobRulesNormalizeTest, RejectsANonObject) {
  Result<Json> normalized = NormalizeCreateTrainingJob(Json::array());
  ASSERT_FALSE(normalized.ok());
  EXPECT_EQ(normalized.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(ValidateCreateTrainingJobRules(Json("x")).error().code, ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace trainyard
