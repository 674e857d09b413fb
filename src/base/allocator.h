// allocator.h — which malloc this process runs on.
//
// Serval's binaries (//src/cli:serval, the benchmarks) depend on
// //src/base:fast_malloc, which links mimalloc (Debian's libmimalloc-dev)
// in the default configuration: a build makes hundreds of thousands of
// small allocations from several threads, and glibc's malloc spent 13% of
// a one-edit build's instructions and grew its thread arenas a page at a
// time (docs/content/performance.md). Under --config=asan, tsan and fuzz
// the sanitizer's own allocator is kept: it is how they find bugs.
//
//   std::cout << AllocatorName();  // "mimalloc 2.0.9" or "glibc malloc"
//
// Thread-safety: safe from any thread.
#ifndef SERVAL_BASE_ALLOCATOR_H_
#define SERVAL_BASE_ALLOCATOR_H_

#include <string>

namespace serval::base {

// "mimalloc MAJOR.MINOR.PATCH" when mimalloc is linked, else "glibc malloc"
// (which the sanitizers interpose in their configurations).
std::string AllocatorName();

}  // namespace serval::base

#endif  // SERVAL_BASE_ALLOCATOR_H_
