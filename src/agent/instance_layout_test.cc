#include "agent/instance_layout.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace trainyard {
namespace {

TEST(InstanceLayoutTest, SageMakerRootGivesTheContractPaths) {
  auto layout = InstanceLayout::Make("/opt/ml");
  ASSERT_TRUE(layout.ok()) << layout.error().ToString();
  EXPECT_EQ(layout->input_config_dir(), "/opt/ml/input/config");
  EXPECT_EQ(layout->hyperparameters_file(), "/opt/ml/input/config/hyperparameters.json");
  EXPECT_EQ(*layout->channel_dir("train"), "/opt/ml/input/data/train");
  EXPECT_EQ(layout->model_dir(), "/opt/ml/model");
  EXPECT_EQ(layout->output_data_dir(), "/opt/ml/output/data");
  EXPECT_EQ(layout->failure_file(), "/opt/ml/output/failure");
  EXPECT_EQ(layout->code_dir(), "/opt/ml/code");
  EXPECT_EQ(layout->checkpoint_dir, "/opt/ml/checkpoints");
}

TEST(InstanceLayoutTest, TrailingSlashesAndDotsAreNormalized) {
  auto layout = InstanceLayout::Make("/var/ty/job/algo-1/", "/opt/ml/./ckpt/");
  ASSERT_TRUE(layout.ok()) << layout.error().ToString();
  EXPECT_EQ(layout->ml_root, "/var/ty/job/algo-1");
  EXPECT_EQ(layout->model_dir(), "/var/ty/job/algo-1/model");
  EXPECT_EQ(layout->checkpoint_dir, "/var/ty/job/algo-1/ckpt");
}

TEST(InstanceLayoutTest, CheckpointPathUnderOptMlIsRerootedOnlyOutsideANamespace) {
  EXPECT_EQ(InstanceLayout::Make("/i/1")->checkpoint_dir, "/i/1/checkpoints");
  EXPECT_EQ(InstanceLayout::Make("/i/1", "/opt/ml/checkpoints/")->checkpoint_dir,
            "/i/1/checkpoints");
  EXPECT_EQ(InstanceLayout::Make("/opt/ml", "/opt/ml/ck")->checkpoint_dir, "/opt/ml/ck");
  // Not under /opt/ml: used as given.
  EXPECT_EQ(InstanceLayout::Make("/i/1", "/scratch/ck")->checkpoint_dir, "/scratch/ck");
  EXPECT_EQ(InstanceLayout::Make("/i/1", "/opt/mlx")->checkpoint_dir, "/opt/mlx");
}

TEST(InstanceLayoutTest, UnsafeCheckpointPathsAreRefused) {
  for (const char* bad : {"/opt/ml/../../etc", "relative/ck", "/", "/opt/ml", "/opt/ml/",
                          "/opt/ml/ck/..", "/i"}) {
    auto layout = InstanceLayout::Make("/i/1", bad);
    ASSERT_FALSE(layout.ok()) << bad;
    EXPECT_EQ(layout.error().code, ErrorCode::kInvalidArgument) << bad;
  }
  EXPECT_FALSE(InstanceLayout::Make("/opt/ml", "/opt").ok());
}

TEST(InstanceLayoutTest, RootMustBeAbsoluteWithoutDotDot) {
  EXPECT_FALSE(InstanceLayout::Make("").ok());
  EXPECT_FALSE(InstanceLayout::Make("opt/ml").ok());
  EXPECT_FALSE(InstanceLayout::Make("/a/../b").ok());
}

TEST(InstanceLayoutTest, ChannelNamesCannotEscape) {
  auto layout = *InstanceLayout::Make("/opt/ml");
  for (const std::string& good :
       std::vector<std::string>{"train", "a.b-c_D9", "...", std::string(64, 'c')}) {
    EXPECT_TRUE(layout.channel_dir(good).ok()) << good;
  }
  for (const char* bad : {"", ".", "..", "a/b", "../x", "a b", "tr\xC3\xA9", "x\n"}) {
    auto dir = layout.channel_dir(bad);
    ASSERT_FALSE(dir.ok()) << bad;
    EXPECT_EQ(dir.error().code, ErrorCode::kInvalidArgument);
  }
  EXPECT_FALSE(ValidateChannelName(std::string(65, 'c')).ok());
}

}  // namespace
}  // namespace trainyard
