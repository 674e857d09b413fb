#include "src/concurrency/thread_local_cache.h"

namespace serval::concurrency::internal {

absl::flat_hash_map<uint64_t, void*>& ThreadLocalInstances() {
  thread_local absl::flat_hash_map<uint64_t, void*> instances;
  return instances;
}

uint64_t NextThreadLocalCacheId() {
  static std::atomic<uint64_t> next{1};
  return next.fetch_add(1, std::memory_order_relaxed);
}

}  // namespace serval::concurrency::internal
