#include "src/concurrency/thread_safe_set.h"

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace serval::concurrency {
namespace {

TEST(ThreadSafeSetTest, ExactlyOneWinnerPerValue) {
  ThreadSafeSet<int> set;
  std::vector<std::atomic<int>> wins(500);
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int v = 0; v < 500; ++v) {
        if (set.InsertIfAbsent(v)) ++wins[v];
      }
    });
  }
  for (auto& th : threads) th.join();
  for (auto& w : wins) EXPECT_EQ(w.load(), 1);
  EXPECT_EQ(set.Size(), 500u);
}

TEST(ThreadSafeSetTest, ContainsAndSortedSnapshot) {
  ThreadSafeSet<std::string> set;
  EXPECT_TRUE(set.InsertIfAbsent("b"));
  EXPECT_TRUE(set.InsertIfAbsent("a"));
  EXPECT_FALSE(set.InsertIfAbsent("b"));
  EXPECT_TRUE(set.Contains("a"));
  EXPECT_FALSE(set.Contains("c"));
  EXPECT_EQ(set.SortedSnapshot(), (std::vector<std::string>{"a", "b"}));
}

}  // namespace
}  // namespace serval::concurrency
