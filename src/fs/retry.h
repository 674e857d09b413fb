// retry.h — bounded retries of transient errors with capped exponential
// backoff and jitter.
//
// Transient means base::IsTransientErrno (EINTR, EAGAIN, EBUSY). Each
// retry waits a random time in [d/2, d], d = min(max_backoff,
// initial_backoff * 2^k) for the k-th retry; after max_retries retries the
// error is returned.
//
// Example:
//   Retrier retrier(policy);
//   absl::Status s;
//   do { s = fs.Rename(from, to); } while (retrier.ShouldRetry(s));
//
// Thread-safety: a Retrier belongs to one operation on one thread.
#ifndef SERVAL_FS_RETRY_H_
#define SERVAL_FS_RETRY_H_

#include <functional>

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace serval::fs {

struct RetryPolicy {
  int max_retries = 16;
  absl::Duration initial_backoff = absl::Microseconds(50);
  absl::Duration max_backoff = absl::Milliseconds(20);
  // How to wait (tests pass a function that records instead of sleeping).
  std::function<void(absl::Duration)> sleep;  // null: absl::SleepFor
};

class Retrier {
 public:
  explicit Retrier(const RetryPolicy& policy) : policy_(policy) {}
  // True if `status` is a transient error and retries remain; then it has
  // already waited the backoff. False for OK and for permanent errors.
  bool ShouldRetry(const absl::Status& status);
  int retries() const { return retries_; }

 private:
  const RetryPolicy& policy_;
  int retries_ = 0;
};

}  // namespace serval::fs

#endif  // SERVAL_FS_RETRY_H_
