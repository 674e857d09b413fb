// lock_rank.h — the lock order of the whole program, in one place.
//
// Every long-lived lock in Serval is a serval::concurrency::Mutex with a
// rank from this enum. A thread may acquire a lock only if its rank is
// strictly greater than the rank of every lock the thread already holds, so
// locks are always taken in increasing rank order and no cycle, hence no
// deadlock, is possible. Out-of-order acquisition aborts, naming both locks
// (checks are on in every build except --config=release).
//
// docs/content/thread_safety.md mirrors this table with the reason for each rank;
// keep the two in step. Leave gaps so new ranks fit between old ones.
#ifndef SERVAL_CONCURRENCY_LOCK_RANK_H_
#define SERVAL_CONCURRENCY_LOCK_RANK_H_

namespace serval::concurrency {

enum class LockRank : int {
  // PerKeyLockManager: the per-key locks, then its table (taken briefly,
  // never while waiting for a key). Work done while a key is held may take
  // any lock ranked above, but not a second key: keys share one rank, and
  // holding two keys is how two threads deadlock.
  kPerKeyLock = 200,
  kPerKeyLockTable = 210,
  // Compiled-template cache: held only to find or insert a cache entry,
  // never while compiling (compilation runs under the entry's once_flag).
  kTemplateCache = 300,
  // Shared sets and caches filled by render threads.
  kThreadSafeSet = 600,
  // Build cache: the dependency graph render threads finish into. Held
  // for one map merge, calling nothing else.
  kDependencyTracker = 620,
  kThreadLocalCacheRegistry = 650,
  // serval serve's in-memory Markdown cache: held only to find or insert
  // an entry, never while rendering.
  kMarkdownCache = 660,
  // Filesystem layer: in-memory filesystem and fault-injection state.
  kFaultInjectionFs = 800,
  kMemFs = 850,
  // Thread pool: its queue, then one ParallelFor's bookkeeping. Held only
  // around a few lines that call nothing else, so work may be scheduled
  // while holding any lock ranked below.
  kThreadPoolQueue = 950,
  kParallelForJob = 960,
  // Dev server (src/serve): the server's lifecycle state, then the live
  // reload hub that browser streams wait on. Neither calls out while held.
  kDevServer = 970,
  kReloadHub = 980,
  // Innermost: locks held only around a few lines that call nothing else.
  kLeaf = 1000,
  // Test-only ranks for the lock-order tests themselves.
  kTestLow = 10000,
  kTestHigh = 10001,
};

}  // namespace serval::concurrency

#endif  // SERVAL_CONCURRENCY_LOCK_RANK_H_
