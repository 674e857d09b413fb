#include "src/concurrency/thread_local_cache.h"

#include <atomic>
#include <set>
#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace serval::concurrency {
namespace {

struct Counter {
  std::thread::id owner = std::this_thread::get_id();
  int uses = 0;
};

TEST(ThreadLocalCacheTest, OneInstancePerThreadCreatedLazily) {
  std::atomic<int> created{0};
  ThreadLocalCache<Counter> cache([&] {
    ++created;
    return std::make_unique<Counter>();
  });
  EXPECT_EQ(cache.Size(), 0u);
  std::vector<std::thread> threads;
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 100; ++i) {
        Counter& c = cache.Get();
        EXPECT_EQ(c.owner, std::this_thread::get_id());
        ++c.uses;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(created.load(), 6);
  int total = 0;
  std::set<std::thread::id> owners;
  cache.ForEach([&](const Counter& c) {
    total += c.uses;
    owners.insert(c.owner);
  });
  EXPECT_EQ(total, 600);
  EXPECT_EQ(owners.size(), 6u);
}

TEST(ThreadLocalCacheTest, SameThreadSameInstanceAndCachesIndependent) {
  ThreadLocalCache<Counter> a([] { return std::make_unique<Counter>(); });
  ThreadLocalCache<Counter> b([] { return std::make_unique<Counter>(); });
  EXPECT_EQ(&a.Get(), &a.Get());
  EXPECT_NE(&a.Get(), &b.Get());
}

TEST(ThreadLocalCacheTest, NewCacheAfterDestroyedOneStartsFresh) {
  Counter* old_instance;
  {
    ThreadLocalCache<Counter> a([] { return std::make_unique<Counter>(); });
    old_instance = &a.Get();
    old_instance->uses = 42;
  }
  ThreadLocalCache<Counter> b([] { return std::make_unique<Counter>(); });
  EXPECT_EQ(b.Get().uses, 0);  // never the destroyed cache's instance
}

}  // namespace
}  // namespace serval::concurrency
