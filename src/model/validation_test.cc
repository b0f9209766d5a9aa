#include "model/validation.h"

#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

namespace trainyard {
namespace {

// A CreateTrainingJob request as botocore 1.29 (Debian's python3-botocore)
// sends it: AlgorithmSpecification, ResourceConfig with VolumeSizeInGB and
// StoppingCondition always present.
Json OldClientRequest() {
  return Json::parse(R"json({
    "TrainingJobName": "xgboost-2024-01-01-12-00-00-000",
    "HyperParameters": {"max_depth": "5", "eta": "0.2", "objective": "reg:squarederror"},
    "AlgorithmSpecification": {
      "TrainingImage": "123456789012.dkr.ecr.us-east-1.amazonaws.com/xgboost:1.7-1",
      "TrainingInputMode": "File",
      "MetricDefinitions": [{"Name": "validation:rmse", "Regex": "validation-rmse:([0-9\\.]+)"}]
    },
    "RoleArn": "arn:aws:iam::123456789012:role/service-role/SageMakerRole",
    "InputDataConfig": [{
      "ChannelName": "train",
      "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": "s3://bucket/train/",
                                      "S3DataDistributionType": "FullyReplicated"}},
      "ContentType": "text/csv",
      "CompressionType": "None"
    }],
    "OutputDataConfig": {"S3OutputPath": "s3://bucket/output"},
    "ResourceConfig": {"InstanceType": "ml.m5.xlarge", "InstanceCount": 1, "VolumeSizeInGB": 30},
    "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
    "Tags": [{"Key": "team", "Value": "ml-platform"}]
  })json");
}

// A request from a current client, using members 1.29 did not know, plus one
// no model knows yet (it must be ignored).
Json NewClientRequest() {
  return Json::parse(R"json({
    "TrainingJobName": "llama-sft-7b",
    "AlgorithmSpecification": {
      "TrainingImage": "763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-training:2.3-gpu",
      "TrainingInputMode": "FastFile",
      "ContainerEntrypoint": ["torchrun"],
      "ContainerArguments": ["--nproc_per_node=8", "train.py"],
      "EnableSageMakerMetricsTimeSeries": true,
      "FutureAlgorithmMember": {"anything": [1, 2, 3]}
    },
    "RoleArn": "arn:aws:iam::123456789012:role/SageMakerRole",
    "InputDataConfig": [{"ChannelName": "training",
                         "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix",
                                                         "S3Uri": "s3://bucket/data/"}},
                         "ShuffleConfig": {"Seed": 1099511627776}}],
    "OutputDataConfig": {"S3OutputPath": "s3://bucket/out/", "CompressionType": "NONE"},
    "ResourceConfig": {"InstanceType": "ml.p4d.24xlarge", "InstanceCount": 2,
                       "KeepAlivePeriodInSeconds": 1800},
    "CheckpointConfig": {"S3Uri": "s3://bucket/checkpoints/"},
    "Environment": {"NCCL_DEBUG": "INFO", "_PRIVATE": "multi\nline"},
    "RetryStrategy": {"MaximumRetryAttempts": 3},
    "InfraCheckConfig": {"EnableInfraCheck": true},
    "ExperimentConfig": {"ExperimentName": "sft", "RunName": "run-1"},
    "RemoteDebugConfig": {"EnableRemoteDebug": false},
    "VpcConfig": null,
    "Tags": [{"Key": "café owner", "Value": "日本語 1/2"}],
    "SomethingFromTheFuture": {"Nested": true}
  })json");
}

std::string Repeat(char c, size_t n) { return std::string(n, c); }

TEST(ValidationTest, OldAndNewClientRequestsPass) {
  EXPECT_TRUE(ValidateRequest("CreateTrainingJob", OldClientRequest()).ok());
  Status status = ValidateRequest("CreateTrainingJob", NewClientRequest());
  EXPECT_TRUE(status.ok()) << status.error().message;
}

