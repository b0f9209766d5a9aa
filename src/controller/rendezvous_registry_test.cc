#include "controller/rendezvous_registry.h"

#include <gtest/gtest.h>

namespace trainyard {
namespace {

TEST(RendezvousRegistryTest, OneStorePerJobCreatedOnFirstUse) {
  RendezvousRegistry registry;
  EXPECT_EQ(registry.job_count(), 0u);
  auto a = registry.ForAttempt("job-a", "attempt-1/");
  auto b = registry.ForAttempt("job-b", "attempt-1/");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(a->get(), b->get());
  EXPECT_EQ(registry.ForAttempt("job-a", "attempt-1/").value().get(), a->get());
  EXPECT_EQ(registry.job_count(), 2u);
}

TEST(RendezvousRegistryTest, ANewAttemptDropsTheOldKeysAndRetiresItsPrefix) {
  RendezvousRegistry registry;
  std::shared_ptr<RendezvousStore> store = registry.ForAttempt("job", "attempt-1/").value();
  ASSERT_TRUE(store->Set("attempt-1/mesh/0", "addr").ok());
  std::shared_ptr<RendezvousStore> next = registry.ForAttempt("job", "attempt-2/").value();
  EXPECT_EQ(next.get(), store.get());
  EXPECT_EQ(next->Get("attempt-1/mesh/0"), std::nullopt);
  ASSERT_TRUE(next->Set("attempt-2/mesh/0", "addr2").ok());
  // A late call for the old attempt must not wipe the new one's keys.
  Result<std::shared_ptr<RendezvousStore>> late = registry.ForAttempt("job", "attempt-1/");
  ASSERT_FALSE(late.ok());
  EXPECT_EQ(late.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(next->Get("attempt-2/mesh/0"), "addr2");
}

TEST(RendezvousRegistryTest, ForgetDropsTheJobsStore) {
  RendezvousRegistry registry;
  ASSERT_TRUE(registry.ForAttempt("job", "attempt-1/").value()->Set("attempt-1/k", "v").ok());
  registry.Forget("job");
  EXPECT_EQ(registry.job_count(), 0u);
  EXPECT_EQ(registry.ForAttempt("job", "attempt-1/").value()->Get("attempt-1/k"), std::nullopt);
}

TEST(RendezvousRegistryTest, StoresHaveTheConfiguredLimits) {
  RendezvousRegistry registry({.max_keys = 1});
  auto store = registry.ForAttempt("job", "attempt-1/").value();
  ASSERT_TRUE(store->Set("attempt-1/a", "v").ok());
  EXPECT_EQ(store->Set("attempt-1/b", "v").error().code, ErrorCode::kResourceExhausted);
}

}  // namespace
}  // namespace trainyard
