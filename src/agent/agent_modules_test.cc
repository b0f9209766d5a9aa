// The agent's modules, loaded from beside this test binary (the build
// directory), as trainyard-agent loads them from beside itself.
#include "agent/agent_modules.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "agent/test_dir.h"
#include "collective/fake_rendezvous_client.h"
#include "storage/tarball.h"

namespace trainyard {
namespace {

namespace fs = std::filesystem;

TEST(AgentModulesTest, FileUrisAreServedWithoutAModule) {
  TestDir dir;
  ModuleObjectStoreOpener opener({});
  Result<std::unique_ptr<ObjectStore>> store = opener.Open(*ParseStorageUri("file://" + dir.path().string()));
  ASSERT_TRUE(store.ok()) << store.error().ToString();
  std::ofstream(dir.path() / "b.txt") << "hello";
  ASSERT_TRUE((*store)->Copy("b.txt", "a/b.txt").ok());
  EXPECT_TRUE(fs::exists(dir.path() / "a" / "b.txt"));
}

TEST(AgentModulesTest, S3StoresComeFromTheStorageModule) {
  S3Options s3;
  s3.endpoint_url = "http://127.0.0.1:9";
  ModuleObjectStoreOpener opener(s3);
  Result<std::unique_ptr<ObjectStore>> store = opener.Open(*ParseStorageUri("s3://bucket/prefix"));
  ASSERT_TRUE(store.ok()) << store.error().ToString();
  EXPECT_NE(*store, nullptr);
}

TEST(AgentModulesTest, ArchivesAreExtractedByTheStorageModuleWithItsRules) {
  TestDir dir;
  fs::create_directories(dir.path() / "src");
  std::ofstream(dir.path() / "src" / "train.py") << "print('hi')\n";
  const std::string archive = (dir.path() / "sourcedir.tar.gz").string();
  ASSERT_TRUE(WriteTarGz({{(dir.path() / "src").string(), ""}}, archive).ok());
  ModuleObjectStoreOpener opener({});
  Status extracted = opener.ExtractArchive(archive, (dir.path() / "code").string());
  ASSERT_TRUE(extracted.ok()) << extracted.error().ToString();
  EXPECT_TRUE(fs::exists(dir.path() / "code" / "train.py"));

  std::ofstream(dir.path() / "not.tar.gz") << "not an archive";
  Status refused = opener.ExtractArchive((dir.path() / "not.tar.gz").string(), (dir.path() / "x").string());
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::kInvalidArgument) << refused.error().ToString();
}

TEST(AgentModulesTest, TheCollectiveCheckComesFromTheGlooModule) {
  FakeRendezvousClient rendezvous;
  std::vector<Result<CollectiveResult>> results(2, MakeError(ErrorCode::kInternal, "did not run"));
  std::vector<std::thread> ranks;
  for (int rank = 0; rank < 2; ++rank) {
    ranks.emplace_back([&, rank] {
      CollectiveCheckOptions o;
      o.rank = rank;
      o.size = 2;
      o.prefix = "attempt-1/preflight";
      o.bytes = 64 << 10;
      o.pair_bytes = 64 << 10;
      o.iterations = 1;
      o.timeout = std::chrono::milliseconds(5000);
      std::shared_ptr<void> connections;
      results[rank] = RunCollectiveCheckFromModule(rendezvous, o, &connections);
      EXPECT_NE(connections, nullptr) << "handed over open, for the caller to close";
    });
  }
  for (std::thread& t : ranks) t.join();
  for (const auto& r : results) {
    ASSERT_TRUE(r.ok()) << r.error().ToString();
    EXPECT_TRUE(r->ok) << r->error;
    ASSERT_EQ(r->peers.size(), 1u);
    EXPECT_TRUE(r->peers[0].ok) << r->peers[0].error;
  }
}

}  // namespace
}  // namespace trainyard