// trainyard's extension: file:///abs/path works wherever an S3 URI does.
TEST(ValidationTest, FileUrisAreAcceptedWhereS3UrisAre) {
  Json request = NewClientRequest();
  request["OutputDataConfig"]["S3OutputPath"] = "file:///srv/trainyard/out";
  request["CheckpointConfig"]["S3Uri"] = "file:///srv/trainyard/checkpoints";
  Status status = ValidateRequest("CreateTrainingJob", request);
  EXPECT_TRUE(status.ok()) << status.error().message;
  request["OutputDataConfig"]["S3OutputPath"] = "file://relative/out";
  EXPECT_FALSE(ValidateRequest("CreateTrainingJob", request).ok());
}

TEST(ValidationTest, MinimalRequestOfEveryOperationPasses) {
  const char* arn = "arn:aws:sagemaker:us-east-1:123456789012:training-job/my-job";
  const std::vector<std::pair<std::string, Json>> cases = {
      {"DescribeTrainingJob", {{"TrainingJobName", "my-job"}}},
      {"ListTrainingJobs", Json::object()},
      {"ListTrainingJobs",
       {{"MaxResults", 100},
        {"CreationTimeAfter", 1700000000},
        {"CreationTimeBefore", 1700000000.25},
        {"StatusEquals", "InProgress"},
        {"SortBy", "CreationTime"},
        {"NameContains", "my-"}}},
      {"StopTrainingJob", {{"TrainingJobName", "my-job"}}},
      {"UpdateTrainingJob",
       {{"TrainingJobName", "my-job"}, {"ResourceConfig", {{"KeepAlivePeriodInSeconds", 0}}}}},
      {"DeleteTrainingJob", {{"TrainingJobName", "my-job"}}},
      {"DescribeHyperParameterTuningJob", {{"HyperParameterTuningJobName", "hpo-1"}}},
      {"ListHyperParameterTuningJobs", {{"SortOrder", "Descending"}}},
      {"ListTrainingJobsForHyperParameterTuningJob", {{"HyperParameterTuningJobName", "hpo-1"}}},
      {"StopHyperParameterTuningJob", {{"HyperParameterTuningJobName", "hpo-1"}}},
      {"DeleteHyperParameterTuningJob", {{"HyperParameterTuningJobName", "hpo-1"}}},
      {"AddTags", {{"ResourceArn", arn}, {"Tags", Json::array()}}},
      {"DeleteTags", {{"ResourceArn", arn}, {"TagKeys", {"team"}}}},
      {"ListTags", {{"ResourceArn", arn}, {"MaxResults", 50}}},
      {"CreateHyperParameterTuningJob", Json::parse(R"json({
        "HyperParameterTuningJobName": "hpo-1",
        "HyperParameterTuningJobConfig": {
          "Strategy": "Bayesian",
          "ResourceLimits": {"MaxNumberOfTrainingJobs": 10, "MaxParallelTrainingJobs": 2},
          "HyperParameterTuningJobObjective": {"Type": "Minimize", "MetricName": "validation:rmse"},
          "ParameterRanges": {"ContinuousParameterRanges": [
            {"Name": "eta", "MinValue": "0.1", "MaxValue": "0.5", "ScalingType": "Auto"}]}
        },
        "TrainingJobDefinition": {
          "AlgorithmSpecification": {"TrainingImage": "xgboost:1", "TrainingInputMode": "File"},
          "RoleArn": "arn:aws:iam::123456789012:role/SageMakerRole",
          "OutputDataConfig": {"S3OutputPath": "s3://bucket/hpo"},
          "ResourceConfig": {"InstanceType": "ml.m5.xlarge", "InstanceCount": 1, "VolumeSizeInGB": 10},
          "StoppingCondition": {"MaxRuntimeInSeconds": 600},
          "StaticHyperParameters": {"objective": "reg:squarederror"}
        }
      })json")},
  };
  for (const auto& [operation, request] : cases) {
    SCOPED_TRACE(operation + " " + request.dump());
    Status status = ValidateRequest(operation, request);
    EXPECT_TRUE(status.ok()) << status.error().message;
  }
}

struct ConstraintCase {
  std::string name;
  std::function<void(Json&)> mutate;  // applied to OldClientRequest()
  std::string message;                // the whole expected message
};

std::string One(const std::string& violation) {
  return "1 validation error detected: " + violation;
}

