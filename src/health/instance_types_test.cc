#include "health/instance_types.h"

#include <gtest/gtest.h>

namespace trainyard {
namespace {

TEST(GpusPromisedTest, GpuTypesPromiseTheirCountAndModel) {
  struct Case {
    const char* type;
    int count;
    const char* model;
  };
  const Case cases[] = {
      {"ml.p3.2xlarge", 1, "NVIDIA V100"},     {"ml.p3.8xlarge", 4, "NVIDIA V100"},
      {"ml.p3.16xlarge", 8, "NVIDIA V100"},    {"ml.p3dn.24xlarge", 8, "NVIDIA V100"},
      {"ml.p4d.24xlarge", 8, "NVIDIA A100"},   {"ml.p4de.24xlarge", 8, "NVIDIA A100"},
      {"ml.p5.48xlarge", 8, "NVIDIA H100"},    {"ml.p5e.48xlarge", 8, "NVIDIA H200"},
      {"ml.p5en.48xlarge", 8, "NVIDIA H200"},  {"ml.g4dn.xlarge", 1, "NVIDIA T4"},
      {"ml.g4dn.16xlarge", 1, "NVIDIA T4"},    {"ml.g4dn.12xlarge", 4, "NVIDIA T4"},
      {"ml.g5.xlarge", 1, "NVIDIA A10G"},      {"ml.g5.16xlarge", 1, "NVIDIA A10G"},
      {"ml.g5.12xlarge", 4, "NVIDIA A10G"},    {"ml.g5.24xlarge", 4, "NVIDIA A10G"},
      {"ml.g5.48xlarge", 8, "NVIDIA A10G"},    {"ml.g6.4xlarge", 1, "NVIDIA L4"},
      {"ml.g6.48xlarge", 8, "NVIDIA L4"},      {"ml.g6e.12xlarge", 4, "NVIDIA L40S"},
  };
  for (const Case& c : cases) {
    std::optional<InstanceGpus> gpus = GpusPromised(c.type);
    ASSERT_TRUE(gpus.has_value()) << c.type;
    EXPECT_EQ(gpus->count, c.count) << c.type;
    EXPECT_EQ(gpus->model, c.model) << c.type;
  }
}

TEST(GpusPromisedTest, CpuAndNeuronTypesPromiseNone) {
  for (const char* type : {"ml.m5.xlarge", "ml.m5.24xlarge", "ml.c5.large", "ml.c5n.18xlarge",
                           "ml.r5.4xlarge", "ml.t3.medium", "ml.m6i.metal", "ml.trn1.32xlarge",
                           "ml.inf2.xlarge"}) {
    std::optional<InstanceGpus> gpus = GpusPromised(type);
    ASSERT_TRUE(gpus.has_value()) << type;
    EXPECT_EQ(gpus->count, 0) << type;
    EXPECT_TRUE(gpus->model.empty()) << type;
  }
}

TEST(GpusPromisedTest, UnknownTypesAreNotGuessed) {
  for (const char* type : {"", "ml.", "ml.m5", "ml.p4d.xlarge", "ml.g5.3xlarge", "p4d.24xlarge",
                           "ml.x9.xlarge", "ml.m5.hugexlarge", "local_gpu"}) {
    EXPECT_FALSE(GpusPromised(type).has_value()) << type;
  }
}

}  // namespace
}  // namespace trainyard
