#include "agent/environment.h"

#include <gtest/gtest.h>

#include <map>

namespace trainyard {
namespace {

std::map<std::string, std::string> AsMap(const std::vector<std::string>& env) {
  std::map<std::string, std::string> out;
  for (const std::string& entry : env) {
    size_t eq = entry.find('=');
    EXPECT_NE(eq, std::string::npos) << entry;
    EXPECT_TRUE(out.emplace(entry.substr(0, eq), entry.substr(eq + 1)).second) << "twice: " << entry;
  }
  return out;
}

Assignment ScriptModeJob() {
  Assignment a;
  a.job_name = "my-job";
  a.job_arn = "arn:aws:sagemaker:us-west-2:000000000000:training-job/my-job";
  a.region = "us-west-2";
  a.host = "algo-1";
  a.hosts = {"algo-2", "algo-1"};
  a.master_port = 29500;
  a.request = Json::parse(R"({
    "AlgorithmSpecification": {"TrainingImage": "/img", "TrainingInputMode": "File"},
    "HyperParameters": {"batch-size": "256", "use_cuda": "true", "opt": "{\"a\": 1}",
                        "sagemaker_program": "\"train.py\"",
                        "sagemaker_submit_directory": "\"file:///src\"",
                        "sagemaker_container_log_level": "10"},
    "ResourceConfig": {"InstanceType": "ml.m5.xlarge", "InstanceCount": 2},
    "InputDataConfig": [
      {"ChannelName": "training", "DataSource": {"S3DataSource": {"S3Uri": "file:///d"}}},
      {"ChannelName": "eval", "DataSource": {"S3DataSource": {"S3Uri": "file:///e"}}}],
    "Environment": {"QUOTED": "say \"hi\"", "MULTI": "line1\nline2",
                    "SUBST": "$(rm -rf /) `x` ${HOME}", "REL": "../../etc/passwd",
                    "SM_LOG_LEVEL": "40"}
  })");
  return a;
}

class EnvironmentTest : public ::testing::Test {
 protected:
  std::map<std::string, std::string> Build(const Assignment& a) {
    auto env = BuildEnvironment(a, layout_, options_);
    EXPECT_TRUE(env.ok()) << env.error().ToString();
    if (!env.ok()) return {};
    EXPECT_TRUE(std::is_sorted(env->begin(), env->end()));
    return AsMap(*env);
  }

