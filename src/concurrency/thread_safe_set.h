// thread_safe_set.h — a set many threads add to, where exactly one of them
// learns that a value is new.
//
// Example:
//   ThreadSafeSet<std::string> written;
//   if (written.InsertIfAbsent(path)) WriteOnce(path);  // one thread wins
//
// Thread-safety: every method may be called from any thread.
#ifndef SERVAL_CONCURRENCY_THREAD_SAFE_SET_H_
#define SERVAL_CONCURRENCY_THREAD_SAFE_SET_H_

#include <algorithm>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "src/concurrency/mutex.h"

namespace serval::concurrency {

template <typename T>
class ThreadSafeSet {
 public:
  // True for exactly one caller per distinct value, across all threads.
  bool InsertIfAbsent(T value) {
    MutexLock lock(&mu_);
    return set_.insert(std::move(value)).second;
  }

  bool Contains(const T& value) const {
    MutexLock lock(&mu_);
    return set_.contains(value);
  }

  size_t Size() const {
    MutexLock lock(&mu_);
    return set_.size();
  }

  // A sorted copy (deterministic, unlike the hash set's order).
  std::vector<T> SortedSnapshot() const {
    std::vector<T> out;
    {
      MutexLock lock(&mu_);
      out.assign(set_.begin(), set_.end());
    }
    std::sort(out.begin(), out.end());
    return out;
  }

 private:
  mutable Mutex mu_{LockRank::kThreadSafeSet, "ThreadSafeSet::mu_"};
  absl::flat_hash_set<T> set_ ABSL_GUARDED_BY(mu_);
};

}  // namespace serval::concurrency

#endif  // SERVAL_CONCURRENCY_THREAD_SAFE_SET_H_