TEST(ValidationTest, EachConstraintKindGivesCoralsMessage) {
  const std::string name_pattern =
      "Member must satisfy regular expression pattern: ^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}";
  const std::string long_name = Repeat('a', 64);
  const std::string long_value = Repeat('v', 2501);
  const std::vector<ConstraintCase> cases = {
      {"pattern", [](Json& r) { r["TrainingJobName"] = "bad_name"; },
       One("Value 'bad_name' at 'trainingJobName' failed to satisfy constraint: " + name_pattern)},
      {"pattern then max length, as SageMaker reports them",
       [&](Json& r) { r["TrainingJobName"] = long_name; },
       "2 validation errors detected: Value '" + long_name +
           "' at 'trainingJobName' failed to satisfy constraint: " + name_pattern + "; Value '" +
           long_name +
           "' at 'trainingJobName' failed to satisfy constraint: Member must have length "
           "less than or equal to 63"},
      {"min length",
       [](Json& r) {
         r["ResourceConfig"]["TrainingPlanArn"] = "arn:aws:sagemaker::123456789012:training-plan/x";
       },
       One("Value 'arn:aws:sagemaker::123456789012:training-plan/x' at "
           "'resourceConfig.trainingPlanArn' failed to satisfy constraint: Member must have length "
           "greater than or equal to 50")},
      {"min value", [](Json& r) { r["StoppingCondition"]["MaxRuntimeInSeconds"] = 0; },
       One("Value '0' at 'stoppingCondition.maxRuntimeInSeconds' failed to satisfy constraint: "
           "Member must have value greater than or equal to 1")},
      {"max value", [](Json& r) { r["ResourceConfig"]["KeepAlivePeriodInSeconds"] = 21601; },
       One("Value '21601' at 'resourceConfig.keepAlivePeriodInSeconds' failed to satisfy "
           "constraint: Member must have value less than or equal to 21600")},
      {"enum", [](Json& r) { r["AlgorithmSpecification"]["TrainingInputMode"] = "Stream"; },
       One("Value 'Stream' at 'algorithmSpecification.trainingInputMode' failed to satisfy "
           "constraint: Member must satisfy enum value set: [Pipe, File, FastFile]")},
      {"required top-level member", [](Json& r) { r.erase("RoleArn"); },
       One("Value null at 'roleArn' failed to satisfy constraint: Member must not be null")},
      {"required member set to null", [](Json& r) { r["RoleArn"] = nullptr; },
       One("Value null at 'roleArn' failed to satisfy constraint: Member must not be null")},
      {"required nested member", [](Json& r) { r["OutputDataConfig"].erase("S3OutputPath"); },
       One("Value null at 'outputDataConfig.s3OutputPath' failed to satisfy constraint: Member "
           "must not be null")},
      {"required member inside a list element",
       [](Json& r) {
         r["AlgorithmSpecification"]["MetricDefinitions"].push_back({{"Regex", "loss=(.*)"}});
       },
       One("Value null at 'algorithmSpecification.metricDefinitions.2.member.name' failed to "
           "satisfy constraint: Member must not be null")},
      {"pattern inside a list element",
       [](Json& r) { r["InputDataConfig"][0]["ChannelName"] = "train data"; },
       One("Value 'train data' at 'inputDataConfig.1.member.channelName' failed to satisfy "
           "constraint: Member must satisfy regular expression pattern: ^[A-Za-z0-9\\.\\-_]+")},
      {"deeply nested",
       [](Json& r) {
         r["InputDataConfig"][0]["DataSource"]["S3DataSource"]["S3Uri"] = "gs://bucket/train";
       },
       One("Value 'gs://bucket/train' at 'inputDataConfig.1.member.dataSource.s3DataSource.s3Uri' "
           "failed to satisfy constraint: Member must satisfy regular expression pattern: "
           "^(https|s3)://([^/]+)/?(.*)|file:///(.*)")},
      {"list too short", [](Json& r) { r["InputDataConfig"] = Json::array(); },
       One("Value '[]' at 'inputDataConfig' failed to satisfy constraint: Member must have length "
           "greater than or equal to 1")},
      {"list of scalars with a bad element",
       [](Json& r) {
         r["VpcConfig"] = {{"SecurityGroupIds", {"sg-1"}}, {"Subnets", {"subnet-1", "subnet_2"}}};
       },
       One("Value '[subnet-1, subnet_2]' at 'vpcConfig.subnets' failed to satisfy constraint: "
           "Member must satisfy constraint: [Member must have length less than or equal to 32, "
           "Member must have length greater than or equal to 0, Member must satisfy regular "
           "expression pattern: ^[-0-9a-zA-Z]+]")},
      {"map value too long (the real SageMaker message)",
       [&](Json& r) {
         r["HyperParameters"] = {{"eta", long_value}};
       },
       One("Value '{eta=" + long_value +
           "}' at 'hyperParameters' failed to satisfy constraint: Map "
           "value must satisfy constraint: [Member must have length less than or equal to 2500, "
           "Member must have length greater than or equal to 0, Member must satisfy regular "
           "expression pattern: .*]")},
      {"map value with a line break fails Java's '.*'",
       [](Json& r) {
         r["HyperParameters"] = {{"note", "two\nlines"}};
       },
       One("Value '{note=two\nlines}' at 'hyperParameters' failed to satisfy constraint: Map value "
           "must satisfy constraint: [Member must have length less than or equal to 2500, Member "
           "must have length greater than or equal to 0, Member must satisfy regular expression "
           "pattern: .*]")},
      {"map key",
       [](Json& r) {
         r["Environment"] = {{"1BAD", "x"}};
       },
       One("Value '{1BAD=x}' at 'environment' failed to satisfy constraint: Map keys must satisfy "
           "constraint: [Member must have length less than or equal to 512, Member must have "
           "length "
           "greater than or equal to 0, Member must satisfy regular expression pattern: "
           "^[a-zA-Z_][a-zA-Z0-9_]*]")},
      {"algorithm name ending in a hyphen (Java lookbehind)",
       [](Json& r) { r["AlgorithmSpecification"]["AlgorithmName"] = "my-algo-"; },
       One("Value 'my-algo-' at 'algorithmSpecification.algorithmName' failed to satisfy "
           "constraint: Member must satisfy regular expression pattern: "
           "^(arn:aws[a-z\\-]*:sagemaker:[a-z0-9\\-]*:[0-9]{12}:[a-z\\-]*\\/)?"
           "([a-zA-Z0-9]([a-zA-Z0-9-]){0,62})(?<!-)")},
      {"role ARN pattern", [](Json& r) { r["RoleArn"] = "arn:aws:iam::1234:role/SageMaker"; },
       One("Value 'arn:aws:iam::1234:role/SageMaker' at 'roleArn' failed to satisfy constraint: "
           "Member must satisfy regular expression pattern: "
           "^arn:aws[a-z\\-]*:iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+")},
  };
  for (const ConstraintCase& c : cases) {
    SCOPED_TRACE(c.name);
    Json request = OldClientRequest();
    c.mutate(request);
    Status status = ValidateRequest("CreateTrainingJob", request);
    ASSERT_FALSE(status.ok());
    EXPECT_EQ(status.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(status.error().message, c.message);
  }
}

TEST(ValidationTest, SeveralErrorsAreCountedAndJoinedInModelOrder) {
  Json request = OldClientRequest();
  request["TrainingJobName"] = "bad_name";
  request.erase("RoleArn");
  request["StoppingCondition"]["MaxRuntimeInSeconds"] = 0;
  Status status = ValidateRequest("CreateTrainingJob", request);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(
      status.error().message,
      "3 validation errors detected: "
      "Value 'bad_name' at 'trainingJobName' failed to satisfy constraint: Member must satisfy "
      "regular expression pattern: ^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}; "
      "Value null at 'roleArn' failed to satisfy constraint: Member must not be null; "
      "Value '0' at 'stoppingCondition.maxRuntimeInSeconds' failed to satisfy constraint: "
      "Member must have value greater than or equal to 1");
}

TEST(ValidationTest, MapSizeIsALengthConstraintOnTheWholeMap) {
  Json request = OldClientRequest();
  Json params = Json::object();
  for (int i = 0; i < 101; ++i) params["p" + std::to_string(1000 + i)] = "1";
  request["HyperParameters"] = params;
  Status status = ValidateRequest("CreateTrainingJob", request);
  ASSERT_FALSE(status.ok());
  std::string printed = "{";
  for (int i = 0; i < 101; ++i) printed += (i ? ", p" : "p") + std::to_string(1000 + i) + "=1";
  printed += "}";
  EXPECT_EQ(status.error().message, One("Value '" + printed +
                                        "' at 'hyperParameters' failed to satisfy constraint: "
                                        "Member must have length less than or equal to 100"));
}

TEST(ValidationTest, HyphenatedNamePatterns) {
  const std::vector<std::pair<std::string, bool>> names = {
      {"a", true},   {"a-b", true}, {"a--b", true}, {"A1-b2-C3", true}, {Repeat('x', 63), true},
      {"-a", false}, {"a-", false}, {"a_b", false}, {"a.b", false},     {"é", false},
  };
  for (const auto& [name, valid] : names) {
    SCOPED_TRACE(name);
    EXPECT_EQ(ValidateRequest("DescribeTrainingJob", {{"TrainingJobName", name}}).ok(), valid);
  }
  // The tuning-job name allows 32 characters: 33 breaks both pattern and length.
  Status status = ValidateRequest("StopHyperParameterTuningJob",
                                  {{"HyperParameterTuningJobName", Repeat('h', 33)}});
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().message.rfind("2 validation errors detected: ", 0), 0u);
}

