#include "src/fs/retry.h"

#include <cerrno>
#include <vector>

#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "src/base/errno_status.h"

namespace serval::fs {
namespace {

TEST(RetryTest, RetriesTransientWithCappedJitteredBackoff) {
  std::vector<absl::Duration> waits;
  RetryPolicy policy;
  policy.max_retries = 8;
  policy.initial_backoff = absl::Milliseconds(1);
  policy.max_backoff = absl::Milliseconds(10);
  policy.sleep = [&](absl::Duration d) { waits.push_back(d); };
  Retrier retrier(policy);
  const absl::Status eintr = base::ErrnoStatus(EINTR, "write", "f");
  int retries = 0;
  while (retrier.ShouldRetry(eintr)) ++retries;
  EXPECT_EQ(retries, 8);
  ASSERT_EQ(waits.size(), 8u);
  absl::Duration nominal = absl::Milliseconds(1);
  for (absl::Duration wait : waits) {
    EXPECT_GE(wait, nominal / 2);
    EXPECT_LE(wait, nominal);
    nominal = std::min(nominal * 2, absl::Milliseconds(10));
  }
}

TEST(RetryTest, PermanentAndOkAreNotRetried) {
  RetryPolicy policy;
  policy.sleep = [](absl::Duration) { FAIL() << "must not wait"; };
  Retrier retrier(policy);
  EXPECT_FALSE(retrier.ShouldRetry(absl::OkStatus()));
  EXPECT_FALSE(retrier.ShouldRetry(base::ErrnoStatus(ENOSPC, "write", "f")));
  EXPECT_FALSE(retrier.ShouldRetry(absl::InternalError("no errno")));
  EXPECT_EQ(retrier.retries(), 0);
}

TEST(RetryTest, EagainAndEbusyAreTransient) {
  RetryPolicy policy;
  policy.sleep = [](absl::Duration) {};
  Retrier retrier(policy);
  EXPECT_TRUE(retrier.ShouldRetry(base::ErrnoStatus(EAGAIN, "write", "f")));
  EXPECT_TRUE(retrier.ShouldRetry(base::ErrnoStatus(EBUSY, "rename", "f")));
}

}  // namespace
}  // namespace serval::fs
