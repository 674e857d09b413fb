// thread_pool.h — a fixed set of worker threads, and ParallelFor on them.
//
// ParallelFor(n, fn) runs fn(0) ... fn(n-1) on the pool and on the calling
// thread, and returns when every started call has returned:
//   * the result is the error of the lowest index among the calls that ran
//     and failed (OK if none failed);
//   * with cancel_on_error (the default) calls not yet started when an
//     error is seen are skipped; without it every index runs;
//   * ParallelMap keeps results in input order.
// The calling thread takes part in the work, so ParallelFor may be called
// from inside a task of the same pool (nested) without deadlock: it never
// waits for a queued task that has not started.
//
// Example:
//   ThreadPool pool(4);
//   absl::StatusOr<std::vector<std::string>> html = ParallelMap<std::string>(
//       pool, pages.size(), [&](size_t i) { return Render(pages[i]); });
//
// Thread-safety: all methods may be called from any thread. The destructor
// runs every task already scheduled, then joins the workers; it must not be
// called from a worker.
#ifndef SERVAL_CONCURRENCY_THREAD_POOL_H_
#define SERVAL_CONCURRENCY_THREAD_POOL_H_

#include <cstddef>
#include <deque>
#include <functional>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "src/concurrency/mutex.h"

namespace serval::concurrency {

class ThreadPool {
 public:
  // `num_threads` workers; 0 means std::thread::hardware_concurrency().
  explicit ThreadPool(size_t num_threads = 0);
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;
  ~ThreadPool();

  size_t size() const { return workers_.size(); }

  // Runs `task` on a worker, some time later.
  void Schedule(std::function<void()> task);

 private:
  void WorkerLoop();

  Mutex mu_{LockRank::kThreadPoolQueue, "ThreadPool::mu_"};
  std::deque<std::function<void()>> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> workers_;
};

struct ParallelForOptions {
  bool cancel_on_error = true;
};

absl::Status ParallelFor(ThreadPool& pool, size_t n,
                         const std::function<absl::Status(size_t)>& fn,
                         ParallelForOptions options = {});

// Runs fn(0) ... fn(n-1), every one of them, on `pool` and the calling
// thread — or serially on the calling thread when `pool` is null (a
// one-job build). fn reports its own results; returns when all returned.
void ForEachIndex(ThreadPool* pool, size_t n,
                  const std::function<void(size_t)>& fn);

template <typename T>
absl::StatusOr<std::vector<T>> ParallelMap(
    ThreadPool& pool, size_t n,
    const std::function<absl::StatusOr<T>(size_t)>& fn,
    ParallelForOptions options = {}) {
  std::vector<std::optional<T>> slots(n);
  absl::Status status = ParallelFor(
      pool, n,
      [&](size_t i) -> absl::Status {
        absl::StatusOr<T> result = fn(i);
        if (!result.ok()) return result.status();
        slots[i] = std::move(result).value();
        return absl::OkStatus();
      },
      options);
  if (!status.ok()) return status;
  std::vector<T> results;
  results.reserve(n);
  for (std::optional<T>& slot : slots) results.push_back(std::move(*slot));
  return results;
}

}  // namespace serval::concurrency

#endif  // SERVAL_CONCURRENCY_THREAD_POOL_H_
