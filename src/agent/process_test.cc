#include "agent/process.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <thread>

#include "agent/line_splitter.h"
#include "agent/recording_sink.h"
#include "agent/test_dir.h"

namespace trainyard {
namespace {

using std::chrono::milliseconds;

// The program under test is a small /bin/sh script (the agent itself never
// runs a shell).
ProcessOptions Shell(const std::string& script) {
  ProcessOptions options;
  options.argv = {"/bin/sh", "-c", script};
  options.env = {"PATH=/usr/bin:/bin"};
  return options;
}

std::unique_ptr<TrainingProcess> MustStart(const ProcessOptions& options, LineSink& sink) {
  auto process = TrainingProcess::Start(options, sink);
  EXPECT_TRUE(process.ok()) << process.error().ToString();
  return process.ok() ? std::move(process).value() : nullptr;
}

// Whether `pid` is gone (or a zombie waiting for its new parent to reap it).
bool IsDead(int pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  if (!stat) return true;
  std::string content((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  size_t paren = content.rfind(')');
  return paren != std::string::npos && content.size() > paren + 2 && content[paren + 2] == 'Z';
}

// SIGKILL is delivered at once, but a process takes a moment to finish dying:
// waits (polling /proc; a real process wait) until `pid` is dead.
bool BecomesDead(int pid, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!IsDead(pid)) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(milliseconds(5));
  }
  return true;
}

TEST(TrainingProcessTest, ReportsExitCodes) {
  RecordingSink sink;
  for (int code : {0, 1, 3, 255}) {
    auto process = MustStart(Shell("exit " + std::to_string(code)), sink);
    ASSERT_TRUE(process);
    ExitStatus status = process->Wait();
    EXPECT_EQ(status.exit_code, code);
    EXPECT_FALSE(status.signal);
  }
}

TEST(TrainingProcessTest, ReportsTheSignalThatEndedIt) {
  RecordingSink sink;
  auto process = MustStart(Shell("kill -KILL $$"), sink);
  ASSERT_TRUE(process);
  ExitStatus status = process->Wait();
  EXPECT_EQ(status.signal, SIGKILL);
  EXPECT_EQ(status.exit_code, 128 + SIGKILL);
  EXPECT_EQ(status.ToString(), "killed by signal 9 (SIGKILL)");
}

TEST(TrainingProcessTest, EveryLineOfBothStreamsIsInTheSinkWhenWaitReturns) {
  RecordingSink sink;
  auto process = MustStart(Shell("echo out1; echo err1 >&2; printf 'out2\\r\\nno-newline'"), sink);
  ASSERT_TRUE(process);
  process->Wait();
  std::vector<std::string> out, err;
  for (const auto& line : sink.lines()) (line.stream == "stdout" ? out : err).push_back(line.text);
  EXPECT_EQ(out, (std::vector<std::string>{"out1", "out2", "no-newline"}));
  EXPECT_EQ(err, (std::vector<std::string>{"err1"}));
}

TEST(TrainingProcessTest, RunsWithExactlyTheGivenEnvironmentAndWorkingDirectory) {
  TestDir dir;
  RecordingSink sink;
  ProcessOptions options = Shell("echo \"foo=$FOO home=${HOME-unset}\"; pwd; cat");
  options.env.push_back("FOO=a b $(x) ../y");
  options.working_dir = dir.path();
  auto process = MustStart(options, sink);
  ASSERT_TRUE(process);
  EXPECT_EQ(process->Wait().exit_code, 0);  // cat read /dev/null: no hang
  auto lines = sink.lines();
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0].text, "foo=a b $(x) ../y home=unset");
  EXPECT_EQ(lines[1].text, std::filesystem::canonical(dir.path()).string());
}

TEST(TrainingProcessTest, BareProgramNamesAreFoundInTheProgramsPath) {
  RecordingSink sink;
  ProcessOptions options = Shell("exit 7");
  options.argv[0] = "sh";
  auto process = MustStart(options, sink);
  ASSERT_TRUE(process);
  EXPECT_EQ(process->Wait().exit_code, 7);
}

TEST(TrainingProcessTest, ProgramsThatCannotRunAreInvalidArguments) {
  TestDir dir;
  RecordingSink sink;
  std::ofstream(dir.path() / "not-executable") << "#!/bin/sh\n";
  std::vector<ProcessOptions> cases(4, Shell("exit 0"));
  cases[0].argv = {"/no/such/program"};
  cases[1].argv = {"no-such-program-anywhere"};
  cases[2].argv = {(dir.path() / "not-executable").string()};
  cases[3].working_dir = dir.path() / "missing";
  for (const ProcessOptions& options : cases) {
    auto process = TrainingProcess::Start(options, sink);
    ASSERT_FALSE(process.ok()) << options.argv[0];
    EXPECT_EQ(process.error().code, ErrorCode::kInvalidArgument) << process.error().ToString();
  }
  EXPECT_FALSE(TrainingProcess::Start(ProcessOptions{}, sink).ok());
}

