#include "src/concurrency/per_key_lock_manager.h"

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/barrier.h"
#include "absl/synchronization/notification.h"
#include "gtest/gtest.h"

namespace serval::concurrency {
namespace {

TEST(PerKeyLockManagerTest, SameKeyIsExclusive) {
  PerKeyLockManager locks;
  std::vector<int> in_section(4, 0);
  std::atomic<bool> overlap{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 2000; ++i) {
        int key = (t + i) % 4;
        auto guard = locks.Lock(absl::StrCat("k", key));
        if (++in_section[key] != 1) overlap = true;
        --in_section[key];
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_FALSE(overlap.load());
  EXPECT_EQ(locks.Size(), 0u);
}

TEST(PerKeyLockManagerTest, DifferentKeysRunInParallel) {
  PerKeyLockManager locks;
  absl::Barrier both_inside(2);
  // If key "b" waited for key "a", this barrier would never be passed.
  std::thread a([&] {
    auto guard = locks.Lock("a");
    both_inside.Block();
  });
  std::thread b([&] {
    auto guard = locks.Lock("b");
    both_inside.Block();
  });
  a.join();
  b.join();
  EXPECT_EQ(locks.Size(), 0u);
}

TEST(PerKeyLockManagerTest, WaiterGetsKeyAfterRelease) {
  PerKeyLockManager locks;
  absl::Notification holding, waiter_started;
  std::atomic<bool> waiter_done{false};
  auto guard = std::make_unique<PerKeyLockManager::Guard>(locks.Lock("k"));
  std::thread waiter([&] {
    waiter_started.Notify();
    auto g = locks.Lock("k");
    waiter_done = true;
  });
  waiter_started.WaitForNotification();
  EXPECT_EQ(locks.Size(), 1u);
  guard.reset();
  waiter.join();
  EXPECT_TRUE(waiter_done.load());
  EXPECT_EQ(locks.Size(), 0u);
}

TEST(PerKeyLockManagerTest, MemoryDoesNotGrowWithKeysSeen) {
  PerKeyLockManager locks;
  for (int i = 0; i < 10000; ++i) {
    auto guard = locks.Lock(absl::StrCat("page-", i));
    EXPECT_EQ(locks.Size(), 1u);
  }
  EXPECT_EQ(locks.Size(), 0u);
}

TEST(PerKeyLockManagerTest, GuardIsMovable) {
  PerKeyLockManager locks;
  auto make = [&] { return locks.Lock("k"); };
  {
    PerKeyLockManager::Guard g = make();
    PerKeyLockManager::Guard moved = std::move(g);
    EXPECT_EQ(locks.Size(), 1u);
  }
  EXPECT_EQ(locks.Size(), 0u);
}

#ifndef SERVAL_NO_LOCK_RANK_CHECKS
TEST(PerKeyLockManagerDeathTest, HoldingTwoKeysAborts) {
  PerKeyLockManager locks;
  EXPECT_DEATH(
      {
        auto a = locks.Lock("a");
        auto b = locks.Lock("b");
      },
      "lock order violation: acquiring \"PerKeyLockManager key\" "
      "\\(rank 200\\) while holding \"PerKeyLockManager key\"");
}
#endif

}  // namespace
}  // namespace serval::concurrency
