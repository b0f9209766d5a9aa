// The training job's state machine: a pure function from (state, event, time)
// to the next state. No I/O; the controller persists what it returns.
//
//  Created ─► Starting ─► Downloading ─► Training ─► Uploading ─► Completed
//     │          │  ▲          │             │           │
//     │          │  └─Restarting◄────────────┤ (platform fault, InProgress kept)
//     │          │                           │
//     │          ├── AlgorithmFailed / ClientError / InternalError ─► Failed
//     │          └── StopRequested ─► Stopping ─► Stopped
//     │                MaxRuntimeExceeded ─► Stopping ─► Stopped (MaxRuntimeExceeded)
//
// Every change of secondary status appends a SecondaryStatusTransition and
// closes the previous one (EndTime = now); a new message within the same
// secondary status appends nothing but replaces the message, as SageMaker does.
// Terminal transitions close the last transition too.
//
// ApplyEvent refuses events that make no sense in the current state with
// ErrorCode::kFailedPrecondition (e.g. StopRequested on a Completed job gives
// "The request was rejected because the training job is in status Completed.").
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "model/job_status.h"

namespace trainyard {

struct StatusTransition {
  SecondaryStatus status = SecondaryStatus::kStarting;
  EpochMs start_time = 0;
  std::optional<EpochMs> end_time;
  std::string message;

  bool operator==(const StatusTransition&) const = default;
};

// Why a job is stopping; decides the final secondary status.
enum class StopCause { kNone, kUser, kMaxRuntime };

struct JobState {
  TrainingJobStatus status = TrainingJobStatus::kInProgress;
  SecondaryStatus secondary = SecondaryStatus::kStarting;
  std::vector<StatusTransition> transitions;
  std::string failure_reason;             // set when Failed; at most 1024 characters
  std::optional<EpochMs> training_start_time;  // first time training started
  std::optional<EpochMs> training_end_time;    // set on every terminal status
  StopCause stop_cause = StopCause::kNone;
  int restart_count = 0;                  // automatic restarts so far
  int retry_count = 0;                    // RetryStrategy attempts so far

  bool operator==(const JobState&) const = default;
};

enum class JobEventKind {
  kCreated,             // InProgress/Starting "Starting the training job"
  kLaunchingInstances,  // Starting "Launching requested ML instances"
  kPreparingInstances,  // Starting "Preparing the instances for training"
  kDownloadingData,     // Downloading "Downloading input data"
  kTrainingStarted,     // Training "Training image download completed. Training in progress."
  kTrainingSucceeded,   // Uploading "Uploading generated training model"
  kUploadCompleted,     // Completed, or Stopped/MaxRuntimeExceeded when stopping
  kAlgorithmFailed,     // Failed, reason "AlgorithmError: <detail>"
  kClientError,         // Failed, reason "ClientError: <detail>"
  kInternalError,       // Failed, reason "InternalServerError: <detail>"
  kStopRequested,       // Stopping "Stopping the training job"
  kMaxRuntimeExceeded,  // Stopping; ends Stopped/MaxRuntimeExceeded
  kStopCompleted,       // Stopped (or MaxRuntimeExceeded), after artifacts are uploaded
  kRestarting,          // InProgress/Restarting "<detail>"; restart_count + 1
  kRetrying,            // InProgress/Starting after an internal error; retry_count + 1
  kStatusMessage,       // same secondary status, new message "<detail>"
};

struct JobEvent {
  JobEventKind kind;
  std::string detail;  // failure text, restart cause, or status message, by kind
};

Result<JobState> ApplyEvent(const JobState& state, const JobEvent& event, EpochMs now);

}  // namespace trainyard
