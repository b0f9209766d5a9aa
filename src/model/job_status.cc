#include "model/job_status.h"

#include <array>
#include <utility>

namespace trainyard {
namespace {

constexpr std::array<std::pair<TrainingJobStatus, std::string_view>, 6> kStatusNames{{
    {TrainingJobStatus::kInProgress, "InProgress"},
    {TrainingJobStatus::kCompleted, "Completed"},
    {TrainingJobStatus::kFailed, "Failed"},
    {TrainingJobStatus::kStopping, "Stopping"},
    {TrainingJobStatus::kStopped, "Stopped"},
    {TrainingJobStatus::kDeleting, "Deleting"},
}};

constexpr std::array<std::pair<SecondaryStatus, std::string_view>, 17> kSecondaryNames{{
    {SecondaryStatus::kStarting, "Starting"},
    {SecondaryStatus::kLaunchingMLInstances, "LaunchingMLInstances"},
    {SecondaryStatus::kPreparingTrainingStack, "PreparingTrainingStack"},
    {SecondaryStatus::kDownloading, "Downloading"},
    {SecondaryStatus::kDownloadingTrainingImage, "DownloadingTrainingImage"},
    {SecondaryStatus::kTraining, "Training"},
    {SecondaryStatus::kUploading, "Uploading"},
    {SecondaryStatus::kStopping, "Stopping"},
    {SecondaryStatus::kStopped, "Stopped"},
    {SecondaryStatus::kMaxRuntimeExceeded, "MaxRuntimeExceeded"},
    {SecondaryStatus::kCompleted, "Completed"},
    {SecondaryStatus::kFailed, "Failed"},
    {SecondaryStatus::kInterrupted, "Interrupted"},
    {SecondaryStatus::kMaxWaitTimeExceeded, "MaxWaitTimeExceeded"},
    {SecondaryStatus::kUpdating, "Updating"},
    {SecondaryStatus::kRestarting, "Restarting"},
    {SecondaryStatus::kPending, "Pending"},
}};

template <typename Enum, size_t N>
std::string_view NameOf(const std::array<std::pair<Enum, std::string_view>, N>& table,
                        Enum value) {
  for (const auto& [e, name] : table) {
    if (e == value) return name;
  }
  return "Unknown";
}

template <typename Enum, size_t N>
std::optional<Enum> ValueOf(const std::array<std::pair<Enum, std::string_view>, N>& table,
                            std::string_view text) {
  for (const auto& [e, name] : table) {
    if (name == text) return e;
  }
  return std::nullopt;
}

}  // namespace

std::string_view ToString(TrainingJobStatus status) { return NameOf(kStatusNames, status); }
std::string_view ToString(SecondaryStatus status) { return NameOf(kSecondaryNames, status); }

std::optional<TrainingJobStatus> ParseTrainingJobStatus(std::string_view text) {
  return ValueOf(kStatusNames, text);
}

std::optional<SecondaryStatus> ParseSecondaryStatus(std::string_view text) {
  return ValueOf(kSecondaryNames, text);
}

bool IsTerminal(TrainingJobStatus status) {
  return status == TrainingJobStatus::kCompleted || status == TrainingJobStatus::kFailed ||
         status == TrainingJobStatus::kStopped;
}

}  // namespace trainyard
