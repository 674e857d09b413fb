#include "src/concurrency/per_key_lock_manager.h"

namespace serval::concurrency {

// Returns with the key's mutex held; the Guard releases it.
PerKeyLockManager::Guard PerKeyLockManager::Lock(absl::string_view key)
    ABSL_NO_THREAD_SAFETY_ANALYSIS {
  Entry* entry;
  {
    MutexLock lock(&table_mu_);
    std::unique_ptr<Entry>& slot = table_[key];
    if (slot == nullptr) slot = std::make_unique<Entry>();
    entry = slot.get();
    ++entry->refs;  // keeps the entry alive while we wait for it
  }
  entry->mu.Lock();
  return Guard(this, std::string(key), entry);
}

// The per-key mutex is locked in Lock() and unlocked here, across a
// function boundary the static analysis cannot follow.
PerKeyLockManager::Guard::~Guard() ABSL_NO_THREAD_SAFETY_ANALYSIS {
  if (entry_ == nullptr) return;  // moved from
  entry_->mu.Unlock();
  manager_->Release(key_, entry_);
}

void PerKeyLockManager::Release(const std::string& key, Entry* entry) {
  MutexLock lock(&table_mu_);
  if (--entry->refs == 0) table_.erase(key);
}

size_t PerKeyLockManager::Size() const {
  MutexLock lock(&table_mu_);
  return table_.size();
}

}  // namespace serval::concurrency
