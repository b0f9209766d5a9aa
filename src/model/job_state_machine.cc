#include "model/job_state_machine.h"

#include <utility>

namespace trainyard {
namespace {

using Kind = JobEventKind;
using Secondary = SecondaryStatus;

constexpr size_t kMaxFailureReasonChars = 1024;

constexpr std::string_view kStartingMessage = "Starting the training job";
constexpr std::string_view kRestartingMessage = "Restarting the training job";
constexpr std::string_view kStoppingMessage = "Stopping the training job";
constexpr std::string_view kInternalErrorText =
    "We encountered an internal error. Please try again.";

// The first `max_chars` code points of UTF-8 `text` (never splits a character).
std::string TruncateChars(std::string text, size_t max_chars) {
  size_t chars = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    bool starts_char = (static_cast<unsigned char>(text[i]) & 0xC0) != 0x80;
    if (starts_char && ++chars > max_chars) {
      text.resize(i);
      break;
    }
  }
  return text;
}

Error Refuse(const JobState& state, const JobEvent& event) {
  std::string where = std::string(ToString(state.status));
  if (!state.transitions.empty()) where += " (" + std::string(ToString(state.secondary)) + ")";
  return MakeError(ErrorCode::kFailedPrecondition,
                   "event " + std::string(ToString(event.kind)) +
                       " is not valid for a training job in status " + where);
}

Error RefuseStop(const JobState& state) {
  return MakeError(ErrorCode::kFailedPrecondition,
                   "The request was rejected because the training job is in status " +
                       std::string(ToString(state.status)) + ".");
}

std::string OrDefault(const std::string& detail, std::string_view fallback) {
  return detail.empty() ? std::string(fallback) : detail;
}

// Moves to `secondary`: a new transition when the secondary status changes,
// otherwise only the current transition's message.
void Enter(JobState& state, Secondary secondary, std::string message, EpochMs now) {
  if (!state.transitions.empty() && state.secondary == secondary) {
    state.transitions.back().message = std::move(message);
    return;
  }
  if (!state.transitions.empty() && !state.transitions.back().end_time) {
    state.transitions.back().end_time = now;
  }
  state.secondary = secondary;
  state.transitions.push_back(StatusTransition{secondary, now, std::nullopt, std::move(message)});
}

void Finish(JobState& state, TrainingJobStatus status, Secondary secondary,
            std::string_view message, EpochMs now) {
  state.status = status;
  Enter(state, secondary, std::string(message), now);
  state.transitions.back().end_time = now;
  state.training_end_time = now;
}

void Fail(JobState& state, const JobEvent& event, EpochMs now) {
  std::string reason;
  switch (event.kind) {
    case Kind::kAlgorithmFailed: reason = "AlgorithmError: " + event.detail; break;
    case Kind::kClientError: reason = "ClientError: " + event.detail; break;
    default: reason = "InternalServerError: " + OrDefault(event.detail, kInternalErrorText);
  }
  state.failure_reason = TruncateChars(std::move(reason), kMaxFailureReasonChars);
  Finish(state, TrainingJobStatus::kFailed, Secondary::kFailed, "Training job failed", now);
}

void FinishStopped(JobState& state, EpochMs now) {
  if (state.stop_cause == StopCause::kMaxRuntime) {
    Finish(state, TrainingJobStatus::kStopped, Secondary::kMaxRuntimeExceeded,
           "Training job exceeded MaxRuntimeInSeconds provided", now);
  } else {
    Finish(state, TrainingJobStatus::kStopped, Secondary::kStopped, "Training job stopped", now);
  }
}

void BeginStopping(JobState& state, StopCause cause, EpochMs now) {
  state.status = TrainingJobStatus::kStopping;
  state.stop_cause = cause;
  // An upload in progress carries on; the job ends Stopped once it is done.
  if (state.secondary != Secondary::kUploading) {
    Enter(state, Secondary::kStopping, std::string(kStoppingMessage), now);
  }
}

void MarkWorkStarted(JobState& state, EpochMs now) {
  if (!state.training_start_time) state.training_start_time = now;
}

bool IsFailure(Kind kind) {
  return kind == Kind::kAlgorithmFailed || kind == Kind::kClientError ||
         kind == Kind::kInternalError;
}

// Events for a job that is InProgress and has been created. Returns false
// when the event does not apply to the current secondary status.
bool ApplyInProgress(JobState& s, const JobEvent& event, EpochMs now) {
  const Secondary at = s.secondary;
  const bool starting = at == Secondary::kStarting || at == Secondary::kRestarting;
  switch (event.kind) {
    case Kind::kLaunchingInstances:
      if (!starting) return false;
      Enter(s, Secondary::kStarting, "Launching requested ML instances", now);
      return true;
    case Kind::kPreparingInstances:
      if (!starting) return false;
      Enter(s, Secondary::kStarting, "Preparing the instances for training", now);
      return true;
    case Kind::kDownloadingData:
      if (!starting) return false;
      MarkWorkStarted(s, now);
      Enter(s, Secondary::kDownloading, OrDefault(event.detail, "Downloading input data"), now);
      return true;
    case Kind::kTrainingStarted:
      if (!starting && at != Secondary::kDownloading) return false;
      MarkWorkStarted(s, now);
      Enter(s, Secondary::kTraining,
            "Training image download completed. Training in progress.", now);
      return true;
    case Kind::kTrainingSucceeded:
      if (at != Secondary::kTraining) return false;
      Enter(s, Secondary::kUploading, OrDefault(event.detail, "Uploading generated training model"), now);
      return true;
    case Kind::kUploadCompleted:
      if (at != Secondary::kUploading) return false;
      Finish(s, TrainingJobStatus::kCompleted, Secondary::kCompleted, "Training job completed", now);
      return true;
    case Kind::kStopRequested:
      BeginStopping(s, StopCause::kUser, now);
      return true;
    case Kind::kMaxRuntimeExceeded:
      BeginStopping(s, StopCause::kMaxRuntime, now);
      return true;
    case Kind::kRestarting:
      if (at == Secondary::kUploading) return false;
      ++s.restart_count;
      Enter(s, Secondary::kRestarting, OrDefault(event.detail, kRestartingMessage), now);
      return true;
    case Kind::kRetrying:
      ++s.retry_count;
      Enter(s, Secondary::kStarting, OrDefault(event.detail, kStartingMessage), now);
      return true;
    default:
      return false;
  }
}

// Events for a job that is Stopping (other than failures and messages).
bool ApplyStopping(JobState& s, const JobEvent& event, EpochMs now) {
  switch (event.kind) {
    case Kind::kStopCompleted:
      FinishStopped(s, now);
      return true;
    case Kind::kUploadCompleted:
      if (s.secondary != Secondary::kUploading) return false;
      FinishStopped(s, now);
      return true;
    default:
      return false;
  }
}

}  // namespace

