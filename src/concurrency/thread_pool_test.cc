#include "src/concurrency/thread_pool.h"

#include <atomic>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "gtest/gtest.h"

namespace serval::concurrency {
namespace {

TEST(ThreadPoolTest, ScheduleRunsEveryTaskBeforeDestruction) {
  std::atomic<int> ran{0};
  {
    ThreadPool pool(3);
    for (int i = 0; i < 100; ++i) pool.Schedule([&] { ++ran; });
  }
  EXPECT_EQ(ran.load(), 100);
}

TEST(ParallelForTest, RunsEveryIndexOnce) {
  ThreadPool pool(4);
  std::vector<std::atomic<int>> hits(1000);
  ASSERT_TRUE(ParallelFor(pool, hits.size(), [&](size_t i) {
                ++hits[i];
                return absl::OkStatus();
              }).ok());
  for (auto& h : hits) EXPECT_EQ(h.load(), 1);
}

TEST(ParallelForTest, ZeroAndOneItems) {
  ThreadPool pool(2);
  EXPECT_TRUE(ParallelFor(pool, 0, [](size_t) {
                return absl::InternalError("never called");
              }).ok());
  int calls = 0;
  EXPECT_TRUE(ParallelFor(pool, 1, [&](size_t) {
                ++calls;
                return absl::OkStatus();
              }).ok());
  EXPECT_EQ(calls, 1);
}

TEST(ParallelForTest, WithoutCancelReturnsLowestIndexError) {
  ThreadPool pool(4);
  absl::Status s = ParallelFor(
      pool, 200,
      [](size_t i) {
        if (i % 50 == 7) return absl::NotFoundError(absl::StrCat("item ", i));
        return absl::OkStatus();
      },
      {.cancel_on_error = false});
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(s.message(), "item 7");
}

TEST(ParallelForTest, CancelSkipsWorkNotYetStarted) {
  ThreadPool pool(2);
  std::atomic<int> ran{0};
  absl::Status s = ParallelFor(pool, 100000, [&](size_t i) {
    ++ran;
    if (i == 0) return absl::AbortedError("stop");
    return absl::OkStatus();
  });
  EXPECT_EQ(s.code(), absl::StatusCode::kAborted);
  // Index 0 is claimed first, so very little runs after it fails; at most
  // the calls already started on the other threads.
  EXPECT_LT(ran.load(), 100000);
}

TEST(ParallelMapTest, ResultsInInputOrder) {
  ThreadPool pool(4);
  absl::StatusOr<std::vector<std::string>> out = ParallelMap<std::string>(
      pool, 500,
      [](size_t i) -> absl::StatusOr<std::string> { return absl::StrCat(i); });
  ASSERT_TRUE(out.ok());
  ASSERT_EQ(out->size(), 500u);
  for (size_t i = 0; i < out->size(); ++i) EXPECT_EQ((*out)[i], absl::StrCat(i));
}

TEST(ParallelMapTest, ErrorInsteadOfResults) {
  ThreadPool pool(2);
  absl::StatusOr<std::vector<int>> out = ParallelMap<int>(
      pool, 10, [](size_t i) -> absl::StatusOr<int> {
        if (i == 3) return absl::InvalidArgumentError("bad 3");
        return static_cast<int>(i);
      });
  EXPECT_EQ(out.status().message(), "bad 3");
}

TEST(ParallelForTest, NestedCallsDoNotDeadlock) {
  ThreadPool pool(2);
  std::atomic<int> inner{0};
  ASSERT_TRUE(ParallelFor(pool, 8, [&](size_t) {
                return ParallelFor(pool, 8, [&](size_t) {
                  ++inner;
                  return absl::OkStatus();
                });
              }).ok());
  EXPECT_EQ(inner.load(), 64);
}

TEST(ParallelForTest, CallerMakesProgressWhilePoolIsBusy) {
  absl::Notification release;  // declared first: outlives the pool's worker
  ThreadPool pool(1);
  pool.Schedule([&] { release.WaitForNotification(); });  // occupies worker
  std::atomic<int> ran{0};
  ASSERT_TRUE(ParallelFor(pool, 10, [&](size_t) {
                ++ran;
                return absl::OkStatus();
              }).ok());
  EXPECT_EQ(ran.load(), 10);  // all on the calling thread
  release.Notify();
}

}  // namespace
}  // namespace serval::concurrency

namespace serval::concurrency {
namespace {

TEST(ForEachIndexTest, RunsEveryIndexOnceWithOrWithoutAPool) {
  ThreadPool pool(3);
  for (ThreadPool* p : {static_cast<ThreadPool*>(nullptr), &pool}) {
    std::vector<std::atomic<int>> seen(500);
    ForEachIndex(p, seen.size(), [&](size_t i) { seen[i].fetch_add(1); });
    for (const std::atomic<int>& s : seen) EXPECT_EQ(s.load(), 1);
  }
}

}  // namespace
}  // namespace serval::concurrency