TEST(ValidationTest, TagTextAcceptsUnicodeLettersNumbersAndSeparators) {
  const char* arn = "arn:aws:sagemaker:us-east-1:123456789012:training-job/my-job";
  const std::vector<std::pair<std::string, bool>> keys = {
      {"team", true},
      {"cost-center:id/1=+@_.", true},
      {"café", true},
      {"日本語", true},
      {"a b", true},
      {"a\xC2\xA0"
       "b",
       true} /* NBSP is \p{Z} */,
      {"Ω²", true},
      {"bad#", false},
      {"semi;colon", false},
      {"tab\tkey", false},
      {"🙂", false},
      {"×", false} /* a math symbol */,
      {"", false} /* min length 1 */,
  };
  for (const auto& [key, valid] : keys) {
    SCOPED_TRACE(key);
    Json request = {{"ResourceArn", arn}, {"Tags", {{{"Key", key}, {"Value", ""}}}}};
    EXPECT_EQ(ValidateRequest("AddTags", request).ok(), valid);
  }
  Status status = ValidateRequest(
      "AddTags", {{"ResourceArn", arn}, {"Tags", {{{"Key", "ok"}, {"Value", "v#"}}}}});
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().message,
            One("Value 'v#' at 'tags.1.member.value' failed to satisfy constraint: Member must "
                "satisfy regular expression pattern: ^([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*)"));
  status = ValidateRequest("DeleteTags", {{"ResourceArn", arn}, {"TagKeys", {"ok", "bad#"}}});
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(
      status.error().message,
      One("Value '[ok, bad#]' at 'tagKeys' failed to satisfy constraint: Member must satisfy "
          "constraint: [Member must have length less than or equal to 128, Member must have "
          "length greater than or equal to 1, Member must satisfy regular expression pattern: "
          "^([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*)]"));
}

