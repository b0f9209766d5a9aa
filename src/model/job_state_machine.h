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
// Which events each state accepts (S = secondary status; any other pair is
// refused with kFailedPrecondition naming the event and the status):
//
//  InProgress, no transitions yet  Created
//  InProgress/Starting             LaunchingInstances, PreparingInstances (message
//                                  only), DownloadingData, TrainingStarted
//  InProgress/Restarting           the same as Starting (entering Starting again
//                                  for the first two)
//  InProgress/Downloading          TrainingStarted
//  InProgress/Training             TrainingSucceeded
//  InProgress/Uploading            UploadCompleted ─► Completed
//  InProgress, S not Uploading     Restarting (restart_count + 1)
//  InProgress, any S               Retrying (─► Starting, retry_count + 1),
//                                  StopRequested / MaxRuntimeExceeded ─► Stopping
//                                  (from Uploading the secondary status stays
//                                  Uploading: artifacts are still uploaded),
//  InProgress or Stopping          AlgorithmFailed / ClientError / InternalError
//                                  ─► Failed, StatusMessage
//  Stopping, any S                 StopCompleted ─► Stopped
//  Stopping/Uploading              UploadCompleted ─► Stopped
//  Completed / Failed / Stopped    nothing
//
// Stopped's secondary status is MaxRuntimeExceeded when MaxRuntimeExceeded
// caused the stop, else Stopped. StopRequested on a job that is not InProgress
// gives "The request was rejected because the training job is in status
// <Status>." (SageMaker's StopTrainingJob message).
//
// Every change of secondary status appends a SecondaryStatusTransition and
// closes the previous one (EndTime = now); a new message within the same
// secondary status appends nothing but replaces the message, as SageMaker does.
// A terminal status appends its transition already closed (EndTime = now) and
// sets training_end_time. A restart keeps the job InProgress and leaves
// training_start_time as it was.
#pragma once

#include <optional>
#include <string>
#include <string_view>
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
  // First time the instances began work on the job (Downloading or Training),
  // as SageMaker's TrainingStartTime; unset if the job never got that far.
  std::optional<EpochMs> training_start_time;
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
  kDownloadingData,     // Downloading "Downloading input data" (or the detail, when given)
  kTrainingStarted,     // Training "Training image download completed. Training in progress."
  kTrainingSucceeded,   // Uploading "Uploading generated training model" (or the detail)
  kUploadCompleted,     // Completed, or Stopped/MaxRuntimeExceeded when stopping
  kAlgorithmFailed,     // Failed, reason "AlgorithmError: <detail>"
  kClientError,         // Failed, reason "ClientError: <detail>"
  kInternalError,       // Failed, reason "InternalServerError: <detail>"
  kStopRequested,       // Stopping "Stopping the training job"
  kMaxRuntimeExceeded,  // Stopping; ends Stopped/MaxRuntimeExceeded
  kStopCompleted,       // Stopped (or MaxRuntimeExceeded), after artifacts are uploaded
  kRestarting,          // InProgress/Restarting "<detail>"; restart_count + 1
  kRetrying,            // InProgress/Starting "<detail>" (default "Starting the
                        // training job") instead of failing on an internal
                        // error; retry_count + 1
  kStatusMessage,       // same secondary status, new message "<detail>" (not empty)
};

struct JobEvent {
  JobEventKind kind;
  std::string detail;  // failure text, restart cause, or status message, by kind
};

// The event's name without the k, e.g. "TrainingSucceeded".
std::string_view ToString(JobEventKind kind);

// The state after `event` at time `now`, or kFailedPrecondition when `state`
// does not accept the event (see the table above), or kInvalidArgument for a
// StatusMessage without text. `state` is never modified.
Result<JobState> ApplyEvent(const JobState& state, const JobEvent& event, EpochMs now);

}  // namespace trainyard
