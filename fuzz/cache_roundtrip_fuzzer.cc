// cache_roundtrip_fuzzer — structure-aware: the input drives a
// FuzzedDataProvider that builds a random BuildCache (paths from a small
// vocabulary with non-ASCII names, sometimes arbitrary bytes), then:
//  * if ValidateCache accepts it, serialize -> parse gives it back
//    identical, and serializing that gives the same text;
//  * if not, ParseCache rejects its serialization (never accepts an unsafe
//    path or invalid UTF-8).
//
// Input: at most 16 KiB; at most 32 entries per map.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "src/cache/build_cache.h"

namespace {

using namespace serval::cache;

void Check(bool condition, const char* what) {
  if (!condition) {
    fprintf(stderr, "cache_roundtrip_fuzzer: invariant failed: %s\n", what);
    abort();
  }
}

constexpr const char* kSegments[] = {
    "content", "blog",  "a.md", "_index.md", "templates", "base.html",
    "data",    "x.yaml", "static", "café",   "日本語.md",  "index.html",
    "..",      ".",      "",      "tags",    "go",          "c++"};

std::string Segment(FuzzedDataProvider& p) {
  if (p.ConsumeIntegralInRange(0, 7) == 0) {
    return p.ConsumeRandomLengthString(12);  // anything at all
  }
  return kSegments[p.ConsumeIntegralInRange<size_t>(
      0, sizeof(kSegments) / sizeof(kSegments[0]) - 1)];
}

std::string Path(FuzzedDataProvider& p) {
  std::string path = p.ConsumeBool() && p.ConsumeBool() ? "/" : "";
  const int segments = p.ConsumeIntegralInRange(1, 4);
  for (int i = 0; i < segments; ++i) {
    if (i > 0) path += '/';
    path += Segment(p);
  }
  if (p.ConsumeIntegralInRange(0, 15) == 0) path += '/';
  return path;
}

std::string Hash(FuzzedDataProvider& p) {
  if (p.ConsumeIntegralInRange(0, 31) == 0) {
    return p.ConsumeRandomLengthString(20);  // likely invalid
  }
  return ContentHash(p.ConsumeBytesAsString(p.ConsumeIntegralInRange(0, 4)));
}

std::string Identity(FuzzedDataProvider& p) {
  return p.ConsumeBool() ? "5e1f0c2b9a3d4e71" : p.ConsumeRandomLengthString(10);
}

BuildCache RandomCache(FuzzedDataProvider& p) {
  BuildCache cache;
  if (p.ConsumeIntegralInRange(0, 7) == 0) {
    cache.tool_version = p.ConsumeRandomLengthString(8);
  }
  cache.site_id = Identity(p);
  cache.config_hash = Identity(p);
  for (int n = p.ConsumeIntegralInRange(0, 32); n > 0; --n) {
    cache.sources[Path(p)] = {Hash(p), p.ConsumeIntegral<uint64_t>()};
  }
  for (int n = p.ConsumeIntegralInRange(0, 32); n > 0; --n) {
    cache.outputs[Path(p)] = {Hash(p), Path(p)};
  }
  for (int n = p.ConsumeIntegralInRange(0, 32); n > 0; --n) {
    PageRecord page{Hash(p), Hash(p), {}};
    for (int d = p.ConsumeIntegralInRange(0, 12); d > 0; --d) {
      // kConfig is never stored: ValidateCache refuses it.
      auto kind = static_cast<DepKind>(p.ConsumeIntegralInRange(
          0, static_cast<int>(DepKind::kConfig)));
      page.deps.insert({kind, Path(p)});
    }
    if (p.ConsumeBool()) {
      page.markdown_reads.emplace();
      for (int r = p.ConsumeIntegralInRange(0, 4); r > 0; --r) {
        page.markdown_reads->insert(Path(p));
      }
    }
    cache.pages[Path(p)] = std::move(page);
  }
  for (int n = p.ConsumeIntegralInRange(0, 32); n > 0; --n) {
    cache.site_keys[p.ConsumeBool() ? SectionPagesKey(Segment(p))
                                    : TermKey(Segment(p), Segment(p))] =
        Hash(p);
  }
  return cache;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 16 * 1024) return 0;
  FuzzedDataProvider provider(data, size);
  const BuildCache cache = RandomCache(provider);
  const CacheIdentity id{cache.site_id, cache.config_hash, cache.tool_version};
  const std::string text = SerializeCache(cache);
  Check(text == SerializeCache(cache), "serialization is deterministic");
  LoadedCache loaded = ParseCache(text, id);
  if (!ValidateCache(cache).ok()) {
    Check(!loaded.ok(), "an invalid cache is rejected");
    return 0;
  }
  Check(loaded.ok(), "a valid cache is accepted");
  Check(loaded.cache == cache, "round trip is identical");
  Check(SerializeCache(loaded.cache) == text, "re-serialization is identical");
  return 0;
}