TEST(ValidationTest, LengthsCountCodePoints) {
  // MetricName allows 255 characters; "é" is two bytes in UTF-8.
  std::string two_byte;
  for (int i = 0; i < 255; ++i) two_byte += "é";
  Json request = OldClientRequest();
  request["AlgorithmSpecification"]["MetricDefinitions"][0]["Name"] = two_byte;
  EXPECT_TRUE(ValidateRequest("CreateTrainingJob", request).ok());
  request["AlgorithmSpecification"]["MetricDefinitions"][0]["Name"] = two_byte + "é";
  Status status = ValidateRequest("CreateTrainingJob", request);
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.error().message.find("Member must have length less than or equal to 255"),
            std::string::npos);
}

TEST(ValidationTest, WrongJsonTypesAreSerializationErrorsNamingTheMember) {
  const std::vector<std::pair<std::function<void(Json&)>, std::string>> cases = {
      {[](Json& r) { r["TrainingJobName"] = 5; }, "'trainingJobName'"},
      {[](Json& r) { r["ResourceConfig"]["InstanceCount"] = "1"; },
       "'resourceConfig.instanceCount'"},
      {[](Json& r) { r["ResourceConfig"]["InstanceCount"] = 1.5; },
       "'resourceConfig.instanceCount'"},
      {[](Json& r) { r["ResourceConfig"]["InstanceCount"] = 2.0; },
       "'resourceConfig.instanceCount'"},
      {[](Json& r) { r["ResourceConfig"]["InstanceCount"] = 3000000000LL; },
       "'resourceConfig.instanceCount'"},
      {[](Json& r) {
         r["InputDataConfig"] = {{"ChannelName", "train"}};
       },
       "'inputDataConfig'"},
      {[](Json& r) { r["InputDataConfig"][0]["DataSource"] = "s3://bucket"; },
       "'inputDataConfig.1.member.dataSource'"},
      {[](Json& r) { r["HyperParameters"]["eta"] = 0.2; }, "'hyperParameters.eta'"},
      {[](Json& r) { r["HyperParameters"] = Json::array(); }, "'hyperParameters'"},
      {[](Json& r) {
         r["AlgorithmSpecification"]["ContainerArguments"] = {"a", 1};
       },
       "'algorithmSpecification.containerArguments.2.member'"},
      {[](Json& r) { r["EnableManagedSpotTraining"] = "true"; }, "'enableManagedSpotTraining'"},
      {[](Json& r) {
         r["StoppingCondition"] = {{"MaxRuntimeInSeconds", {3600}}};
       },
       "'stoppingCondition.maxRuntimeInSeconds'"},
      // A type error wins over constraint violations elsewhere in the request.
      {[](Json& r) {
         r["TrainingJobName"] = "bad_name";
         r["RoleArn"] = true;
       },
       "'roleArn'"},
  };
  for (const auto& [mutate, member] : cases) {
    Json request = OldClientRequest();
    mutate(request);
    SCOPED_TRACE(request.dump());
    Status status = ValidateRequest("CreateTrainingJob", request);
    ASSERT_FALSE(status.ok());
    EXPECT_EQ(status.error().code, ErrorCode::kSerialization);
    EXPECT_NE(status.error().message.find(member), std::string::npos) << status.error().message;
  }
  Status status = ValidateRequest("CreateTrainingJob", Json::array());
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, ErrorCode::kSerialization);
}

