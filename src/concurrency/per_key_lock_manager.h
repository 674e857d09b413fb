// per_key_lock_manager.h — mutual exclusion per key (e.g. per output path):
// work on one key is serialized, work on different keys runs in parallel.
//
// Entries exist only while a key is held or waited for, so memory does not
// grow with the number of keys ever seen (Size() returns to 0 when idle).
//
// Example:
//   PerKeyLockManager locks;
//   {
//     PerKeyLockManager::Guard guard = locks.Lock("public/index.html");
//     ...  // no other thread holds "public/index.html" here
//   }
//
// Lock order: each key's lock is a Mutex of rank kPerKeyLock, below the
// table's kPerKeyLockTable (taken briefly, never while waiting for a key).
// A thread holding a key may take locks ranked higher, but not a second key
// of any manager (keys share one rank: it aborts, naming both) — holding
// two keys is how two threads deadlock.
//
// Thread-safety: Lock() may be called from any thread. A Guard releases its
// key when destroyed, on the thread that holds it.
#ifndef SERVAL_CONCURRENCY_PER_KEY_LOCK_MANAGER_H_
#define SERVAL_CONCURRENCY_PER_KEY_LOCK_MANAGER_H_

#include <memory>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "src/concurrency/mutex.h"

namespace serval::concurrency {

class PerKeyLockManager {
 private:
  struct Entry {
    Mutex mu{LockRank::kPerKeyLock, "PerKeyLockManager key"};
    int refs = 0;  // holders + waiters; guarded by the table mutex
  };

 public:
  class Guard {
   public:
    Guard(Guard&& other) noexcept
        : manager_(other.manager_), key_(std::move(other.key_)),
          entry_(other.entry_) {
      other.entry_ = nullptr;
    }
    Guard(const Guard&) = delete;
    Guard& operator=(const Guard&) = delete;
    Guard& operator=(Guard&&) = delete;
    ~Guard();

   private:
    friend class PerKeyLockManager;
    Guard(PerKeyLockManager* manager, std::string key, Entry* entry)
        : manager_(manager), key_(std::move(key)), entry_(entry) {}
    PerKeyLockManager* manager_;
    std::string key_;
    Entry* entry_;
  };

  PerKeyLockManager() = default;
  PerKeyLockManager(const PerKeyLockManager&) = delete;
  PerKeyLockManager& operator=(const PerKeyLockManager&) = delete;
  // REQUIRES: no key is held or waited for.
  ~PerKeyLockManager() = default;

  // Blocks until `key` is free, then holds it until the Guard is destroyed.
  Guard Lock(absl::string_view key);

  // Keys currently held or waited for.
  size_t Size() const;

 private:
  void Release(const std::string& key, Entry* entry);

  mutable Mutex table_mu_{LockRank::kPerKeyLockTable,
                          "PerKeyLockManager::table_mu_"};
  absl::flat_hash_map<std::string, std::unique_ptr<Entry>> table_
      ABSL_GUARDED_BY(table_mu_);
};

}  // namespace serval::concurrency

#endif  // SERVAL_CONCURRENCY_PER_KEY_LOCK_MANAGER_H_
