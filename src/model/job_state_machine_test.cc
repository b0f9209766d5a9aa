#include "model/job_state_machine.h"

#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

namespace trainyard {
namespace {

using Kind = JobEventKind;
using Primary = TrainingJobStatus;
using Secondary = SecondaryStatus;

constexpr EpochMs kT0 = 1'700'000'000'000;

const std::vector<Kind> kAllKinds = {
    Kind::kCreated,          Kind::kLaunchingInstances, Kind::kPreparingInstances,
    Kind::kDownloadingData,  Kind::kTrainingStarted,    Kind::kTrainingSucceeded,
    Kind::kUploadCompleted,  Kind::kAlgorithmFailed,    Kind::kClientError,
    Kind::kInternalError,    Kind::kStopRequested,      Kind::kMaxRuntimeExceeded,
    Kind::kStopCompleted,    Kind::kRestarting,         Kind::kRetrying,
    Kind::kStatusMessage,
};

// Applies `events` one second apart, each must succeed: from kT0 + 1s for a
// fresh job, else from one second after the start of the current transition.
JobState Drive(const std::vector<JobEvent>& events, JobState state = {}) {
  EpochMs now = kT0;
  if (!state.transitions.empty()) now = state.transitions.back().start_time;
  for (const JobEvent& event : events) {
    now += 1000;
    Result<JobState> next = ApplyEvent(state, event, now);
    EXPECT_TRUE(next.ok()) << ToString(event.kind) << ": " << next.error().ToString();
    if (!next.ok()) return state;
    state = std::move(next).value();
  }
  return state;
}

JobState Drive(const std::vector<Kind>& kinds) {
  std::vector<JobEvent> events;
  for (Kind kind : kinds) events.push_back({kind, ""});
  return Drive(events);
}

// Named states reachable from a fresh job, one per row of the header's table.
std::map<std::string, JobState> States() {
  const std::vector<Kind> to_training = {Kind::kCreated, Kind::kDownloadingData,
                                         Kind::kTrainingStarted};
  auto then = [&](std::vector<Kind> more) {
    std::vector<Kind> kinds = to_training;
    kinds.insert(kinds.end(), more.begin(), more.end());
    return Drive(kinds);
  };
  return {
      {"Fresh", JobState{}},
      {"Starting", Drive({Kind::kCreated})},
      {"Restarting", then({Kind::kRestarting})},
      {"Downloading", Drive({Kind::kCreated, Kind::kDownloadingData})},
      {"Training", then({})},
      {"Uploading", then({Kind::kTrainingSucceeded})},
      {"StoppingByUser", then({Kind::kStopRequested})},
      {"StoppingByMaxRuntime", then({Kind::kMaxRuntimeExceeded})},
      {"StoppingWhileUploading", then({Kind::kTrainingSucceeded, Kind::kStopRequested})},
      {"Completed", then({Kind::kTrainingSucceeded, Kind::kUploadCompleted})},
      {"Failed", then({Kind::kAlgorithmFailed})},
      {"Stopped", then({Kind::kStopRequested, Kind::kStopCompleted})},
      {"StoppedByMaxRuntime", then({Kind::kMaxRuntimeExceeded, Kind::kStopCompleted})},
  };
}

using Outcome = std::pair<Primary, Secondary>;
using Key = std::pair<std::string, Kind>;

void AddFailures(std::map<Key, Outcome>& table, const std::string& state) {
  for (Kind kind : {Kind::kAlgorithmFailed, Kind::kClientError, Kind::kInternalError}) {
    table[{state, kind}] = {Primary::kFailed, Secondary::kFailed};
  }
}

// Every accepted (state, event) pair and where it leads; all others are refused.
std::map<Key, Outcome> AcceptedTransitions() {
  std::map<Key, Outcome> t;
  const Outcome stopping = {Primary::kStopping, Secondary::kStopping};
  t[{"Fresh", Kind::kCreated}] = {Primary::kInProgress, Secondary::kStarting};
  for (std::string s : {"Starting", "Restarting"}) {
    t[{s, Kind::kLaunchingInstances}] = {Primary::kInProgress, Secondary::kStarting};
    t[{s, Kind::kPreparingInstances}] = {Primary::kInProgress, Secondary::kStarting};
    t[{s, Kind::kDownloadingData}] = {Primary::kInProgress, Secondary::kDownloading};
  }
  for (std::string s : {"Starting", "Restarting", "Downloading"}) {
    t[{s, Kind::kTrainingStarted}] = {Primary::kInProgress, Secondary::kTraining};
  }
  t[{"Training", Kind::kTrainingSucceeded}] = {Primary::kInProgress, Secondary::kUploading};
  t[{"Uploading", Kind::kUploadCompleted}] = {Primary::kCompleted, Secondary::kCompleted};
  for (std::string s : {"Starting", "Restarting", "Downloading", "Training", "Uploading"}) {
    AddFailures(t, s);
    t[{s, Kind::kStopRequested}] = stopping;
    t[{s, Kind::kMaxRuntimeExceeded}] = stopping;
    t[{s, Kind::kRetrying}] = {Primary::kInProgress, Secondary::kStarting};
    t[{s, Kind::kStatusMessage}] = {Primary::kInProgress, States()[s].secondary};
    if (s != "Uploading") {
      t[{s, Kind::kRestarting}] = {Primary::kInProgress, Secondary::kRestarting};
    }
  }
  t[{"Uploading", Kind::kStopRequested}] = {Primary::kStopping, Secondary::kUploading};
  t[{"Uploading", Kind::kMaxRuntimeExceeded}] = {Primary::kStopping, Secondary::kUploading};
  for (std::string s : {"StoppingByUser", "StoppingByMaxRuntime", "StoppingWhileUploading"}) {
    AddFailures(t, s);
    t[{s, Kind::kStatusMessage}] = {Primary::kStopping, States()[s].secondary};
    t[{s, Kind::kStopCompleted}] = {Primary::kStopped, Secondary::kStopped};
  }
  t[{"StoppingByMaxRuntime", Kind::kStopCompleted}] = {Primary::kStopped,
                                                       Secondary::kMaxRuntimeExceeded};
  t[{"StoppingWhileUploading", Kind::kUploadCompleted}] = {Primary::kStopped,
                                                           Secondary::kStopped};
  return t;
}

TEST(JobStateMachineTest, EveryEventFromEveryStateFollowsTheTable) {
  const std::map<Key, Outcome> accepted = AcceptedTransitions();
  int accepted_seen = 0;
  for (const auto& [name, state] : States()) {
    for (Kind kind : kAllKinds) {
      SCOPED_TRACE(name + " + " + std::string(ToString(kind)));
      Result<JobState> next = ApplyEvent(state, JobEvent{kind, "detail"}, kT0 + 60'000);
      auto it = accepted.find({name, kind});
      if (it == accepted.end()) {
        ASSERT_FALSE(next.ok());
        EXPECT_EQ(next.error().code, ErrorCode::kFailedPrecondition);
        continue;
      }
      ++accepted_seen;
      ASSERT_TRUE(next.ok()) << next.error().ToString();
      EXPECT_EQ(next->status, it->second.first);
      EXPECT_EQ(next->secondary, it->second.second);
      ASSERT_FALSE(next->transitions.empty());
      EXPECT_EQ(next->transitions.back().status, next->secondary);
    }
  }
  EXPECT_EQ(accepted_seen, static_cast<int>(accepted.size()));  // the table names real states
}

TEST(JobStateMachineTest, HappyPathRecordsSageMakersTransitions) {
  JobState s = Drive({Kind::kCreated, Kind::kLaunchingInstances, Kind::kPreparingInstances,
                      Kind::kDownloadingData, Kind::kTrainingStarted, Kind::kTrainingSucceeded,
                      Kind::kUploadCompleted});
  auto t = [](int seconds) { return kT0 + seconds * 1000; };
  std::vector<StatusTransition> expected = {
      {Secondary::kStarting, t(1), t(4), "Preparing the instances for training"},
      {Secondary::kDownloading, t(4), t(5), "Downloading input data"},
      {Secondary::kTraining, t(5), t(6),
       "Training image download completed. Training in progress."},
      {Secondary::kUploading, t(6), t(7), "Uploading generated training model"},
      {Secondary::kCompleted, t(7), t(7), "Training job completed"},
  };
  EXPECT_EQ(s.transitions, expected);
  EXPECT_EQ(s.status, Primary::kCompleted);
  EXPECT_EQ(s.training_start_time, t(4));
  EXPECT_EQ(s.training_end_time, t(7));
  EXPECT_EQ(s.failure_reason, "");
}

TEST(JobStateMachineTest, CreatedStartsTheJobWithAnOpenTransition) {
  Result<JobState> s = ApplyEvent(JobState{}, {Kind::kCreated, ""}, kT0);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->status, Primary::kInProgress);
  ASSERT_EQ(s->transitions.size(), 1u);
  EXPECT_EQ(s->transitions[0],
            (StatusTransition{Secondary::kStarting, kT0, std::nullopt, "Starting the training job"}));
  EXPECT_FALSE(s->training_start_time);
}

TEST(JobStateMachineTest, TrainingWithoutInputDataSkipsDownloading) {
  JobState s = Drive({Kind::kCreated, Kind::kTrainingStarted});
  ASSERT_EQ(s.transitions.size(), 2u);
  EXPECT_EQ(s.transitions[1].status, Secondary::kTraining);
  EXPECT_EQ(s.training_start_time, kT0 + 2000);
}

TEST(JobStateMachineTest, NewMessageInSameStatusReplacesTheMessage) {
  JobState s = Drive({{Kind::kCreated, ""}, {Kind::kLaunchingInstances, ""},
                      {Kind::kStatusMessage, "Launched instance was unhealthy, replacing it!"}});
  ASSERT_EQ(s.transitions.size(), 1u);
  EXPECT_EQ(s.transitions[0].message, "Launched instance was unhealthy, replacing it!");
  EXPECT_EQ(s.transitions[0].start_time, kT0 + 1000);
  EXPECT_FALSE(s.transitions[0].end_time);
}

TEST(JobStateMachineTest, EmptyStatusMessageIsInvalid) {
  Result<JobState> s = ApplyEvent(Drive({Kind::kCreated}), {Kind::kStatusMessage, ""}, kT0);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::kInvalidArgument);
}

TEST(JobStateMachineTest, FailuresCarryTheirPrefixAndCloseTheJob) {
  const std::vector<std::tuple<Kind, std::string, std::string>> cases = {
      {Kind::kAlgorithmFailed, "ExecuteUserScriptError:\nExitCode 1",
       "AlgorithmError: ExecuteUserScriptError:\nExitCode 1"},
      {Kind::kClientError, "no such bucket", "ClientError: no such bucket"},
      {Kind::kInternalError, "agent lost", "InternalServerError: agent lost"},
      {Kind::kInternalError, "",
       "InternalServerError: We encountered an internal error. Please try again."},
  };
  for (const auto& [kind, detail, reason] : cases) {
    SCOPED_TRACE(reason);
    JobState s = Drive({{Kind::kCreated, ""}, {Kind::kTrainingStarted, ""}, {kind, detail}});
    EXPECT_EQ(s.status, Primary::kFailed);
    EXPECT_EQ(s.failure_reason, reason);
    ASSERT_EQ(s.transitions.size(), 3u);
    EXPECT_EQ(s.transitions[1].end_time, kT0 + 3000);
    EXPECT_EQ(s.transitions[2],
              (StatusTransition{Secondary::kFailed, kT0 + 3000, kT0 + 3000, "Training job failed"}));
    EXPECT_EQ(s.training_end_time, kT0 + 3000);
  }
}

TEST(JobStateMachineTest, FailureReasonIsTruncatedTo1024Characters) {
  JobState s = Drive({{Kind::kCreated, ""}, {Kind::kAlgorithmFailed, std::string(5000, 'x')}});
  EXPECT_EQ(s.failure_reason.size(), 1024u);
  EXPECT_EQ(s.failure_reason.substr(0, 16), "AlgorithmError: ");

  std::string accented;
  for (int i = 0; i < 2000; ++i) accented += "\xC3\xA9";  // é, two bytes each
  s = Drive({{Kind::kCreated, ""}, {Kind::kClientError, accented}});
  const std::string prefix = "ClientError: ";
  EXPECT_EQ(s.failure_reason.size(), prefix.size() + 2 * (1024 - prefix.size()));
  EXPECT_EQ(s.failure_reason.substr(s.failure_reason.size() - 2), "\xC3\xA9");
}

TEST(JobStateMachineTest, UserStopEndsStopped) {
  JobState s = Drive({Kind::kCreated, Kind::kTrainingStarted, Kind::kStopRequested});
  EXPECT_EQ(s.status, Primary::kStopping);
  EXPECT_EQ(s.stop_cause, StopCause::kUser);
  EXPECT_EQ(s.transitions.back(),
            (StatusTransition{Secondary::kStopping, kT0 + 3000, std::nullopt,
                              "Stopping the training job"}));
  EXPECT_EQ(s.transitions[1].end_time, kT0 + 3000);
  EXPECT_FALSE(s.training_end_time);

  s = Drive({{Kind::kStopCompleted, ""}}, s);
  EXPECT_EQ(s.status, Primary::kStopped);
  EXPECT_EQ(s.transitions.back(),
            (StatusTransition{Secondary::kStopped, kT0 + 4000, kT0 + 4000, "Training job stopped"}));
  EXPECT_EQ(s.transitions[2].end_time, kT0 + 4000);
  EXPECT_EQ(s.training_end_time, kT0 + 4000);
}

TEST(JobStateMachineTest, MaxRuntimeEndsStoppedWithMaxRuntimeExceeded) {
  JobState s = Drive({Kind::kCreated, Kind::kTrainingStarted, Kind::kMaxRuntimeExceeded,
                      Kind::kStopCompleted});
  EXPECT_EQ(s.status, Primary::kStopped);
  EXPECT_EQ(s.stop_cause, StopCause::kMaxRuntime);
  ASSERT_EQ(s.transitions.size(), 4u);
  EXPECT_EQ(s.transitions[2].message, "Stopping the training job");
  EXPECT_EQ(s.transitions[3],
            (StatusTransition{Secondary::kMaxRuntimeExceeded, kT0 + 4000, kT0 + 4000,
                              "Training job exceeded MaxRuntimeInSeconds provided"}));
}

TEST(JobStateMachineTest, StopWhileUploadingKeepsUploadingThenEndsStopped) {
  JobState s = Drive({Kind::kCreated, Kind::kTrainingStarted, Kind::kTrainingSucceeded,
                      Kind::kStopRequested});
  EXPECT_EQ(s.status, Primary::kStopping);
  EXPECT_EQ(s.secondary, Secondary::kUploading);
  ASSERT_EQ(s.transitions.size(), 3u);  // no Stopping transition: the upload goes on
  EXPECT_FALSE(s.transitions.back().end_time);

  Result<JobState> done = ApplyEvent(s, {Kind::kUploadCompleted, ""}, kT0 + 5000);
  ASSERT_TRUE(done.ok());
  s = *done;
  EXPECT_EQ(s.status, Primary::kStopped);
  ASSERT_EQ(s.transitions.size(), 4u);
  EXPECT_EQ(s.transitions[2].end_time, kT0 + 5000);
  EXPECT_EQ(s.transitions[3].status, Secondary::kStopped);
  EXPECT_EQ(s.transitions[3].message, "Training job stopped");
}

TEST(JobStateMachineTest, StopOnAJobThatIsNotInProgressUsesSageMakersMessage) {
  for (const auto& [name, state] : States()) {
    if (state.status == Primary::kInProgress) continue;
    SCOPED_TRACE(name);
    Result<JobState> s = ApplyEvent(state, {Kind::kStopRequested, ""}, kT0 + 60'000);
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().code, ErrorCode::kFailedPrecondition);
    EXPECT_EQ(s.error().message,
              "The request was rejected because the training job is in status " +
                  std::string(ToString(state.status)) + ".");
  }
}

TEST(JobStateMachineTest, RefusalNamesTheEventAndTheStatus) {
  Result<JobState> s = ApplyEvent(Drive({Kind::kCreated}), {Kind::kTrainingSucceeded, ""}, kT0);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(s.error().message,
            "event TrainingSucceeded is not valid for a training job in status InProgress "
            "(Starting)");
}

TEST(JobStateMachineTest, TerminalStatesCloseEveryTransition) {
  for (const auto& [name, state] : States()) {
    if (!IsTerminal(state.status)) continue;
    SCOPED_TRACE(name);
    for (const StatusTransition& t : state.transitions) EXPECT_TRUE(t.end_time);
    EXPECT_EQ(state.training_end_time, state.transitions.back().start_time);
  }
}

TEST(JobStateMachineTest, DownloadingAndUploadingMessagesCanSayMore) {
  JobState s = Drive({{Kind::kCreated, ""}, {Kind::kDownloadingData, ""}});
  EXPECT_EQ(s.transitions.back().message, "Downloading input data");
  s = Drive({{Kind::kCreated, ""}, {Kind::kDownloadingData, "Downloading input data and restoring checkpoints"},
             {Kind::kTrainingStarted, ""}, {Kind::kTrainingSucceeded, "Uploading model and checkpoints"}});
  EXPECT_EQ(s.transitions[1].message, "Downloading input data and restoring checkpoints");
  EXPECT_EQ(s.transitions.back().message, "Uploading model and checkpoints");
}

TEST(JobStateMachineTest, RestartsCountKeepInProgressAndStartAgain) {
  const std::string cause = "Restarting: instance algo-2 failed health check gpu; replaced";
  JobState s = Drive({{Kind::kCreated, ""}, {Kind::kDownloadingData, ""},
                      {Kind::kTrainingStarted, ""}, {Kind::kRestarting, cause}});
  EXPECT_EQ(s.status, Primary::kInProgress);
  EXPECT_EQ(s.restart_count, 1);
  EXPECT_EQ(s.transitions.back(),
            (StatusTransition{Secondary::kRestarting, kT0 + 4000, std::nullopt, cause}));
  EXPECT_EQ(s.transitions[2].end_time, kT0 + 4000);

  s = Drive({{Kind::kLaunchingInstances, ""}, {Kind::kPreparingInstances, ""},
             {Kind::kDownloadingData, ""}, {Kind::kTrainingStarted, ""},
             {Kind::kRestarting, "second"}, {Kind::kRestarting, "third"}},
            s);
  EXPECT_EQ(s.restart_count, 3);
  EXPECT_EQ(s.transitions.back().message, "third");  // same status: message replaced
  EXPECT_EQ(s.training_start_time, kT0 + 2000);      // the first start, not reset

  std::vector<Secondary> statuses;
  for (const auto& t : s.transitions) statuses.push_back(t.status);
  EXPECT_EQ(statuses, (std::vector<Secondary>{
                          Secondary::kStarting, Secondary::kDownloading, Secondary::kTraining,
                          Secondary::kRestarting, Secondary::kStarting, Secondary::kDownloading,
                          Secondary::kTraining, Secondary::kRestarting}));
  EXPECT_EQ(s.transitions[4].message, "Preparing the instances for training");
}

TEST(JobStateMachineTest, RestartWithoutDetailUsesADefaultMessage) {
  JobState s = Drive({Kind::kCreated, Kind::kRestarting});
  EXPECT_EQ(s.transitions.back().message, "Restarting the training job");
}

TEST(JobStateMachineTest, RetryStartsAgainAndCounts) {
  JobState s = Drive({{Kind::kCreated, ""}, {Kind::kTrainingStarted, ""}, {Kind::kRetrying, ""}});
  EXPECT_EQ(s.retry_count, 1);
  EXPECT_EQ(s.restart_count, 0);
  EXPECT_EQ(s.transitions.back(),
            (StatusTransition{Secondary::kStarting, kT0 + 3000, std::nullopt,
                              "Starting the training job"}));
  s = Drive({{Kind::kRetrying, "Retrying after an internal error (attempt 2)"}}, s);
  EXPECT_EQ(s.retry_count, 2);
  EXPECT_EQ(s.transitions.size(), 3u);
  EXPECT_EQ(s.transitions.back().message, "Retrying after an internal error (attempt 2)");
}

TEST(JobStateMachineTest, RefusedEventsLeaveNothingBehind) {
  const JobState before = Drive({Kind::kCreated, Kind::kTrainingStarted});
  JobState copy = before;
  EXPECT_FALSE(ApplyEvent(copy, {Kind::kUploadCompleted, ""}, kT0 + 99'000).ok());
  EXPECT_EQ(copy, before);
}

TEST(JobStateMachineTest, EveryEventKindHasAName) {
  for (Kind kind : kAllKinds) EXPECT_NE(ToString(kind), "Unknown");
  EXPECT_EQ(ToString(Kind::kMaxRuntimeExceeded), "MaxRuntimeExceeded");
}

}  // namespace
}  // namespace trainyard
