#include "src/fs/retry.h"

#include <algorithm>

#include "absl/random/random.h"
#include "absl/time/clock.h"
#include "src/base/errno_status.h"

namespace serval::fs {

bool Retrier::ShouldRetry(const absl::Status& status) {
  if (status.ok() || !base::IsTransientErrno(base::ErrnoOf(status))) {
    return false;
  }
  if (retries_ >= policy_.max_retries) return false;
  absl::Duration delay = policy_.initial_backoff;
  for (int i = 0; i < retries_ && delay < policy_.max_backoff; ++i) delay *= 2;
  delay = std::min(delay, policy_.max_backoff);
  thread_local absl::BitGen bitgen;
  const double jitter = absl::Uniform(bitgen, 0.5, 1.0);
  delay = delay * jitter;
  ++retries_;
  if (policy_.sleep) {
    policy_.sleep(delay);
  } else {
    absl::SleepFor(delay);
  }
  return true;
}

}  // namespace serval::fs
