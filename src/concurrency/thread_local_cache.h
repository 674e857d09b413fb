// thread_local_cache.h — one lazily created instance of T per thread, per
// cache (e.g. per-thread scratch buffers or parser state).
//
// Get() returns the calling thread's instance, creating it with the factory
// on the thread's first call. After that first call Get() takes no lock:
// a thread-local table maps the cache's unique id to the instance. The
// cache owns every instance and destroys them with itself; an instance
// outlives its thread (a thread that exits leaves it in the cache).
//
// Example:
//   ThreadLocalCache<Scratch> scratch([] { return std::make_unique<Scratch>(); });
//   ParallelFor(pool, n, [&](size_t i) { Use(scratch.Get(), i); ... });
//   scratch.ForEach([](const Scratch& s) { total += s.count; });
//
// Thread-safety: Get() from any thread. ForEach() and Size() may run
// concurrently with Get(), but ForEach must not race with the owners'
// use of their instances (call it after the workers are done).
// Cache ids are never reused, so a thread's stale entry for a destroyed
// cache can never be mistaken for a live one.
#ifndef SERVAL_CONCURRENCY_THREAD_LOCAL_CACHE_H_
#define SERVAL_CONCURRENCY_THREAD_LOCAL_CACHE_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "src/concurrency/mutex.h"

namespace serval::concurrency {

namespace internal {
// The calling thread's map from cache id to its instance.
absl::flat_hash_map<uint64_t, void*>& ThreadLocalInstances();
uint64_t NextThreadLocalCacheId();
}  // namespace internal

template <typename T>
class ThreadLocalCache {
 public:
  explicit ThreadLocalCache(std::function<std::unique_ptr<T>()> factory)
      : factory_(std::move(factory)), id_(internal::NextThreadLocalCacheId()) {}
  ThreadLocalCache(const ThreadLocalCache&) = delete;
  ThreadLocalCache& operator=(const ThreadLocalCache&) = delete;

  T& Get() {
    auto& instances = internal::ThreadLocalInstances();
    auto it = instances.find(id_);
    if (it != instances.end()) return *static_cast<T*>(it->second);
    std::unique_ptr<T> fresh = factory_();
    T* raw = fresh.get();
    {
      MutexLock lock(&mu_);
      owned_.push_back(std::move(fresh));
    }
    instances[id_] = raw;
    return *raw;
  }

  void ForEach(const std::function<void(const T&)>& fn) const {
    MutexLock lock(&mu_);
    for (const auto& instance : owned_) fn(*instance);
  }

  size_t Size() const {
    MutexLock lock(&mu_);
    return owned_.size();
  }

 private:
  const std::function<std::unique_ptr<T>()> factory_;
  const uint64_t id_;
  mutable Mutex mu_{LockRank::kThreadLocalCacheRegistry,
                    "ThreadLocalCache::mu_"};
  std::vector<std::unique_ptr<T>> owned_ ABSL_GUARDED_BY(mu_);
};

}  // namespace serval::concurrency

#endif  // SERVAL_CONCURRENCY_THREAD_LOCAL_CACHE_H_
