// cache_corruption_fuzzer — a valid cache file plus fuzzer-chosen damage
// (bit flips, byte writes, deletions, insertions, duplications,
// truncation): ParseCache rejects it or returns exactly the original
// cache — never a different accepted value, never a crash — and gives
// exactly what the general parse alone (ParseCacheThroughDom) gives.
//
// Input: byte 0 picks the cache (SmallCache or TinyCache); then 4-byte
// edits [op, offset_hi, offset_lo, arg]. At most 32 edits.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "src/cache/build_cache.h"
#include "src/cache/test_caches.h"

namespace {

using namespace serval::cache;

void Check(bool condition, const char* what) {
  if (!condition) {
    fprintf(stderr, "cache_corruption_fuzzer: invariant failed: %s\n", what);
    abort();
  }
}

void Apply(std::string& text, uint8_t op, size_t offset, uint8_t arg) {
  if (text.empty()) {
    text.push_back(static_cast<char>(arg));
    return;
  }
  offset %= text.size();
  const size_t length = 1 + arg % 16;
  switch (op % 7) {
    case 0:  // flip one bit
      text[offset] = static_cast<char>(text[offset] ^ (1 << (arg % 8)));
      break;
    case 1:  // overwrite one byte
      text[offset] = static_cast<char>(arg);
      break;
    case 2:  // delete a run
      text.erase(offset, length);
      break;
    case 3:  // insert one byte
      text.insert(offset, 1, static_cast<char>(arg));
      break;
    case 4:  // duplicate a run in place
      text.insert(offset, text.substr(offset, length));
      break;
    case 5:  // truncate
      text.resize(offset);
      break;
    case 6:  // copy a run from elsewhere over this place
      text.replace(offset, length,
                   text.substr((offset * 7 + arg) % text.size(), length));
      break;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1 || size > 1 + 4 * 32) return 0;
  const BuildCache original = data[0] % 2 == 0 ? SmallCache() : TinyCache();
  std::string text = SerializeCache(original);
  for (size_t i = 1; i + 4 <= size; i += 4) {
    Apply(text, data[i], (size_t{data[i + 1]} << 8) | data[i + 2],
          data[i + 3]);
  }
  LoadedCache loaded = ParseCache(text, SmallIdentity());
  // The fast path for canonical text decides nothing on its own.
  const LoadedCache general = ParseCacheThroughDom(text, SmallIdentity());
  Check(general.reason == loaded.reason && general.detail == loaded.detail &&
            general.cache == loaded.cache,
        "the fast path agrees with the general parse");
  if (loaded.ok()) {
    Check(loaded.cache == original, "accepted only when identical");
  } else if (loaded.reason == RejectReason::kConfigChanged) {
    // Kept for pruning (build_cache.h): everything else verified, so apart
    // from the configuration hash it is the original.
    BuildCache kept = loaded.cache;
    kept.config_hash = original.config_hash;
    Check(kept == original, "a config-changed cache is the original");
  } else {
    Check(loaded.cache == BuildCache(), "nothing half-loaded");
  }
  return 0;
}