  InstanceLayout layout_ = *InstanceLayout::Make("/opt/ml");
  EnvironmentOptions options_{.master_addr = "algo-1",
                              .num_cpus = 8,
                              .num_gpus = 0,
                              .inherited = {{"PATH", "/usr/bin:/bin"}, {"LANG", "C.UTF-8"}}};
};

TEST_F(EnvironmentTest, ToolkitVariablesForScriptMode) {
  auto env = Build(ScriptModeJob());
  EXPECT_EQ(env["SM_MODEL_DIR"], "/opt/ml/model");
  EXPECT_EQ(env["SM_CHANNELS"], R"(["eval","training"])");
  EXPECT_EQ(env["SM_CHANNEL_TRAINING"], "/opt/ml/input/data/training");
  EXPECT_EQ(env["SM_CHANNEL_EVAL"], "/opt/ml/input/data/eval");
  EXPECT_EQ(env["SM_HPS"], R"({"batch-size":256,"opt":{"a":1},"use_cuda":true})");
  EXPECT_EQ(env["SM_HP_BATCH-SIZE"], "256");
  EXPECT_EQ(env["SM_HP_USE_CUDA"], "true");
  EXPECT_EQ(env["SM_HP_OPT"], R"({"a":1})");
  EXPECT_FALSE(env.contains("SM_HP_SAGEMAKER_PROGRAM"));
  EXPECT_EQ(env["SM_USER_ARGS"], R"(["--batch-size","256","--opt","a=1","--use_cuda","True"])");
  EXPECT_EQ(env["SM_CURRENT_HOST"], "algo-1");
  EXPECT_EQ(env["SM_HOSTS"], R"(["algo-1","algo-2"])");
  EXPECT_EQ(env["SM_NUM_GPUS"], "0");
  EXPECT_EQ(env["SM_NUM_CPUS"], "8");
  EXPECT_EQ(env["SM_NETWORK_INTERFACE_NAME"], "eth0");
  EXPECT_EQ(env["SM_INPUT_DIR"], "/opt/ml/input");
  EXPECT_EQ(env["SM_INPUT_CONFIG_DIR"], "/opt/ml/input/config");
  EXPECT_EQ(env["SM_OUTPUT_DIR"], "/opt/ml/output");
  EXPECT_EQ(env["SM_OUTPUT_DATA_DIR"], "/opt/ml/output/data");
  EXPECT_EQ(env["SM_OUTPUT_INTERMEDIATE_DIR"], "/opt/ml/output/intermediate");
  EXPECT_EQ(env["SM_CURRENT_INSTANCE_TYPE"], "ml.m5.xlarge");
  EXPECT_EQ(env["SM_CURRENT_INSTANCE_GROUP"], "homogeneousCluster");
  EXPECT_EQ(env["SM_USER_ENTRY_POINT"], "train.py");
  EXPECT_EQ(env["SM_MODULE_NAME"], "train");
  EXPECT_EQ(env["SM_MODULE_DIR"], "file:///src");
  EXPECT_EQ(env["SM_FRAMEWORK_PARAMS"], "{}");
  EXPECT_EQ(env["SM_IS_HETERO"], "false");
  EXPECT_EQ(env["SM_RESOURCE_CONFIG"],
            R"({"current_group_name":"homogeneousCluster","current_host":"algo-1",)"
            R"("current_instance_type":"ml.m5.xlarge","hosts":["algo-1","algo-2"],)"
            R"("instance_groups":[{"hosts":["algo-1","algo-2"],)"
            R"("instance_group_name":"homogeneousCluster","instance_type":"ml.m5.xlarge"}],)"
            R"("network_interface_name":"eth0"})");
  EXPECT_EQ(env["SM_INPUT_DATA_CONFIG"],
            R"({"eval":{"RecordWrapperType":"None","S3DistributionType":"FullyReplicated",)"
            R"("TrainingInputMode":"File"},"training":{"RecordWrapperType":"None",)"
            R"("S3DistributionType":"FullyReplicated","TrainingInputMode":"File"}})");
  EXPECT_EQ(env["SM_CHECKPOINT_DIR"], "/opt/ml/checkpoints");
  EXPECT_EQ(env["PYTHONPATH"], "/opt/ml/code");
}

TEST_F(EnvironmentTest, TrainingEnvHoldsEveryToolkitProperty) {
  auto env = Build(ScriptModeJob());
  Json training_env = Json::parse(env["SM_TRAINING_ENV"]);
  EXPECT_EQ(training_env["job_name"], "my-job");
  EXPECT_EQ(training_env["master_hostname"], "algo-1");
  EXPECT_EQ(training_env["is_master"], true);
  EXPECT_EQ(training_env["log_level"], 10);
  EXPECT_EQ(training_env["hyperparameters"]["batch-size"], 256);
  EXPECT_EQ(training_env["channel_input_dirs"]["eval"], "/opt/ml/input/data/eval");
  for (const char* key : {"additional_framework_parameters", "current_instance_group_hosts",
                          "distribution_hosts", "input_data_config", "instance_groups_dict",
                          "module_dir", "num_cpus", "output_intermediate_dir", "resource_config",
                          "user_entry_point"}) {
    EXPECT_TRUE(training_env.contains(key)) << key;
  }
  // Compact JSON with sorted keys, as json.dumps(sort_keys=True, separators=(",", ":")).
  EXPECT_EQ(env["SM_TRAINING_ENV"], training_env.dump());
}

TEST_F(EnvironmentTest, PlatformVariables) {
  auto env = Build(ScriptModeJob());
  EXPECT_EQ(env["TRAINING_JOB_NAME"], "my-job");
  EXPECT_EQ(env["TRAINING_JOB_ARN"], "arn:aws:sagemaker:us-west-2:000000000000:training-job/my-job");
  EXPECT_EQ(env["AWS_REGION"], "us-west-2");
  EXPECT_EQ(env["CURRENT_HOST"], "algo-1");
  EXPECT_EQ(env["MASTER_ADDR"], "algo-1");
  EXPECT_EQ(env["MASTER_PORT"], "29500");
  EXPECT_EQ(env["PATH"], "/usr/bin:/bin");
  EXPECT_EQ(env["LANG"], "C.UTF-8");
  EXPECT_FALSE(env.contains("HOME"));  // not set in the agent: not invented
}

TEST_F(EnvironmentTest, JobEnvironmentIsPassedVerbatimAndWins) {
  auto env = Build(ScriptModeJob());
  EXPECT_EQ(env["QUOTED"], "say \"hi\"");
  EXPECT_EQ(env["MULTI"], "line1\nline2");
  EXPECT_EQ(env["SUBST"], "$(rm -rf /) `x` ${HOME}");
  EXPECT_EQ(env["REL"], "../../etc/passwd");
  EXPECT_EQ(env["SM_LOG_LEVEL"], "40");  // the job's value over the toolkit's "10"
}

TEST_F(EnvironmentTest, WithoutScriptModeThereIsNoPythonPathAndDefaultsApply) {
  Assignment a = ScriptModeJob();
  a.request["HyperParameters"] = {{"epochs", "3"}};
  a.request.erase("Environment");
  a.master_port = 0;
  options_.inherited.clear();
  options_.master_addr = "127.0.0.1";
  auto env = Build(a);
  EXPECT_FALSE(env.contains("PYTHONPATH"));
  EXPECT_FALSE(env.contains("MASTER_PORT"));
  EXPECT_EQ(env["MASTER_ADDR"], "127.0.0.1");
  EXPECT_EQ(env["SM_LOG_LEVEL"], "20");
  EXPECT_EQ(env["SM_USER_ENTRY_POINT"], "");
  EXPECT_EQ(env["SM_MODULE_DIR"], "/opt/ml/code");
  EXPECT_FALSE(env["PATH"].empty());
}

TEST_F(EnvironmentTest, PathsFollowTheLayoutOutsideANamespace) {
  layout_ = *InstanceLayout::Make("/var/lib/ty/jobs/j/algo-1");
  auto env = Build(ScriptModeJob());
  EXPECT_EQ(env["SM_MODEL_DIR"], "/var/lib/ty/jobs/j/algo-1/model");
  EXPECT_EQ(env["SM_CHANNEL_TRAINING"], "/var/lib/ty/jobs/j/algo-1/input/data/training");
  EXPECT_EQ(env["SM_CHECKPOINT_DIR"], "/var/lib/ty/jobs/j/algo-1/checkpoints");
}

TEST_F(EnvironmentTest, DistributionFlagsMakeTheGroupDistributed) {
  Assignment a = ScriptModeJob();
  a.request["HyperParameters"]["sagemaker_pytorch_ddp_enabled"] = "true";
  a.host = "algo-2";
  auto env = Build(a);
  EXPECT_EQ(env["SM_DISTRIBUTION_INSTANCE_GROUPS"], R"(["homogeneousCluster"])");
  EXPECT_EQ(env["SM_FRAMEWORK_PARAMS"], R"({"sagemaker_pytorch_ddp_enabled":true})");
  Json training_env = Json::parse(env["SM_TRAINING_ENV"]);
  EXPECT_EQ(training_env["distribution_hosts"], Json({"algo-1", "algo-2"}));
  EXPECT_EQ(training_env["is_master"], false);
}

TEST_F(EnvironmentTest, ValuesThatCannotBeEnvironmentVariablesAreRefused) {
  Assignment a = ScriptModeJob();
  a.request["Environment"] = {{"A=B", "x"}};
  EXPECT_EQ(BuildEnvironment(a, layout_, options_).error().code, ErrorCode::kInvalidArgument);
  a.request["Environment"] = {{"NUL", std::string("a\0b", 3)}};
  EXPECT_EQ(BuildEnvironment(a, layout_, options_).error().code, ErrorCode::kInvalidArgument);
}

TEST_F(EnvironmentTest, HyperparameterNamesWithEqualsGetNoVariable) {
  Assignment a = ScriptModeJob();
  a.request["HyperParameters"]["a=b"] = "1";
  auto env = Build(a);
  EXPECT_FALSE(env.contains("SM_HP_A"));
  EXPECT_EQ(env["SM_HP_BATCH-SIZE"], "256");
}

}  // namespace
}  // namespace trainyard