std::string_view ToString(JobEventKind kind) {
  switch (kind) {
    case Kind::kCreated: return "Created";
    case Kind::kLaunchingInstances: return "LaunchingInstances";
    case Kind::kPreparingInstances: return "PreparingInstances";
    case Kind::kDownloadingData: return "DownloadingData";
    case Kind::kTrainingStarted: return "TrainingStarted";
    case Kind::kTrainingSucceeded: return "TrainingSucceeded";
    case Kind::kUploadCompleted: return "UploadCompleted";
    case Kind::kAlgorithmFailed: return "AlgorithmFailed";
    case Kind::kClientError: return "ClientError";
    case Kind::kInternalError: return "InternalError";
    case Kind::kStopRequested: return "StopRequested";
    case Kind::kMaxRuntimeExceeded: return "MaxRuntimeExceeded";
    case Kind::kStopCompleted: return "StopCompleted";
    case Kind::kRestarting: return "Restarting";
    case Kind::kRetrying: return "Retrying";
    case Kind::kStatusMessage: return "StatusMessage";
  }
  return "Unknown";
}

Result<JobState> ApplyEvent(const JobState& state, const JobEvent& event, EpochMs now) {
  if (event.kind == Kind::kStopRequested && state.status != TrainingJobStatus::kInProgress) {
    return RefuseStop(state);
  }
  const bool created = !state.transitions.empty();
  if (IsTerminal(state.status) || created == (event.kind == Kind::kCreated)) {
    return Refuse(state, event);
  }
  JobState next = state;
  if (event.kind == Kind::kCreated) {
    next.status = TrainingJobStatus::kInProgress;
    Enter(next, Secondary::kStarting, std::string(kStartingMessage), now);
    return next;
  }
  const bool in_progress = state.status == TrainingJobStatus::kInProgress;
  const bool stopping = state.status == TrainingJobStatus::kStopping;
  if ((in_progress || stopping) && IsFailure(event.kind)) {
    Fail(next, event, now);
    return next;
  }
  if ((in_progress || stopping) && event.kind == Kind::kStatusMessage) {
    if (event.detail.empty()) {
      return MakeError(ErrorCode::kInvalidArgument, "a status message must not be empty");
    }
    Enter(next, next.secondary, event.detail, now);
    return next;
  }
  bool applied = in_progress ? ApplyInProgress(next, event, now)
                 : stopping  ? ApplyStopping(next, event, now)
                             : false;
  if (!applied) return Refuse(state, event);
  return next;
}

}  // namespace trainyard