TEST(TrainingProcessTest, TerminateSendsSigtermToTheGroup) {
  RecordingSink sink;
  auto process = MustStart(Shell("echo ready; sleep 100 & wait"), sink);
  ASSERT_TRUE(process);
  ASSERT_TRUE(sink.WaitForText("ready"));
  process->Terminate(std::chrono::seconds(60));
  ExitStatus status = process->Wait();
  EXPECT_EQ(status.signal, SIGTERM) << status.ToString();
}

TEST(TrainingProcessTest, AProgramIgnoringSigtermIsKilledAfterTheGracePeriod) {
  RecordingSink sink;
  auto process = MustStart(Shell("trap '' TERM; echo ready; while :; do sleep 0.05; done"), sink);
  ASSERT_TRUE(process);
  ASSERT_TRUE(sink.WaitForText("ready"));
  process->Terminate(milliseconds(200));
  EXPECT_FALSE(process->WaitFor(milliseconds(50)));  // still inside its grace period
  ExitStatus status = process->Wait();
  EXPECT_EQ(status.signal, SIGKILL) << status.ToString();
}

TEST(TrainingProcessTest, ALaterTerminateMayShortenTheGracePeriod) {
  RecordingSink sink;
  auto process = MustStart(Shell("trap '' TERM; echo ready; while :; do sleep 0.05; done"), sink);
  ASSERT_TRUE(process);
  ASSERT_TRUE(sink.WaitForText("ready"));
  process->Terminate(std::chrono::hours(1));
  process->Terminate(milliseconds(0));
  EXPECT_EQ(process->Wait().signal, SIGKILL);
}

TEST(TrainingProcessTest, OrphanedGrandchildrenAreKilledWithTheGroup) {
  RecordingSink sink;
  auto process = MustStart(Shell("sleep 1000 & echo grandchild=$!; exit 0"), sink);
  ASSERT_TRUE(process);
  EXPECT_EQ(process->Wait().exit_code, 0);
  auto lines = sink.lines();
  ASSERT_EQ(lines.size(), 1u);
  int grandchild = std::stoi(lines[0].text.substr(lines[0].text.find('=') + 1));
  EXPECT_TRUE(BecomesDead(grandchild));
}

TEST(TrainingProcessTest, OutputHeldOpenByAnEscapedProcessDoesNotBlockWait) {
  TestDir dir;
  RecordingSink sink;
  // The leader exits only once its child has left the group (setsid), so the
  // child survives the group kill and keeps the output pipes open.
  ProcessOptions options = Shell(
      "setsid sh -c 'echo $$ > \"$0/pid.tmp\"; mv \"$0/pid.tmp\" \"$0/pid\"; exec sleep 1000' "
      "\"$0\" & while [ ! -e \"$0/pid\" ]; do sleep 0.01; done; exit 0");
  options.argv.push_back(dir.path().string());
  options.output_drain_timeout = milliseconds(100);
  auto process = MustStart(options, sink);
  ASSERT_TRUE(process);
  EXPECT_EQ(process->Wait().exit_code, 0);
  int escaped = 0;
  std::ifstream(dir.path() / "pid") >> escaped;
  ASSERT_GT(escaped, 0);
  EXPECT_FALSE(IsDead(escaped));
  ::kill(escaped, SIGKILL);  // not ours to track: the backend's containment handles those
}

TEST(TrainingProcessTest, LongLinesAreCutAndMarked) {
  RecordingSink sink;
  auto process = MustStart(Shell("head -c 100000 /dev/zero | tr '\\0' x; echo; echo after"), sink);
  ASSERT_TRUE(process);
  process->Wait();
  auto lines = sink.lines();
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_LE(lines[0].text.size(), kMaxLogLineBytes);
  EXPECT_TRUE(lines[0].text.ends_with(kLineCutMarker));
  EXPECT_EQ(lines[1].text, "after");
}

TEST(TrainingProcessTest, AFloodOfOutputStaysWithinTheBufferCap) {
  FakeClock clock;
  const size_t cap = 256 * 1024;
  LogBuffer buffer(clock, LogBufferOptions{.max_bytes = cap});
  // About 7 MB of short lines, far more than the buffer may hold.
  auto process = MustStart(Shell("yes 0123456789abcdef | head -n 400000"), buffer);
  ASSERT_TRUE(process);
  EXPECT_EQ(process->Wait().exit_code, 0);
  EXPECT_LE(buffer.buffered_bytes(), cap);
  EXPECT_GT(buffer.total_dropped(), 300'000);
  EXPECT_EQ(buffer.Take(1).lines.at(0).text, "0123456789abcdef");
}

TEST(TrainingProcessTest, DestroyingARunningProcessKillsIt) {
  RecordingSink sink;
  int pid = 0;
  {
    auto process = MustStart(Shell("echo ready; sleep 1000"), sink);
    ASSERT_TRUE(process);
    ASSERT_TRUE(sink.WaitForText("ready"));
    pid = process->pid();
  }
  EXPECT_TRUE(BecomesDead(pid));
}

}  // namespace
}  // namespace trainyard
