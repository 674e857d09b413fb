// mutex.h — Serval's mutex: absl::Mutex plus a lock rank.
//
// Use it like absl::Mutex, with Clang's thread-safety annotations:
//
//   class Registry {
//    public:
//     void Add(std::string key) {
//       concurrency::MutexLock lock(&mu_);
//       keys_.insert(std::move(key));
//     }
//    private:
//     concurrency::Mutex mu_{concurrency::LockRank::kThreadSafeSet,
//                            "Registry::mu_"};
//     absl::flat_hash_set<std::string> keys_ ABSL_GUARDED_BY(mu_);
//   };
//
// Lock ranks (lock_rank.h): a thread may only acquire a mutex whose rank is
// strictly greater than that of every mutex it holds. A violation aborts
// with both names:
//   lock order violation: acquiring "MemFs::mu_" (rank 850) while holding
//   "Leaf" (rank 1000)
// The check costs a thread-local array update per lock/unlock and is
// compiled out only with -DSERVAL_NO_LOCK_RANK_CHECKS (--config=release).
//
// Thread-safety: a Mutex is itself thread-safe; it must outlive its users.
#ifndef SERVAL_CONCURRENCY_MUTEX_H_
#define SERVAL_CONCURRENCY_MUTEX_H_

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "src/concurrency/lock_rank.h"

namespace serval::concurrency {

class ABSL_LOCKABLE Mutex {
 public:
  // `name` must outlive the mutex (a string literal).
  Mutex(LockRank rank, const char* name) : rank_(rank), name_(name) {}
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;

  void Lock() ABSL_EXCLUSIVE_LOCK_FUNCTION();
  void Unlock() ABSL_UNLOCK_FUNCTION();
  bool TryLock() ABSL_EXCLUSIVE_TRYLOCK_FUNCTION(true);
  void ReaderLock() ABSL_SHARED_LOCK_FUNCTION();
  void ReaderUnlock() ABSL_UNLOCK_FUNCTION();
  void AssertHeld() const ABSL_ASSERT_EXCLUSIVE_LOCK() { mu_.AssertHeld(); }

  // Releases the mutex until `condition` holds, then reacquires it.
  // REQUIRES: held exclusively.
  void Await(const absl::Condition& condition)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(this) {
    mu_.Await(condition);
  }
  // As Await, giving up after `timeout`; returns whether `condition` holds.
  bool AwaitWithTimeout(const absl::Condition& condition,
                        absl::Duration timeout)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(this) {
    return mu_.AwaitWithTimeout(condition, timeout);
  }

  LockRank rank() const { return rank_; }
  const char* name() const { return name_; }

 private:
  void CheckAndPush();
  void Pop();

  absl::Mutex mu_;
  const LockRank rank_;
  const char* const name_;
};

// Holds `mu` exclusively for the scope.
class ABSL_SCOPED_LOCKABLE MutexLock {
 public:
  explicit MutexLock(Mutex* mu) ABSL_EXCLUSIVE_LOCK_FUNCTION(mu) : mu_(mu) {
    mu_->Lock();
  }
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;
  ~MutexLock() ABSL_UNLOCK_FUNCTION() { mu_->Unlock(); }

 private:
  Mutex* const mu_;
};

// Holds `mu` shared for the scope.
class ABSL_SCOPED_LOCKABLE ReaderMutexLock {
 public:
  explicit ReaderMutexLock(Mutex* mu) ABSL_SHARED_LOCK_FUNCTION(mu)
      : mu_(mu) {
    mu_->ReaderLock();
  }
  ReaderMutexLock(const ReaderMutexLock&) = delete;
  ReaderMutexLock& operator=(const ReaderMutexLock&) = delete;
  ~ReaderMutexLock() ABSL_UNLOCK_FUNCTION() { mu_->ReaderUnlock(); }

 private:
  Mutex* const mu_;
};

}  // namespace serval::concurrency

#endif  // SERVAL_CONCURRENCY_MUTEX_H_
