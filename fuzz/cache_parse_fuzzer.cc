// cache_parse_fuzzer — any bytes as .serval/cache.json:
//  * ParseCache never crashes; a rejection always has a reason;
//  * an accepted cache passes ValidateCache, re-serializes to a canonical
//    text that parses back to the same cache, and that text is a fixed
//    point (serialize(parse(text)) == text);
//  * ParseCache and the general parse alone (ParseCacheThroughDom) agree.
//
// Input: at most 64 KiB of bytes, parsed against the test identity.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/strings/string_view.h"
#include "src/cache/build_cache.h"
#include "src/cache/test_caches.h"

namespace {
void Check(bool condition, const char* what) {
  if (!condition) {
    fprintf(stderr, "cache_parse_fuzzer: invariant failed: %s\n", what);
    abort();
  }
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 64 * 1024) return 0;
  using namespace serval::cache;
  const CacheIdentity id = SmallIdentity();
  const absl::string_view text(reinterpret_cast<const char*>(data), size);
  LoadedCache loaded = ParseCache(text, id);
  const LoadedCache general = ParseCacheThroughDom(text, id);
  Check(general.reason == loaded.reason && general.detail == loaded.detail &&
            general.cache == loaded.cache,
        "the fast path agrees with the general parse");
  if (!loaded.ok()) {
    Check(loaded.reason != RejectReason::kMissing &&
              loaded.reason != RejectReason::kUnreadable,
          "a parse rejection is a parse reason");
    if (loaded.reason == RejectReason::kConfigChanged) {
      // Kept for pruning (build_cache.h): it must be a valid cache.
      Check(ValidateCache(loaded.cache).ok(), "a kept cache is valid");
    } else {
      Check(loaded.cache == BuildCache(), "nothing half-loaded");
    }
    Check(!loaded.Message().empty(), "message");
    return 0;
  }
  Check(ValidateCache(loaded.cache).ok(), "accepted cache validates");
  const std::string canonical = SerializeCache(loaded.cache);
  LoadedCache again = ParseCache(canonical, id);
  Check(again.ok(), "canonical text parses");
  Check(again.cache == loaded.cache, "canonical text parses equal");
  Check(SerializeCache(again.cache) == canonical, "canonical is a fixed point");
  return 0;
}
