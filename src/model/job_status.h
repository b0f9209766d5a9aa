// SageMaker's job statuses, spelled as on the wire.
#pragma once

#include <optional>
#include <string_view>

namespace trainyard {

enum class TrainingJobStatus { kInProgress, kCompleted, kFailed, kStopping, kStopped, kDeleting };

// In the service model's order.
enum class SecondaryStatus {
  kStarting, kLaunchingMLInstances, kPreparingTrainingStack, kDownloading,
  kDownloadingTrainingImage, kTraining, kUploading, kStopping, kStopped,
  kMaxRuntimeExceeded, kCompleted, kFailed, kInterrupted, kMaxWaitTimeExceeded,
  kUpdating, kRestarting, kPending,
};

std::string_view ToString(TrainingJobStatus status);
std::string_view ToString(SecondaryStatus status);
std::optional<TrainingJobStatus> ParseTrainingJobStatus(std::string_view text);
std::optional<SecondaryStatus> ParseSecondaryStatus(std::string_view text);

// Completed, Failed and Stopped: nothing more will happen to the job.
bool IsTerminal(TrainingJobStatus status);

}  // namespace trainyard
