// lock_rank.h — the lock order of the whole program, in one place.
//
// Every long-lived lock in Serval is a serval::concurrency::Mutex with a
// rank from this enum. A thread may acquire a lock only if its rank is
// strictly greater than the rank of every lock the thread already holds, so
// locks are always taken in increasing rank order and no cycle, hence no
// deadlock, is possible. Out-of-order acquisition aborts, naming both locks
// (checks are on in every build except --config=release).
//
// docs/thread_safety.md mirrors this table with the reason for each rank;
// keep the two in step. Leave gaps so new ranks fit between old ones.
#ifndef SERVAL_CONCURRENCY_LOCK_RANK_H_
#define SERVAL_CONCURRENCY_LOCK_RANK_H_

namespace serval::concurrency {

enum class LockRank : int {
  // Outermost: held while scheduling work that itself takes other locks.
  kThreadPool = 100,
  // Per-key serialization (e.g. one output path at a time). Held while the
  // work for the key runs, so it sits below everything that work may take.
  kPerKeyLockTable = 200,
  // Compiled-template cache: held only to find or insert a cache entry,
  // never while compiling (compilation runs under the entry's once_flag).
  kTemplateCache = 300,
  // Shared sets and caches filled by render threads.
  kThreadSafeSet = 600,
  kThreadLocalCacheRegistry = 650,
  // Filesystem layer: in-memory filesystem and fault-injection state.
  kFaultInjectionFs = 800,
  kMemFs = 850,
  // Innermost: locks held only around a few lines that call nothing else.
  kLeaf = 1000,
  // Test-only ranks for the lock-order tests themselves.
  kTestLow = 10000,
  kTestHigh = 10001,
};

}  // namespace serval::concurrency

#endif  // SERVAL_CONCURRENCY_LOCK_RANK_H_
