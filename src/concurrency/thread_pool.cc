#include "src/concurrency/thread_pool.h"

#include <algorithm>
#include <atomic>
#include <memory>

namespace serval::concurrency {

ThreadPool::ThreadPool(size_t num_threads) {
  if (num_threads == 0) num_threads = std::thread::hardware_concurrency();
  if (num_threads == 0) num_threads = 1;
  workers_.reserve(num_threads);
  for (size_t i = 0; i < num_threads; ++i) {
    workers_.emplace_back([this] { WorkerLoop(); });
  }
}

ThreadPool::~ThreadPool() {
  {
    MutexLock lock(&mu_);
    stopping_ = true;
  }
  for (std::thread& worker : workers_) worker.join();
}

void ThreadPool::Schedule(std::function<void()> task) {
  MutexLock lock(&mu_);
  queue_.push_back(std::move(task));
}

void ThreadPool::WorkerLoop() {
  while (true) {
    std::function<void()> task;
    {
      MutexLock lock(&mu_);
      mu_.Await(absl::Condition(
          +[](ThreadPool* pool) ABSL_EXCLUSIVE_LOCKS_REQUIRED(pool->mu_) {
            return pool->stopping_ || !pool->queue_.empty();
          },
          this));
      if (queue_.empty()) return;  // stopping, and everything ran
      task = std::move(queue_.front());
      queue_.pop_front();
    }
    task();
  }
}

namespace {

// One ParallelFor: indices are claimed with an atomic counter by the
// calling thread and by helper tasks; the caller waits only for helpers
// that actually started.
class Job {
 public:
  Job(size_t n, const std::function<absl::Status(size_t)>& fn,
      ParallelForOptions options)
      : n_(n), fn_(fn), options_(options) {}

  // A helper task: joins in unless the caller already closed the job.
  void Help() {
    {
      MutexLock lock(&mu_);
      if (closed_) return;
      ++running_helpers_;
    }
    Work();
    MutexLock lock(&mu_);
    --running_helpers_;
  }

  // The calling thread: works, then closes the job and waits for helpers.
  absl::Status Finish() {
    Work();
    MutexLock lock(&mu_);
    closed_ = true;
    mu_.Await(absl::Condition(
        +[](Job* job) ABSL_EXCLUSIVE_LOCKS_REQUIRED(job->mu_) {
          return job->running_helpers_ == 0;
        },
        this));
    return first_error_;
  }

 private:
  void Work() {
    while (true) {
      if (options_.cancel_on_error &&
          cancelled_.load(std::memory_order_acquire)) {
        return;
      }
      size_t i = next_.fetch_add(1, std::memory_order_relaxed);
      if (i >= n_) return;
      absl::Status status = fn_(i);
      if (!status.ok()) {
        cancelled_.store(true, std::memory_order_release);
        MutexLock lock(&mu_);
        if (first_error_.ok() || i < first_error_index_) {
          first_error_ = std::move(status);
          first_error_index_ = i;
        }
      }
    }
  }

  const size_t n_;
  const std::function<absl::Status(size_t)>& fn_;
  const ParallelForOptions options_;
  std::atomic<size_t> next_{0};
  std::atomic<bool> cancelled_{false};
  Mutex mu_{LockRank::kParallelForJob, "ParallelFor::Job::mu_"};
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
  int running_helpers_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Status first_error_ ABSL_GUARDED_BY(mu_);
  size_t first_error_index_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace

absl::Status ParallelFor(ThreadPool& pool, size_t n,
                         const std::function<absl::Status(size_t)>& fn,
                         ParallelForOptions options) {
  if (n == 0) return absl::OkStatus();
  // Helpers hold the job through a shared_ptr: one that starts after the
  // caller returned finds it closed and leaves without touching `fn`.
  auto job = std::make_shared<Job>(n, fn, options);
  const size_t helpers = std::min(pool.size(), n - 1);
  for (size_t h = 0; h < helpers; ++h) {
    pool.Schedule([job] { job->Help(); });
  }
  return job->Finish();
}

void ForEachIndex(ThreadPool* pool, size_t n,
                  const std::function<void(size_t)>& fn) {
  if (pool == nullptr) {
    for (size_t i = 0; i < n; ++i) fn(i);
    return;
  }
  ParallelFor(
      *pool, n,
      [&fn](size_t i) {
        fn(i);
        return absl::OkStatus();
      },
      {.cancel_on_error = false})
      .IgnoreError();
}

}  // namespace serval::concurrency
