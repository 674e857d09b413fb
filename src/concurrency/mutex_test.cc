#include "src/concurrency/mutex.h"

#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace serval::concurrency {
namespace {

TEST(MutexTest, GuardsCounterAcrossThreads) {
  Mutex mu(LockRank::kLeaf, "counter");
  int counter = 0;
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10000; ++i) {
        MutexLock lock(&mu);
        ++counter;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(counter, 80000);
}

TEST(MutexTest, IncreasingRankOrderIsAllowed) {
  Mutex low(LockRank::kTestLow, "low");
  Mutex high(LockRank::kTestHigh, "high");
  MutexLock a(&low);
  MutexLock b(&high);
  SUCCEED();
}

TEST(MutexTest, ReleasingOutOfOrderKeepsTrackingRight) {
  Mutex low(LockRank::kTestLow, "low");
  Mutex high(LockRank::kTestHigh, "high");
  low.Lock();
  high.Lock();
  low.Unlock();   // not the most recent
  high.Unlock();
  // Both released: taking them again in order works.
  MutexLock a(&low);
  MutexLock b(&high);
}

TEST(MutexTest, TryLockFailsWhenHeldElsewhere) {
  Mutex mu(LockRank::kLeaf, "leaf");
  mu.Lock();
  bool got = true;
  std::thread other([&] { got = mu.TryLock(); });
  other.join();
  EXPECT_FALSE(got);
  mu.Unlock();
  bool relocked = mu.TryLock();
  EXPECT_TRUE(relocked);
  if (relocked) mu.Unlock();
}

#ifndef SERVAL_NO_LOCK_RANK_CHECKS
TEST(MutexDeathTest, OutOfOrderAcquisitionAbortsNamingBothLocks) {
  Mutex low(LockRank::kTestLow, "low_lock");
  Mutex high(LockRank::kTestHigh, "high_lock");
  EXPECT_DEATH(
      {
        MutexLock b(&high);
        MutexLock a(&low);
      },
      "lock order violation: acquiring \"low_lock\" \\(rank 10000\\) while "
      "holding \"high_lock\" \\(rank 10001\\)");
}

TEST(MutexDeathTest, SameRankNestingAborts) {
  Mutex one(LockRank::kTestLow, "one");
  Mutex two(LockRank::kTestLow, "two");
  EXPECT_DEATH(
      {
        MutexLock a(&one);
        MutexLock b(&two);
      },
      "lock order violation");
}

// Deliberately wrong: hidden from the static analysis, caught at run time.
void LockTwice(Mutex* mu) ABSL_NO_THREAD_SAFETY_ANALYSIS {
  mu->Lock();
  mu->Lock();
}

TEST(MutexDeathTest, RelockingHeldMutexAborts) {
  Mutex mu(LockRank::kLeaf, "self");
  EXPECT_DEATH(LockTwice(&mu), "lock order violation: acquiring \"self\"");
}
#endif

TEST(MutexTest, AwaitReleasesWhileWaiting) {
  Mutex mu(LockRank::kLeaf, "await");
  bool ready = false;
  std::thread setter([&] {
    MutexLock lock(&mu);
    ready = true;
  });
  {
    MutexLock lock(&mu);
    mu.Await(absl::Condition(&ready));
    EXPECT_TRUE(ready);
  }
  setter.join();
}

}  // namespace
}  // namespace serval::concurrency
