#include "src/serve/reload_hub.h"

#include <atomic>
#include <thread>
#include <vector>

#include "absl/synchronization/barrier.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"

namespace serval::serve {
namespace {

TEST(ReloadHubTest, WaitTimesOutWithoutNews) {
  ReloadHub hub("inst");
  ReloadHub::Wait w = hub.WaitForNewer(1, absl::Milliseconds(10));
  EXPECT_FALSE(w.event.has_value());
  EXPECT_FALSE(w.shutdown);
}

TEST(ReloadHubTest, CoalescesMissedEvents) {
  ReloadHub hub("inst");
  hub.Publish(ReloadKind::kCss);
  ReloadHub::Wait w = hub.WaitForNewer(1, absl::ZeroDuration());
  ASSERT_TRUE(w.event.has_value());
  EXPECT_EQ(w.event->kind, ReloadKind::kCss);
  EXPECT_EQ(w.event->generation, 2u);
  hub.Publish(ReloadKind::kReload);
  hub.Publish(ReloadKind::kCss);
  // A client that missed a reload among css swaps reloads.
  EXPECT_EQ(hub.WaitForNewer(2, absl::ZeroDuration()).event->kind,
            ReloadKind::kReload);
  // One that saw the reload only swaps css.
  EXPECT_EQ(hub.WaitForNewer(3, absl::ZeroDuration()).event->kind,
            ReloadKind::kCss);
}

TEST(ReloadHubTest, ErrorThenRecoveryReloads) {
  ReloadHub hub("inst");
  hub.Publish(ReloadKind::kError, "content/a.md:1:1: bad");
  ReloadEvent e = *hub.WaitForNewer(1, absl::ZeroDuration()).event;
  EXPECT_EQ(e.kind, ReloadKind::kError);
  EXPECT_EQ(e.error, "content/a.md:1:1: bad");
  // A page opened while broken is told at once.
  EXPECT_EQ(hub.ResumePoint(""), 1u);
  hub.Publish(ReloadKind::kCss);  // the fix touched only css...
  e = *hub.WaitForNewer(2, absl::ZeroDuration()).event;
  EXPECT_EQ(e.kind, ReloadKind::kReload);  // ...but recovery reloads
  EXPECT_TRUE(e.error.empty());
  EXPECT_EQ(hub.ResumePoint(""), 3u);
}

TEST(ReloadHubTest, ResumePoint) {
  ReloadHub hub("abc");
  hub.Publish(ReloadKind::kReload);
  EXPECT_EQ(hub.ResumePoint(""), 2u);
  EXPECT_EQ(hub.ResumePoint("abc-1"), 1u);
  EXPECT_EQ(hub.ResumePoint("other-2"), 0u);  // server restarted
  EXPECT_EQ(hub.ResumePoint("abc-99"), 0u);
  EXPECT_EQ(hub.ResumePoint("garbage"), 0u);
  EXPECT_EQ(hub.WaitForNewer(0, absl::ZeroDuration()).event->kind,
            ReloadKind::kReload);
}

TEST(ReloadHubTest, SseFormat) {
  EXPECT_EQ(FormatSseEvent({.generation = 7, .kind = ReloadKind::kReload}, "i"),
            "id: i-7\nevent: reload\ndata: \n\n");
  EXPECT_EQ(FormatSseEvent({.generation = 8,
                            .kind = ReloadKind::kError,
                            .error = "a\r\nb\nc"},
                           "i"),
            "id: i-8\nevent: error\ndata: a\ndata: b\ndata: c\n\n");
  EXPECT_EQ(FormatSseHello("i", 3), "retry: 500\nid: i-3\nevent: hello\ndata: \n\n");
}

TEST(ReloadHubTest, ClientLimit) {
  ReloadHub hub;
  EXPECT_TRUE(hub.TryAddClient(2));
  EXPECT_TRUE(hub.TryAddClient(2));
  EXPECT_FALSE(hub.TryAddClient(2));
  hub.RemoveClient();
  EXPECT_TRUE(hub.TryAddClient(2));
  EXPECT_EQ(hub.clients(), 2);
}

// 64 waiters released together; every one reaches the last generation
// (seeing each publish or a coalesced later one), without missing a wakeup.
TEST(ReloadHubTest, ManyWaitersSeeEveryPublish) {
  constexpr int kWaiters = 64;
  constexpr uint64_t kLast = 1 + 50;
  ReloadHub hub("inst");
  absl::Barrier barrier(kWaiters + 1);
  std::atomic<int> finished{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kWaiters; ++i) {
    threads.emplace_back([&] {
      uint64_t seen = hub.ResumePoint("");
      barrier.Block();
      absl::Time deadline = absl::Now() + absl::Seconds(30);
      while (seen < kLast && absl::Now() < deadline) {
        // A long timeout: progress must come from wakeups, not polling.
        ReloadHub::Wait w = hub.WaitForNewer(seen, absl::Seconds(30));
        ASSERT_FALSE(w.shutdown);
        if (w.event) {
          EXPECT_GT(w.event->generation, seen);
          seen = w.event->generation;
        }
      }
      if (seen == kLast) finished.fetch_add(1);
    });
  }
  barrier.Block();
  for (uint64_t g = 2; g <= kLast; ++g) {
    hub.Publish(g % 2 ? ReloadKind::kCss : ReloadKind::kReload);
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(finished.load(), kWaiters);
}

TEST(ReloadHubTest, ShutdownWakesWaiters) {
  ReloadHub hub;
  std::vector<std::thread> threads;
  std::atomic<int> woke{0};
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      if (hub.WaitForNewer(1, absl::Hours(1)).shutdown) woke.fetch_add(1);
    });
  }
  absl::SleepFor(absl::Milliseconds(50));
  hub.Shutdown();
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(woke.load(), 8);
  EXPECT_TRUE(hub.WaitForNewer(0, absl::Hours(1)).shutdown);
}

}  // namespace
}  // namespace serval::serve