TEST(ValidationTest, ScalarTypesAcceptTheirJsonForms) {
  EXPECT_TRUE(ValidateRequest("ListTrainingJobs", {{"CreationTimeAfter", 1700000000}}).ok());
  EXPECT_TRUE(ValidateRequest("ListTrainingJobs", {{"CreationTimeAfter", 1700000000.5}}).ok());
  Status status = ValidateRequest("ListTrainingJobs", {{"CreationTimeAfter", "2024-01-01"}});
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, ErrorCode::kSerialization);
  // long members take 64-bit integers.
  Json request = OldClientRequest();
  request["InputDataConfig"][0]["ShuffleConfig"] = {{"Seed", 9007199254740993LL}};
  EXPECT_TRUE(ValidateRequest("CreateTrainingJob", request).ok());
  request["InputDataConfig"][0]["ShuffleConfig"] = {{"Seed", 18446744073709551615ULL}};
  EXPECT_EQ(ValidateRequest("CreateTrainingJob", request).error().code, ErrorCode::kSerialization);
}

TEST(ValidationTest, UnknownOperation) {
  Status status = ValidateRequest("CreateEndpoint", Json::object());
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, ErrorCode::kUnknownOperation);
  EXPECT_NE(status.error().message.find("CreateEndpoint"), std::string::npos);
}

TEST(ValidationTest, UnknownMembersAreIgnoredAtEveryLevel) {
  Json request = OldClientRequest();
  request["NewTopLevel"] = {{"X", 1}};
  request["ResourceConfig"]["NewNested"] = "value";
  request["InputDataConfig"][0]["DataSource"]["NewSource"] = Json::array();
  EXPECT_TRUE(ValidateRequest("CreateTrainingJob", request).ok());
}

}  // namespace
}  // namespace trainyard
