#include "agent/contract_files.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "agent/test_dir.h"

namespace trainyard {
namespace {

namespace fs = std::filesystem;

Json ReadJson(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return Json::parse(text.str());
}

Assignment TwoHostJob() {
  Assignment a;
  a.job_name = "job";
  a.host = "algo-2";
  a.hosts = {"algo-2", "algo-1"};
  a.request = Json::parse(R"({
    "AlgorithmSpecification": {"TrainingImage": "/img", "TrainingInputMode": "File"},
    "HyperParameters": {"lr": "0.1", "sagemaker_program": "\"train.py\""},
    "ResourceConfig": {"InstanceType": "ml.m5.xlarge", "InstanceCount": 2},
    "InputDataConfig": [
      {"ChannelName": "train", "ContentType": "text/csv",
       "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": "file:///d/train",
                                       "S3DataDistributionType": "ShardedByS3Key"}}},
      {"ChannelName": "test", "InputMode": "FastFile", "RecordWrapperType": "RecordIO",
       "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": "file:///d/test"}}}
    ]
  })");
  return a;
}

TEST(ContractFilesTest, ResourceConfigForAHomogeneousCluster) {
  Json expected = Json::parse(R"({
    "current_host": "algo-2", "current_instance_type": "ml.m5.xlarge",
    "current_group_name": "homogeneousCluster", "hosts": ["algo-1", "algo-2"],
    "network_interface_name": "eth0",
    "instance_groups": [{"instance_group_name": "homogeneousCluster",
                         "instance_type": "ml.m5.xlarge", "hosts": ["algo-1", "algo-2"]}]
  })");
  EXPECT_EQ(ResourceConfigJson(TwoHostJob()), expected);
}

TEST(ContractFilesTest, InstanceGroupsGetHostsInRequestOrderByNumber) {
  Assignment a;
  a.host = "algo-3";
  a.request = Json::parse(R"({"ResourceConfig": {"InstanceGroups": [
    {"InstanceGroupName": "cpu", "InstanceType": "ml.c5.xlarge", "InstanceCount": 2},
    {"InstanceGroupName": "gpu", "InstanceType": "ml.p4d.24xlarge", "InstanceCount": 2}]}})");
  a.hosts = {"algo-1", "algo-2", "algo-3", "algo-4"};
  Json config = ResourceConfigJson(a);
  EXPECT_EQ(config["current_group_name"], "gpu");
  EXPECT_EQ(config["current_instance_type"], "ml.p4d.24xlarge");
  EXPECT_EQ(config["instance_groups"][0]["hosts"], Json({"algo-1", "algo-2"}));
  EXPECT_EQ(config["instance_groups"][1]["hosts"], Json({"algo-3", "algo-4"}));
}

TEST(ContractFilesTest, InputDataConfigFillsSageMakersDefaults) {
  Json expected = Json::parse(R"({
    "train": {"ContentType": "text/csv", "TrainingInputMode": "File",
              "S3DistributionType": "ShardedByS3Key", "RecordWrapperType": "None"},
    "test": {"TrainingInputMode": "FastFile", "S3DistributionType": "FullyReplicated",
             "RecordWrapperType": "RecordIO"}
  })");
  auto config = InputDataConfigJson(TwoHostJob().request);
  ASSERT_TRUE(config.ok()) << config.error().ToString();
  EXPECT_EQ(*config, expected);
}

TEST(ContractFilesTest, BadOrDuplicateChannelsAreInvalid) {
  Json request = TwoHostJob().request;
  request["InputDataConfig"][1]["ChannelName"] = "train";
  EXPECT_EQ(ChannelSpecs(request).error().code, ErrorCode::kInvalidArgument);
  request["InputDataConfig"][1]["ChannelName"] = "../escape";
  EXPECT_EQ(ChannelSpecs(request).error().code, ErrorCode::kInvalidArgument);
}

TEST(ContractFilesTest, WritesTheContractFilesAndDirectories) {
  TestDir dir;
  auto layout = *InstanceLayout::Make(dir.path() / "algo-2");
  Assignment a = TwoHostJob();
  ASSERT_TRUE(WriteContractFiles(a, layout).ok());
  EXPECT_EQ(ReadJson(layout.hyperparameters_file()), a.request["HyperParameters"]);
  EXPECT_EQ(ReadJson(layout.resource_config_file()), ResourceConfigJson(a));
  EXPECT_EQ(ReadJson(layout.input_data_config_file()), *InputDataConfigJson(a.request));
  EXPECT_FALSE(fs::exists(layout.checkpoint_config_file()));
  for (const fs::path& d : {layout.model_dir(), layout.output_data_dir(), layout.code_dir(),
                            layout.input_data_dir() / "train", layout.checkpoint_dir}) {
    EXPECT_TRUE(fs::is_directory(d)) << d;
  }
}

TEST(ContractFilesTest, CheckpointConfigNamesTheLocalPathTheProgramSees) {
  TestDir dir;
  auto layout = *InstanceLayout::Make(dir.path() / "i", "/opt/ml/ck");
  Assignment a = TwoHostJob();
  a.request["CheckpointConfig"] = {{"S3Uri", "file:///ckpt"}, {"LocalPath", "/opt/ml/ck"}};
  ASSERT_TRUE(WriteContractFiles(a, layout).ok());
  Json expected = {{"LocalPath", (dir.path() / "i" / "ck").string()}, {"S3Uri", "file:///ckpt"}};
  EXPECT_EQ(ReadJson(layout.checkpoint_config_file()), expected);
}

TEST(ContractFilesTest, HyperparametersAreWrittenExactlyEvenWhenEmpty) {
  TestDir dir;
  auto layout = *InstanceLayout::Make(dir.path());
  Assignment a = TwoHostJob();
  a.request.erase("HyperParameters");
  a.request.erase("InputDataConfig");
  ASSERT_TRUE(WriteContractFiles(a, layout).ok());
  EXPECT_EQ(ReadJson(layout.hyperparameters_file()), Json::object());
  EXPECT_EQ(ReadJson(layout.input_data_config_file()), Json::object());
}

TEST(ContractFilesTest, SymlinksPlantedInTheLayoutAreNotFollowed) {
  TestDir dir;
  auto layout = *InstanceLayout::Make(dir.path() / "i");
  fs::create_directories(dir.path() / "elsewhere");
  fs::create_directories(layout.input_dir());
  fs::create_directory_symlink(dir.path() / "elsewhere", layout.input_config_dir());
  Status status = WriteContractFiles(TwoHostJob(), layout);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_TRUE(fs::is_empty(dir.path() / "elsewhere"));

  fs::remove(layout.input_config_dir());
  fs::create_directories(layout.input_config_dir());
  fs::create_symlink(dir.path() / "elsewhere" / "victim", layout.hyperparameters_file());
  EXPECT_FALSE(WriteContractFiles(TwoHostJob(), layout).ok());
  EXPECT_FALSE(fs::exists(dir.path() / "elsewhere" / "victim"));
}

}  // namespace
}  // namespace trainyard
