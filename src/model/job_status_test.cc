#include "model/job_status.h"

#include <gtest/gtest.h>

namespace trainyard {
namespace {

TEST(JobStatusTest, EveryStatusRoundTripsThroughItsWireName) {
  for (int i = 0; i <= static_cast<int>(TrainingJobStatus::kDeleting); ++i) {
    auto status = static_cast<TrainingJobStatus>(i);
    EXPECT_EQ(ParseTrainingJobStatus(ToString(status)), status) << ToString(status);
  }
  for (int i = 0; i <= static_cast<int>(SecondaryStatus::kPending); ++i) {
    auto status = static_cast<SecondaryStatus>(i);
    EXPECT_EQ(ParseSecondaryStatus(ToString(status)), status) << ToString(status);
  }
}

TEST(JobStatusTest, WireNamesAreSageMakers) {
  EXPECT_EQ(ToString(TrainingJobStatus::kInProgress), "InProgress");
  EXPECT_EQ(ToString(TrainingJobStatus::kStopped), "Stopped");
  EXPECT_EQ(ToString(SecondaryStatus::kLaunchingMLInstances), "LaunchingMLInstances");
  EXPECT_EQ(ToString(SecondaryStatus::kMaxRuntimeExceeded), "MaxRuntimeExceeded");
  EXPECT_EQ(ToString(SecondaryStatus::kPending), "Pending");
}

TEST(JobStatusTest, UnknownOrMiscasedNamesDoNotParse) {
  EXPECT_FALSE(ParseTrainingJobStatus("inprogress"));
  EXPECT_FALSE(ParseTrainingJobStatus(""));
  EXPECT_FALSE(ParseSecondaryStatus("Running"));
}

TEST(JobStatusTest, OnlyCompletedFailedAndStoppedAreTerminal) {
  EXPECT_FALSE(IsTerminal(TrainingJobStatus::kInProgress));
  EXPECT_TRUE(IsTerminal(TrainingJobStatus::kCompleted));
  EXPECT_TRUE(IsTerminal(TrainingJobStatus::kFailed));
  EXPECT_FALSE(IsTerminal(TrainingJobStatus::kStopping));
  EXPECT_TRUE(IsTerminal(TrainingJobStatus::kStopped));
  EXPECT_FALSE(IsTerminal(TrainingJobStatus::kDeleting));
}

}  // namespace
}  // namespace trainyard
