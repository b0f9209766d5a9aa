// The JobController's side of the rendezvous: who may use a job's store and
// which keys (a real JobRun over SQLite stores and a FakeBackend).
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "backend/fake_backend.h"
#include "controller/job_controller.h"
#include "store/sqlite_job_store.h"
#include "store/sqlite_log_store.h"

namespace trainyard {
namespace {

class NoPacker : public ArtifactPacker {
 public:
  Result<std::string> StagingUri(const TrainingJob& job) override { return std::string("file:///out/staging"); }
  Result<std::string> Pack(const TrainingJob& job) override { return std::string("file:///out/model.tar.gz"); }
};

class JobControllerRendezvousTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("jobcontroller-rdzv-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    store_ = std::move(SqliteJobStore::Open((dir_ / "db").string()).value());
    logs_ = std::move(SqliteLogStore::Open((dir_ / "db").string()).value());
    JobRunOptions options;
    options.instances_dir = (dir_ / "instances").string();
    options.tick_ms = 2;
    controller_ = std::make_unique<JobController>(
        JobRunDeps{*store_, *logs_, backend_, packer_, clock_, ids_}, options);

    TrainingJob job;
    job.name = "job-1";
    job.arn = "arn:aws:sagemaker:us-east-1:000000000000:training-job/job-1";
    job.request = {{"TrainingJobName", "job-1"},
                   {"AlgorithmSpecification", {{"TrainingImage", "/img"}, {"TrainingInputMode", "File"}}},
                   {"ResourceConfig", {{"InstanceType", "ml.m5.xlarge"}, {"InstanceCount", 2}}},
                   {"OutputDataConfig", {{"S3OutputPath", "file:///out"}}},
                   {"StoppingCondition", {{"MaxRuntimeInSeconds", 3600}}}};
    job.creation_time = job.last_modified_time = clock_.NowMs();
    job.state = ApplyEvent(JobState{}, {JobEventKind::kCreated, ""}, clock_.NowMs()).value();
    ASSERT_TRUE(store_->CreateJob(job, {}).ok());
    controller_->JobCreated("job-1");
    // The run launches its instances on its own thread; wait (with a deadline).
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!backend_.Get("algo-2") && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    ASSERT_TRUE(backend_.Get("algo-2").has_value());
    token_ = backend_.Get("algo-1")->launch.token;
  }
  void TearDown() override {
    controller_.reset();
    std::filesystem::remove_all(dir_);
  }

  std::filesystem::path dir_;
  std::unique_ptr<SqliteJobStore> store_;
  std::unique_ptr<SqliteLogStore> logs_;
  FakeBackend backend_;
  NoPacker packer_;
  FakeClock clock_;
  RandomIdGenerator ids_{7};
  std::unique_ptr<JobController> controller_;
  std::string token_;
};

TEST_F(JobControllerRendezvousTest, HostsOfTheJobShareItsStore) {
  EXPECT_EQ(controller_->RendezvousGet("job-1", "algo-2", token_, "attempt-1/mesh/0").value(),
            std::nullopt);
  ASSERT_TRUE(controller_->RendezvousSet("job-1", "algo-1", token_, "attempt-1/mesh/0", "addr0").ok());
  EXPECT_EQ(controller_->RendezvousGet("job-1", "algo-2", token_, "attempt-1/mesh/0").value(), "addr0");
  EXPECT_EQ(controller_->RendezvousGet("JOB-1", "algo-2", token_, "attempt-1/mesh/0").value(), "addr0")
      << "job names are case-insensitive";
}

TEST_F(JobControllerRendezvousTest, StrangersAreUnrecognized) {
  struct Case {
    std::string job, host, token;
  };
  const Case cases[] = {{"job-2", "algo-1", token_}, {"job-1", "algo-3", token_}, {"job-1", "algo-1", "bad"}};
  for (const Case& c : cases) {
    Status set = controller_->RendezvousSet(c.job, c.host, c.token, "attempt-1/k", "v");
    ASSERT_FALSE(set.ok()) << c.job << " " << c.host;
    EXPECT_EQ(set.error().code, ErrorCode::kUnrecognizedClient);
    auto get = controller_->RendezvousGet(c.job, c.host, c.token, "attempt-1/k");
    ASSERT_FALSE(get.ok());
    EXPECT_EQ(get.error().code, ErrorCode::kUnrecognizedClient);
  }
}

TEST_F(JobControllerRendezvousTest, KeysMustBeBelowTheCurrentAttemptsPrefix) {
  for (const std::string key : {"attempt-0/k", "k", "attempt-1", "attempt-2/k", "attempt-1/has space"}) {
    Status set = controller_->RendezvousSet("job-1", "algo-1", token_, key, "v");
    ASSERT_FALSE(set.ok()) << key;
    EXPECT_EQ(set.error().code, ErrorCode::kInvalidArgument) << key;
    auto get = controller_->RendezvousGet("job-1", "algo-1", token_, key);
    ASSERT_FALSE(get.ok()) << key;
    EXPECT_EQ(get.error().code, ErrorCode::kInvalidArgument) << key;
  }
}

TEST_F(JobControllerRendezvousTest, AFullStoreSaysResourceExhausted) {
  std::string big(1 << 20, 'v');
  Status s = Ok();
  int written = 0;
  while (s.ok() && written < 100) {
    s = controller_->RendezvousSet("job-1", "algo-1", token_, "attempt-1/k" + std::to_string(written++), big);
  }
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::kResourceExhausted);
  EXPECT_EQ(written, 16) << "16 MiB in all, keys included";
  EXPECT_EQ(controller_->RendezvousSet("job-1", "algo-1", token_, "attempt-1/big", big + "v").error().code,
            ErrorCode::kResourceExhausted);
}

}  // namespace
}  // namespace trainyard
