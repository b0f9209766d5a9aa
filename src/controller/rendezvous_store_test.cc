#include "controller/rendezvous_store.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace trainyard {
namespace {

TEST(RendezvousStoreTest, SetThenGetAndReplace) {
  RendezvousStore store;
  EXPECT_EQ(store.Get("attempt-1/mesh/0"), std::nullopt);
  ASSERT_TRUE(store.Set("attempt-1/mesh/0", std::string("\0\x01\xff", 3)).ok());
  EXPECT_EQ(store.Get("attempt-1/mesh/0"), std::string("\0\x01\xff", 3)) << "values are bytes";
  ASSERT_TRUE(store.Set("attempt-1/mesh/0", "new").ok());
  EXPECT_EQ(store.Get("attempt-1/mesh/0"), "new");
  EXPECT_EQ(store.key_count(), 1u);
  EXPECT_EQ(store.total_bytes(), std::string("attempt-1/mesh/0new").size());
}

TEST(RendezvousStoreTest, KeysMustBePrintableAsciiAndShort) {
  struct Case {
    std::string key;
    bool ok;
  };
  const Case cases[] = {
      {"a", true},
      {"attempt-1/pair-0-1/rank_1", true},
      {std::string(kMaxRendezvousKeyBytes, 'k'), true},
      {std::string(kMaxRendezvousKeyBytes + 1, 'k'), false},
      {"", false},
      {"has space", false},
      {"tab\there", false},
      {"new\nline", false},
      {"caf\xc3\xa9", false},
      {std::string("nul\0", 4), false},
  };
  RendezvousStore store;
  for (const Case& c : cases) {
    Status s = store.Set(c.key, "v");
    EXPECT_EQ(s.ok(), c.ok) << c.key;
    if (!s.ok()) {
      EXPECT_EQ(s.error().code, ErrorCode::kInvalidArgument);
    }
  }
}

TEST(RendezvousStoreTest, LimitsGiveResourceExhaustedAndLeaveTheStoreUnchanged) {
  RendezvousStore store({.max_keys = 2, .max_value_bytes = 10, .max_total_bytes = 30});
  EXPECT_EQ(store.Set("k", std::string(11, 'v')).error().code, ErrorCode::kResourceExhausted);
  ASSERT_TRUE(store.Set("k1", std::string(10, 'v')).ok());
  ASSERT_TRUE(store.Set("k2", std::string(10, 'v')).ok());
  EXPECT_EQ(store.Set("k3", "v").error().code, ErrorCode::kResourceExhausted) << "max_keys";
  ASSERT_TRUE(store.Set("k2", "v").ok()) << "replacing does not add a key";
  EXPECT_EQ(store.total_bytes(), 12u + 3u);
  // A replacement that would push the total over the limit.
  RendezvousStore small({.max_keys = 10, .max_value_bytes = 10, .max_total_bytes = 20});
  ASSERT_TRUE(small.Set("a", std::string(10, 'v')).ok());
  EXPECT_EQ(small.Set("b", std::string(9, 'v')).error().code, ErrorCode::kResourceExhausted);
  EXPECT_EQ(small.Get("b"), std::nullopt);
  ASSERT_TRUE(small.Set("b", std::string(8, 'v')).ok()) << "exactly at the limit";
  EXPECT_EQ(small.total_bytes(), 20u);
}

TEST(RendezvousStoreTest, DropBelowRemovesOnlyThatPrefix) {
  RendezvousStore store;
  for (const char* key : {"attempt-1/a", "attempt-1/b", "attempt-10/a", "attempt-2/a"}) {
    ASSERT_TRUE(store.Set(key, "value").ok());
  }
  store.DropBelow("attempt-1/");
  EXPECT_EQ(store.Get("attempt-1/a"), std::nullopt);
  EXPECT_EQ(store.Get("attempt-1/b"), std::nullopt);
  EXPECT_EQ(store.Get("attempt-10/a"), "value");
  EXPECT_EQ(store.Get("attempt-2/a"), "value");
  EXPECT_EQ(store.total_bytes(), std::string("attempt-10/avalueattempt-2/avalue").size());
  store.Clear();
  EXPECT_EQ(store.key_count(), 0u);
  EXPECT_EQ(store.total_bytes(), 0u);
}

TEST(RendezvousStoreTest, ConcurrentWritersAllLand) {
  RendezvousStore store;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&store, t] {
      for (int i = 0; i < 100; ++i) {
        EXPECT_TRUE(store.Set("t" + std::to_string(t) + "/" + std::to_string(i), "v").ok());
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(store.key_count(), 400u);
  EXPECT_EQ(store.Get("t3/99"), "v");
}

}  // namespace
}  // namespace trainyard
