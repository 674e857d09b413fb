// test_caches.h — small valid build caches for tests and fuzzers.
//
// Example:
//   BuildCache cache = SmallCache();
//   LoadedCache loaded = ParseCache(SerializeCache(cache), SmallIdentity());
//   // loaded.ok() && loaded.cache == cache
//
// Thread-safety: pure functions.
#ifndef SERVAL_CACHE_TEST_CACHES_H_
#define SERVAL_CACHE_TEST_CACHES_H_

#include "src/cache/build_cache.h"

namespace serval::cache {

// The identity SmallCache() and TinyCache() are written for.
CacheIdentity SmallIdentity();

// Two pages, a section list, a template, a data file, a static file and
// their outputs: every kind of entry, some non-ASCII paths.
BuildCache SmallCache();

// One page, one source, one output: small enough to flip every bit of.
BuildCache TinyCache();

}  // namespace serval::cache

#endif  // SERVAL_CACHE_TEST_CACHES_H_
