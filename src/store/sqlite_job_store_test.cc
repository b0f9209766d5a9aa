#include "store/sqlite_job_store.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <filesystem>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "common/crypto.h"

namespace trainyard {
namespace {

using JobStatus = TrainingJobStatus;

class TempDir {
 public:
  TempDir() {
    std::string pattern = testing::TempDir() + "sqlite-job-store-XXXXXX";
    char* made = mkdtemp(pattern.data());
    EXPECT_NE(made, nullptr);
    path_ = pattern;
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

std::string ArnOf(const std::string& name) {
  return "arn:aws:sagemaker:us-east-1:123456789012:training-job/" + name;
}

TrainingJob MakeJob(const std::string& name, EpochMs created,
                    JobStatus status = JobStatus::kInProgress, EpochMs modified = 0) {
  TrainingJob job;
  job.name = name;
  job.arn = ArnOf(name);
  job.request = {{"TrainingJobName", name}, {"RoleArn", "arn:aws:iam::123456789012:role/r"}};
  job.state.status = status;
  job.state.transitions = {{SecondaryStatus::kStarting, created, std::nullopt, "Starting"}};
  job.creation_time = created;
  job.last_modified_time = modified ? modified : created;
  job.details = {{"counter", 0}};
  return job;
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::vector<std::string> Names(const std::vector<TrainingJob>& jobs) {
  std::vector<std::string> names;
  for (const TrainingJob& job : jobs) names.push_back(job.name);
  return names;
}

// Every job of the listing, page by page; checks that tokens never repeat.
std::vector<std::string> ListAll(JobStore& store, JobQuery query) {
  std::vector<std::string> names;
  std::set<std::string> tokens;
  for (int pages = 0; pages < 1000; ++pages) {
    Result<JobPage> page = store.ListJobs(query);
    EXPECT_TRUE(page.ok()) << page.error().ToString();
    if (!page.ok()) break;
    EXPECT_LE(page->jobs.size(), static_cast<size_t>(query.max_results));
    for (const std::string& name : Names(page->jobs)) names.push_back(name);
    if (page->next_token.empty()) break;
    EXPECT_TRUE(tokens.insert(page->next_token).second) << "repeated token";
    query.next_token = page->next_token;
  }
  return names;
}

class SqliteJobStoreTest : public testing::Test {
 protected:
  void SetUp() override { store_ = OpenStore(); }

  std::unique_ptr<SqliteJobStore> OpenStore() {
    auto store = SqliteJobStore::Open(path_);
    EXPECT_TRUE(store.ok()) << store.error().ToString();
    return store.ok() ? std::move(store).value() : nullptr;
  }

  void Create(const TrainingJob& job, const std::vector<Tag>& tags = {}) {
    Status status = store_->CreateJob(job, tags);
    ASSERT_TRUE(status.ok()) << status.error().ToString();
  }

  // Six jobs with ties in creation time and mixed-case names.
  void CreateSmallSet() {
    Create(MakeJob("alpha-1", 100, JobStatus::kInProgress, 150));
    Create(MakeJob("Alpha-2", 200, JobStatus::kCompleted, 250));
    Create(MakeJob("BETA-2", 300, JobStatus::kStopped, 400));
    Create(MakeJob("beta-1", 300, JobStatus::kFailed, 350));
    Create(MakeJob("gamma", 400, JobStatus::kInProgress, 450));
    Create(MakeJob("delta-alpha", 500, JobStatus::kStopping, 550));
  }

  TempDir dir_;
  std::string path_ = dir_.path() + "/jobs.db";
  std::unique_ptr<SqliteJobStore> store_;
};

TEST_F(SqliteJobStoreTest, CreatedJobReadsBackWhole) {
  TrainingJob job = MakeJob("job-a", 1000);
  job.state.training_start_time = 1100;
  job.final_metrics = {{"loss", 0.5, 1200}};
  job.model_artifacts = "s3://b/job-a/output/model.tar.gz";
  job.details = {{"instances", {"algo-1"}}};
  Create(job);
  Result<TrainingJob> got = store_->GetJob("job-a");
  ASSERT_TRUE(got.ok()) << got.error().ToString();
  EXPECT_EQ(got->name, "job-a");
  EXPECT_EQ(got->arn, job.arn);
  EXPECT_EQ(got->request, job.request);
  EXPECT_EQ(got->state, job.state);
  EXPECT_EQ(got->creation_time, 1000);
  EXPECT_EQ(got->final_metrics, job.final_metrics);
  EXPECT_EQ(got->model_artifacts, job.model_artifacts);
  EXPECT_EQ(got->details, job.details);
}

TEST_F(SqliteJobStoreTest, NamesCompareCaseInsensitively) {
  Create(MakeJob("My-Job", 1000));
  Result<TrainingJob> got = store_->GetJob("my-JOB");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->name, "My-Job");  // as created

  Status duplicate = store_->CreateJob(MakeJob("MY-JOB", 2000), {{"k", "v"}});
  ASSERT_FALSE(duplicate.ok());
  EXPECT_EQ(duplicate.error().code, ErrorCode::kAlreadyExists);
  EXPECT_EQ(store_->GetJob("my-job")->creation_time, 1000);
  EXPECT_TRUE(store_->ListTags(ArnOf("My-Job"))->empty());  // the failed create left nothing
}

TEST_F(SqliteJobStoreTest, UnknownJobIsNotFound) {
  Result<TrainingJob> got = store_->GetJob("nope");
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().code, ErrorCode::kNotFound);
}

TEST_F(SqliteJobStoreTest, UpdateWritesWhatTheMutationChanged) {
  Create(MakeJob("job-u", 1000));
  Result<TrainingJob> updated = store_->UpdateJob("JOB-U", [](TrainingJob& job) {
    job.state.status = JobStatus::kStopping;
    job.details["counter"] = 5;
    return Ok();
  });
  ASSERT_TRUE(updated.ok()) << updated.error().ToString();
  EXPECT_EQ(updated->details["counter"], 5);
  EXPECT_EQ(updated->last_modified_time, 1000);  // nothing set implicitly
  Result<TrainingJob> got = store_->GetJob("job-u");
  EXPECT_EQ(got->state.status, JobStatus::kStopping);
  EXPECT_EQ(got->details["counter"], 5);
  EXPECT_EQ(got->last_modified_time, 1000);
  // The status column follows the record: filters see the new status.
  JobQuery query;
  query.status = JobStatus::kStopping;
  EXPECT_EQ(ListAll(*store_, query), std::vector<std::string>{"job-u"});
}

TEST_F(SqliteJobStoreTest, FailingMutationWritesNothing) {
  Create(MakeJob("job-f", 1000));
  Result<TrainingJob> updated = store_->UpdateJob("job-f", [](TrainingJob& job) -> Status {
    job.details["counter"] = 99;
    job.state.status = JobStatus::kFailed;
    return MakeError(ErrorCode::kFailedPrecondition, "no");
  });
  ASSERT_FALSE(updated.ok());
  EXPECT_EQ(updated.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(updated.error().message, "no");
  Result<TrainingJob> got = store_->GetJob("job-f");
  EXPECT_EQ(got->details["counter"], 0);
  EXPECT_EQ(got->state.status, JobStatus::kInProgress);
}

TEST_F(SqliteJobStoreTest, UpdateOfUnknownJobDoesNotCallTheMutation) {
  bool called = false;
  Result<TrainingJob> updated = store_->UpdateJob("nope", [&](TrainingJob&) {
    called = true;
    return Ok();
  });
  ASSERT_FALSE(updated.ok());
  EXPECT_EQ(updated.error().code, ErrorCode::kNotFound);
  EXPECT_FALSE(called);
}

TEST_F(SqliteJobStoreTest, UpdateMayNotRenameAJob) {
  Create(MakeJob("job-r", 1000));
  Result<TrainingJob> updated = store_->UpdateJob("job-r", [](TrainingJob& job) {
    job.name = "other";
    return Ok();
  });
  ASSERT_FALSE(updated.ok());
  EXPECT_EQ(updated.error().code, ErrorCode::kInvalidArgument);
  EXPECT_TRUE(store_->GetJob("job-r").ok());
  EXPECT_FALSE(store_->GetJob("other").ok());
}

TEST_F(SqliteJobStoreTest, ListFiltersEachAndTogether) {
  CreateSmallSet();
  auto list = [&](auto set_filter) {
    JobQuery query;
    set_filter(query);
    return ListAll(*store_, query);
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(list([](JobQuery&) {}),
            (V{"alpha-1", "Alpha-2", "beta-1", "BETA-2", "gamma", "delta-alpha"}));
  EXPECT_EQ(list([](JobQuery& q) { q.name_contains = "ALPHA"; }),
            (V{"alpha-1", "Alpha-2", "delta-alpha"}));
  EXPECT_EQ(list([](JobQuery& q) { q.status = JobStatus::kInProgress; }), (V{"alpha-1", "gamma"}));
  EXPECT_EQ(list([](JobQuery& q) { q.creation_after = 200; }),
            (V{"beta-1", "BETA-2", "gamma", "delta-alpha"}));
  EXPECT_EQ(list([](JobQuery& q) { q.creation_before = 300; }), (V{"alpha-1", "Alpha-2"}));
  EXPECT_EQ(list([](JobQuery& q) { q.modified_after = 400; }), (V{"gamma", "delta-alpha"}));
  EXPECT_EQ(list([](JobQuery& q) { q.modified_before = 250; }), (V{"alpha-1"}));
  EXPECT_EQ(list([](JobQuery& q) {
              q.name_contains = "a";
              q.status = JobStatus::kInProgress;
              q.creation_before = 400;
            }),
            (V{"alpha-1"}));
  EXPECT_EQ(list([](JobQuery& q) { q.name_contains = "zzz"; }), V{});
}

TEST_F(SqliteJobStoreTest, ListSortsEachWayWithNameAsTiebreak) {
  CreateSmallSet();
  using V = std::vector<std::string>;
  struct Case {
    JobSortBy sort_by;
    V ascending;
  };
  const std::vector<Case> cases = {
      {JobSortBy::kCreationTime, {"alpha-1", "Alpha-2", "beta-1", "BETA-2", "gamma", "delta-alpha"}},
      {JobSortBy::kName, {"alpha-1", "Alpha-2", "beta-1", "BETA-2", "delta-alpha", "gamma"}},
      // Completed < Failed < InProgress < Stopped < Stopping
      {JobSortBy::kStatus, {"Alpha-2", "beta-1", "alpha-1", "gamma", "BETA-2", "delta-alpha"}},
  };
  for (const Case& c : cases) {
    for (bool descending : {false, true}) {
      V expected = c.ascending;
      if (descending) std::reverse(expected.begin(), expected.end());
      for (int page_size : {1, 2, 3, 100}) {
        SCOPED_TRACE(testing::Message() << "sort " << static_cast<int>(c.sort_by) << " desc "
                                        << descending << " page " << page_size);
        JobQuery query;
        query.sort_by = c.sort_by;
        query.descending = descending;
        query.max_results = page_size;
        EXPECT_EQ(ListAll(*store_, query), expected);
      }
    }
  }
}

TEST_F(SqliteJobStoreTest, Paging250JobsSevenAtATimeVisitsEachOnceInOrder) {
  struct Row {
    std::string name;
    EpochMs created;
    std::string status;
  };
  const JobStatus statuses[] = {JobStatus::kInProgress, JobStatus::kCompleted, JobStatus::kFailed,
                              JobStatus::kStopped};
  std::vector<Row> rows;
  for (int i = 0; i < 250; ++i) {
    char name[32];
    snprintf(name, sizeof name, i % 3 ? "job-%03d" : "JOB-%03d", (i * 97) % 250);
    EpochMs created = 1000 + (i * 31) % 40;  // many ties
    JobStatus status = statuses[i % 4];
    Create(MakeJob(name, created, status));
    rows.push_back({name, created, std::string(ToString(status))});
  }
  for (JobSortBy sort_by : {JobSortBy::kCreationTime, JobSortBy::kName, JobSortBy::kStatus}) {
    for (bool descending : {false, true}) {
      SCOPED_TRACE(testing::Message() << static_cast<int>(sort_by) << " " << descending);
      std::vector<Row> sorted = rows;
      std::sort(sorted.begin(), sorted.end(), [&](const Row& a, const Row& b) {
        auto key = [&](const Row& r) {
          return std::make_tuple(sort_by == JobSortBy::kCreationTime ? r.created : 0,
                                 sort_by == JobSortBy::kStatus ? r.status : "", Lower(r.name));
        };
        return descending ? key(b) < key(a) : key(a) < key(b);
      });
      std::vector<std::string> expected;
      for (const Row& r : sorted) expected.push_back(r.name);

      JobQuery query;
      query.sort_by = sort_by;
      query.descending = descending;
      query.max_results = 7;
      std::vector<std::string> listed = ListAll(*store_, query);
      EXPECT_EQ(listed, expected);
      EXPECT_EQ(std::set<std::string>(listed.begin(), listed.end()).size(), 250u);
    }
  }
  JobQuery filtered;
  filtered.status = JobStatus::kFailed;
  filtered.max_results = 7;
  EXPECT_EQ(ListAll(*store_, filtered).size(), 62u);  // i % 4 == 2 for i < 250
}

TEST_F(SqliteJobStoreTest, MalformedTokensAreRefused) {
  CreateSmallSet();
  JobQuery query;
  query.max_results = 2;
  Result<JobPage> first = store_->ListJobs(query);
  ASSERT_TRUE(first.ok());
  std::string decoded;
  ASSERT_TRUE(Base64UrlDecode(first->next_token, &decoded));
  std::string tampered = decoded;
  tampered.replace(tampered.find("\"f\":\"") + 5, 1, "x");

  for (std::string token : {std::string("!!!"), Base64UrlEncode("not json"),
                            Base64UrlEncode("{}"), Base64UrlEncode("[1,2]"),
                            Base64UrlEncode(tampered)}) {
    SCOPED_TRACE(token);
    query.next_token = token;
    Result<JobPage> page = store_->ListJobs(query);
    ASSERT_FALSE(page.ok());
    EXPECT_EQ(page.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(page.error().message, "Invalid pagination token");
  }
}

TEST_F(SqliteJobStoreTest, TokenOnlyWorksForTheQueryThatIssuedIt) {
  CreateSmallSet();
  JobQuery query;
  query.name_contains = "a";
  query.max_results = 2;
  Result<JobPage> first = store_->ListJobs(query);
  ASSERT_TRUE(first.ok());
  ASSERT_FALSE(first->next_token.empty());

  std::vector<JobQuery> others(5, query);
  others[0].name_contains = "b";
  others[1].sort_by = JobSortBy::kName;
  others[2].descending = true;
  others[3].status = JobStatus::kInProgress;
  others[4].creation_after = 1;
  for (JobQuery other : others) {
    other.next_token = first->next_token;
    Result<JobPage> page = store_->ListJobs(other);
    ASSERT_FALSE(page.ok());
    EXPECT_EQ(page.error().message, "Invalid pagination token");
  }
  JobQuery bigger_page = query;  // MaxResults may change between pages
  bigger_page.max_results = 10;
  bigger_page.next_token = first->next_token;
  Result<JobPage> rest = store_->ListJobs(bigger_page);
  ASSERT_TRUE(rest.ok()) << rest.error().ToString();
  EXPECT_EQ(Names(rest->jobs), (std::vector<std::string>{"beta-1", "BETA-2", "gamma",
                                                          "delta-alpha"}));
  EXPECT_TRUE(rest->next_token.empty());
}

TEST_F(SqliteJobStoreTest, MaxResultsOutsideOneToHundredIsInvalid) {
  for (int max : {0, -1, 101}) {
    JobQuery query;
    query.max_results = max;
    Result<JobPage> page = store_->ListJobs(query);
    ASSERT_FALSE(page.ok());
    EXPECT_EQ(page.error().code, ErrorCode::kInvalidArgument);
  }
}

TEST_F(SqliteJobStoreTest, ActiveJobsAreInProgressOrStoppingOldestFirst) {
  CreateSmallSet();
  Result<std::vector<std::string>> names = store_->ListActiveJobNames();
  ASSERT_TRUE(names.ok());
  EXPECT_EQ(*names, (std::vector<std::string>{"alpha-1", "gamma", "delta-alpha"}));
}

TEST_F(SqliteJobStoreTest, EverythingSurvivesCloseAndReopen) {
  CreateSmallSet();
  ASSERT_TRUE(store_->AddTags(ArnOf("gamma"), {{"team", "ml"}}).ok());
  ASSERT_TRUE(store_->UpdateJob("gamma", [](TrainingJob& job) {
    job.details["counter"] = 42;
    return Ok();
  }).ok());
  store_.reset();
  store_ = OpenStore();
  ASSERT_NE(store_, nullptr);
  EXPECT_EQ(ListAll(*store_, JobQuery{}).size(), 6u);
  EXPECT_EQ(store_->GetJob("gamma")->details["counter"], 42);
  EXPECT_EQ(*store_->ListTags(ArnOf("gamma")), (std::vector<Tag>{{"team", "ml"}}));
}

TEST_F(SqliteJobStoreTest, FileIsWalWithTheCurrentSchemaVersion) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
  auto query_text = [&](const char* sql) {
    sqlite3_stmt* stmt = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr), SQLITE_OK);
    EXPECT_EQ(sqlite3_step(stmt), SQLITE_ROW);
    std::string text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
    sqlite3_finalize(stmt);
    return text;
  };
  EXPECT_EQ(query_text("PRAGMA journal_mode"), "wal");
  EXPECT_EQ(query_text("PRAGMA user_version"), "1");
  ASSERT_EQ(sqlite3_exec(db, "PRAGMA user_version = 99", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);

  store_.reset();
  auto newer = SqliteJobStore::Open(path_);
  ASSERT_FALSE(newer.ok());
  EXPECT_EQ(newer.error().code, ErrorCode::kFailedPrecondition);
}

TEST(SqliteJobStoreOpenTest, InMemoryDatabasesAreRefused) {
  for (const char* path : {"", ":memory:", "file::memory:?cache=shared", "file:x?mode=memory"}) {
    auto store = SqliteJobStore::Open(path);
    ASSERT_FALSE(store.ok()) << path;
    EXPECT_EQ(store.error().code, ErrorCode::kInvalidArgument);
  }
}

TEST(SqliteJobStoreOpenTest, UnopenablePathIsAnError) {
  auto store = SqliteJobStore::Open("/nonexistent-dir/for/sure/jobs.db");
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().code, ErrorCode::kUnavailable);
}

TEST_F(SqliteJobStoreTest, TagsOverwriteSortAndDelete) {
  Create(MakeJob("tagged", 1000), {{"b", "1"}, {"a", "2"}});
  const std::string arn = ArnOf("tagged");
  EXPECT_EQ(*store_->ListTags(arn), (std::vector<Tag>{{"a", "2"}, {"b", "1"}}));
  ASSERT_TRUE(store_->AddTags(arn, {{"b", "new"}, {"c", "3"}}).ok());
  EXPECT_EQ(*store_->ListTags(arn), (std::vector<Tag>{{"a", "2"}, {"b", "new"}, {"c", "3"}}));
  ASSERT_TRUE(store_->DeleteTags(arn, {"a", "absent"}).ok());
  // The ARN compares case-insensitively; keys do not.
  std::string upper_arn = arn;
  for (char& c : upper_arn) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_EQ(*store_->ListTags(upper_arn), (std::vector<Tag>{{"b", "new"}, {"c", "3"}}));
  ASSERT_TRUE(store_->DeleteTags(upper_arn, {"B"}).ok());
  EXPECT_EQ(store_->ListTags(arn)->size(), 2u);
}

TEST_F(SqliteJobStoreTest, TagsOfAnUnknownResourceDoNotExist) {
  const std::string arn = ArnOf("ghost");
  Status added = store_->AddTags(arn, {{"k", "v"}});
  Result<std::vector<Tag>> listed = store_->ListTags(arn);
  Status deleted = store_->DeleteTags(arn, {"k"});
  for (const Error& error : {added.error(), listed.error(), deleted.error()}) {
    EXPECT_EQ(error.code, ErrorCode::kNotFound);
    EXPECT_EQ(error.message, "Resource does not exist");
  }
}

TEST_F(SqliteJobStoreTest, AtMostFiftyTagsPerResource) {
  std::vector<Tag> fifty, fifty_one;
  for (int i = 0; i < 51; ++i) {
    Tag tag{"key-" + std::to_string(i), "v"};
    if (i < 50) fifty.push_back(tag);
    fifty_one.push_back(tag);
  }
  Status too_many = store_->CreateJob(MakeJob("crowded", 1000), fifty_one);
  ASSERT_FALSE(too_many.ok());
  EXPECT_EQ(too_many.error().code, ErrorCode::kResourceExhausted);
  EXPECT_FALSE(store_->GetJob("crowded").ok());

  Create(MakeJob("full", 1000), fifty);
  const std::string arn = ArnOf("full");
  ASSERT_TRUE(store_->AddTags(arn, {{"key-7", "overwritten"}}).ok());  // still 50
  Status one_more = store_->AddTags(arn, {{"key-7", "again"}, {"extra", "x"}});
  ASSERT_FALSE(one_more.ok());
  EXPECT_EQ(one_more.error().code, ErrorCode::kResourceExhausted);
  Result<std::vector<Tag>> tags = store_->ListTags(arn);
  EXPECT_EQ(tags->size(), 50u);
  auto key7 = std::find_if(tags->begin(), tags->end(), [](const Tag& t) { return t.key == "key-7"; });
  EXPECT_EQ(key7->value, "overwritten");  // the refused call wrote nothing
}

TEST_F(SqliteJobStoreTest, ConcurrentReadersAndWritersLoseNothing) {
  Create(MakeJob("shared", 1000));
  constexpr int kWriters = 4, kIncrements = 50, kReaders = 3, kCreators = 2, kCreates = 25;
  std::atomic<int> errors{0};
  std::atomic<bool> writing{true};
  std::vector<std::thread> threads;
  for (int w = 0; w < kWriters; ++w) {
    threads.emplace_back([&] {
      for (int i = 0; i < kIncrements; ++i) {
        auto updated = store_->UpdateJob("shared", [](TrainingJob& job) {
          job.details["counter"] = job.details["counter"].get<int>() + 1;
          return Ok();
        });
        if (!updated.ok()) ++errors;
      }
    });
  }
  for (int c = 0; c < kCreators; ++c) {
    threads.emplace_back([&, c] {
      for (int i = 0; i < kCreates; ++i) {
        if (!store_->CreateJob(MakeJob("c" + std::to_string(c) + "-" + std::to_string(i), 2000 + i),
                               {{"k", "v"}})
                 .ok()) {
          ++errors;
        }
      }
    });
  }
  std::atomic<int> non_monotonic{0};
  for (int r = 0; r < kReaders; ++r) {
    threads.emplace_back([&] {
      int last = 0;
      JobQuery query;
      query.max_results = 20;
      while (writing.load()) {
        auto job = store_->GetJob("shared");
        if (!job.ok()) {
          ++errors;
          continue;
        }
        int counter = job->details["counter"].get<int>();
        if (counter < last) ++non_monotonic;
        last = counter;
        if (!store_->ListJobs(query).ok()) ++errors;
      }
    });
  }
  for (int i = 0; i < kWriters + kCreators; ++i) threads[i].join();
  writing = false;
  for (size_t i = kWriters + kCreators; i < threads.size(); ++i) threads[i].join();

  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ(non_monotonic.load(), 0);
  EXPECT_EQ(store_->GetJob("shared")->details["counter"], kWriters * kIncrements);
  EXPECT_EQ(ListAll(*store_, JobQuery{}).size(), 1u + kCreators * kCreates);
}

// The child creates jobs 1..k and kills itself with SIGKILL the moment the
// k-th CreateJob returns: every job it was told about must be in the file.
TEST_F(SqliteJobStoreTest, CreatedJobsSurviveSigkillOfTheProcess) {
  store_.reset();  // the child owns the file until it dies
  constexpr int kLast = 37;
  pid_t child = fork();
  ASSERT_NE(child, -1);
  if (child == 0) {
    auto store = SqliteJobStore::Open(path_);
    if (!store.ok()) _exit(2);
    for (int i = 1; i <= kLast; ++i) {
      if (!(*store)->CreateJob(MakeJob("job-" + std::to_string(i), i), {{"n", std::to_string(i)}})
               .ok()) {
        _exit(3);
      }
    }
    kill(getpid(), SIGKILL);
    _exit(4);  // not reached
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(status)) << "child exited with " << WEXITSTATUS(status);
  EXPECT_EQ(WTERMSIG(status), SIGKILL);

  store_ = OpenStore();
  ASSERT_NE(store_, nullptr);
  for (int i = 1; i <= kLast; ++i) {
    Result<TrainingJob> job = store_->GetJob("job-" + std::to_string(i));
    ASSERT_TRUE(job.ok()) << "job-" << i << ": " << job.error().ToString();
    EXPECT_EQ(job->creation_time, i);
    EXPECT_EQ(*store_->ListTags(job->arn), (std::vector<Tag>{{"n", std::to_string(i)}}));
  }
  EXPECT_FALSE(store_->GetJob("job-" + std::to_string(kLast + 1)).ok());
}

// The child creates jobs as fast as it can and reports each one through a
// pipe; the parent kills it mid-stream. Every reported job must be there.
TEST_F(SqliteJobStoreTest, JobsReportedBeforeAnOutsideSigkillSurvive) {
  store_.reset();
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  pid_t child = fork();
  ASSERT_NE(child, -1);
  if (child == 0) {
    close(fds[0]);
    auto store = SqliteJobStore::Open(path_);
    if (!store.ok()) _exit(2);
    for (int i = 1;; ++i) {
      if (!(*store)->CreateJob(MakeJob("job-" + std::to_string(i), i), {}).ok()) _exit(3);
      if (write(fds[1], &i, sizeof i) != sizeof i) _exit(4);
    }
  }
  close(fds[1]);
  int reported = 0, value = 0;
  while (reported < 50 && read(fds[0], &value, sizeof value) == sizeof value) reported = value;
  ASSERT_EQ(reported, 50);
  kill(child, SIGKILL);
  while (read(fds[0], &value, sizeof value) == sizeof value) reported = value;
  close(fds[0]);
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFSIGNALED(status));

  store_ = OpenStore();
  ASSERT_NE(store_, nullptr);
  JobQuery by_creation;
  by_creation.max_results = 100;
  std::vector<std::string> names = ListAll(*store_, by_creation);
  ASSERT_GE(names.size(), static_cast<size_t>(reported));
  for (size_t i = 0; i < names.size(); ++i) EXPECT_EQ(names[i], "job-" + std::to_string(i + 1));
}

}  // namespace
}  // namespace trainyard
