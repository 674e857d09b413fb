// build_cache.h — what one build remembers for the next: source hashes, the
// dependency graph of every rendered page, and the output manifest, kept in
// `.serval/cache.json` (format: docs/content/cache_format.md).
//
// A cache is only an optimisation: one that cannot be trusted is thrown
// away and the build is a full one. ParseCache therefore never fails
// "softly": it returns either a BuildCache that is exactly what a build of
// this site, config and Serval version wrote, or a typed RejectReason the
// build reports as "cache discarded: <reason>". Every input — truncated,
// bit-flipped, another version's, another site's, hostile — gives one of
// the two, never a crash (fuzz/cache_*_fuzzer.cc).
//
// The file holds no floating point (integers and hex strings only), and
// every path in it is a valid UTF-8 relative path without "." or ".."
// segments, so a corrupt cache cannot name a file outside the site.
// Serialization is deterministic: std::map/std::set order, one canonical
// text per BuildCache.
//
// Example:
//   CacheIdentity id{.site_id = SiteIdOf(config), .config_hash = hash};
//   LoadedCache loaded = LoadCache(fs, ".serval/cache.json", id);
//   if (!loaded.ok()) log.Warn(loaded.Message());  // full build
//   ... build, commit outputs ...
//   BuildCache next = ...; next.site_id = id.site_id; ...
//   SERVAL_RETURN_IF_ERROR(WriteCache(writer, ".serval/cache.json", next));
//
// Thread-safety: plain values and pure functions; WriteCache is as
// thread-safe as the AtomicWriter.
#ifndef SERVAL_CACHE_BUILD_CACHE_H_
#define SERVAL_CACHE_BUILD_CACHE_H_

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "src/base/version.h"
#include "src/fs/atomic_writer.h"
#include "src/fs/fs.h"

namespace serval::cache {

// Bumped on any change to the file's layout; a cache of another format
// version is discarded (there is no migration: a full build is cheap).
inline constexpr int64_t kCacheFormatVersion = 2;
// The value of the file's "format" member.
inline constexpr char kCacheFormatName[] = "serval-build-cache";
// Where the cache lives, relative to the site directory.
inline constexpr char kCacheRelativePath[] = ".serval/cache.json";

// The hash Serval records for file contents (sources and outputs):
// FNV-1a 64 as 16 lowercase hex digits.
std::string ContentHash(absl::string_view bytes);

// What a rendered page read. File kinds (source, template, data) are
// site-relative paths ("content/a.md", "templates/base.html",
// "data/team.yaml"); page kinds name another page by its page key; a site
// key names a site-wide list (SectionPagesKey and friends).
enum class DepKind {
  kSource,       // a content file or resource read (the page's own too)
  kTemplate,     // a template extended, included or imported
  kData,         // a data file (site.data.*)
  kPageContent,  // another page's body, summary, toc or word count
  kPageMeta,     // another page's title, date, tags, url, weight, params
  kSiteKey,      // a site-wide list: a section's pages, a term's pages ...
  kConfig,       // the configuration; only as a change (every page)
};

// "source", "template", "data", "page_content", "page_meta", "site_key",
// "config" (also the JSON member names of a page's dependency lists).
absl::string_view DepKindName(DepKind kind);

struct Dependency {
  DepKind kind = DepKind::kSource;
  std::string key;

  // "template templates/base.html" (for `serval build --explain`).
  std::string ToString() const;
  friend bool operator<(const Dependency& a, const Dependency& b) {
    return a.kind != b.kind ? a.kind < b.kind : a.key < b.key;
  }
  friend bool operator==(const Dependency& a, const Dependency& b) {
    return a.kind == b.kind && a.key == b.key;
  }
};

// Site keys, built in one place so recorder and change detection agree.
// "section:blog" — the ordered page list of a section (lists, prev/next).
std::string SectionPagesKey(absl::string_view section);
// "taxonomy:tags" — the terms of a taxonomy.
std::string TaxonomyKey(absl::string_view taxonomy);
// "term:tags/go" — the ordered page list of one term.
std::string TermKey(absl::string_view taxonomy, absl::string_view term);
// "site:pages" — every page (sitemap, feeds, site.pages).
inline constexpr char kAllPagesKey[] = "site:pages";

struct SourceRecord {
  std::string hash;  // ContentHash of the file
  uint64_t size = 0;
  friend bool operator==(const SourceRecord& a, const SourceRecord& b) {
    return a.hash == b.hash && a.size == b.size;
  }
};

struct OutputRecord {
  std::string hash;      // ContentHash of the bytes written
  std::string producer;  // page key, or the source path of a copied file
  friend bool operator==(const OutputRecord& a, const OutputRecord& b) {
    return a.hash == b.hash && a.producer == b.producer;
  }
};

struct PageRecord {
  // Fingerprints the build computes to detect kPageContent / kPageMeta
  // changes of this page (lowercase hex, non-empty).
  std::string content_hash;
  std::string meta_hash;
  // Never kConfig: every page depends on the config implicitly.
  std::set<Dependency> deps;
  // Set when the page's Markdown rendered without a diagnostic: the files
  // its includes read (site-relative paths, possibly none). The next build
  // may then take content_hash as the fingerprint of its Markdown, without
  // rendering it, while the page's source and these files are unchanged.
  // Unset for generated pages and for Markdown that warned (whose
  // warnings every build repeats, so it renders every build).
  std::optional<std::set<std::string>> markdown_reads;
  friend bool operator==(const PageRecord& a, const PageRecord& b) {
    return a.content_hash == b.content_hash && a.meta_hash == b.meta_hash &&
           a.deps == b.deps && a.markdown_reads == b.markdown_reads;
  }
};

// Output path (relative to the output directory) -> record.
using OutputManifest = std::map<std::string, OutputRecord>;

struct BuildCache {
  std::string tool_version = base::kVersion;
  // Who the cache belongs to: chosen by the build (see CacheIdentity).
  std::string site_id;
  std::string config_hash;

  // Every input file read, by site-relative path.
  std::map<std::string, SourceRecord> sources;
  OutputManifest outputs;
  // Page key (source path, or URL path for generated pages) -> record.
  std::map<std::string, PageRecord> pages;
  // Site key -> fingerprint of that list as this build saw it.
  std::map<std::string, std::string> site_keys;

  friend bool operator==(const BuildCache& a, const BuildCache& b) {
    return a.tool_version == b.tool_version && a.site_id == b.site_id &&
           a.config_hash == b.config_hash && a.sources == b.sources &&
           a.outputs == b.outputs && a.pages == b.pages &&
           a.site_keys == b.site_keys;
  }
  friend bool operator!=(const BuildCache& a, const BuildCache& b) {
    return !(a == b);
  }
};

// What a loaded cache must match to be used.
struct CacheIdentity {
  // Identifies the site, e.g. a hash of its base URL and title. It should
  // not be an absolute path if `.serval/` is to survive a CI restore into
  // another checkout directory.
  std::string site_id;
  // A hash of the effective configuration: another config, full build.
  std::string config_hash;
  std::string tool_version = base::kVersion;
};

enum class RejectReason {
  kNone,              // accepted
  kMissing,           // no cache file (first build): not worth a warning
  kUnreadable,        // I/O error reading it
  kParseError,        // not JSON (truncated, garbage, NUL bytes, too big)
  kNotACache,         // JSON, but not a Serval build cache
  kFormatVersion,     // another format version
  kToolVersion,       // written by another Serval version
  kOtherSite,         // another site's cache
  kConfigChanged,     // another configuration
  kMalformed,         // schema violation: missing/unknown/duplicate member,
                      // wrong type, a float, a bad hash
  kChecksumMismatch,  // body does not match its checksum
  kInvalidPath,       // a path or key that is not a safe relative path
};

// "missing", "unreadable", "parse error", "not a Serval cache", ...
absl::string_view RejectReasonName(RejectReason reason);

struct LoadedCache {
  RejectReason reason = RejectReason::kNone;
  std::string detail;  // what exactly, for the log
  // Meaningful when ok(), and for kConfigChanged: then it is the verified
  // cache of the previous configuration, whose graph is void but whose
  // output manifest still says which files Serval wrote (for pruning).
  BuildCache cache;

  bool ok() const { return reason == RejectReason::kNone; }
  // "cache discarded: other tool version (cache written by 0.0.9, this is
  // 0.1.0)"; "cache accepted" when ok().
  std::string Message() const;
};

// The key checks ValidateCache applies, for callers building a cache.
// A relative path: non-empty valid UTF-8, at most 4096 bytes, no control
// characters, no leading or trailing '/', no empty, "." or ".." segment.
bool IsValidRelativePath(absl::string_view path);
// A page key: a relative path ("content/a.md") or a URL path that is "/"
// or "/" + relative path + optional "/" ("/tags/go/").
bool IsValidPageKey(absl::string_view key);
// A site key: non-empty valid UTF-8, at most 4096 bytes, no control
// characters.
bool IsValidSiteKey(absl::string_view key);
// A hash: 1 to 128 lowercase hex digits.
bool IsValidHash(absl::string_view hash);

// The canonical text of `cache` (compact JSON, sorted, ending in a
// newline; docs/cache_format.md). Checks nothing: a cache with invalid
// paths serializes, and ParseCache then rejects it (ValidateCache tells
// beforehand). `size_hint`, if given, is the expected size of the text (the
// previous cache file's, say): reserved up front, so the text does not grow
// through a series of copies. It changes no byte of the result.
std::string SerializeCache(const BuildCache& cache, size_t size_hint = 0);

// Parses and verifies `text` against `expected`. Never crashes; see the
// file comment. Inputs above kMaxCacheBytes are kParseError.
LoadedCache ParseCache(absl::string_view text, const CacheIdentity& expected);
inline constexpr size_t kMaxCacheBytes = size_t{1} << 30;

// ParseCache without its fast path for text laid out as SerializeCache
// writes it: the general parse through RapidJSON's DOM alone. The same
// result as ParseCache for every input (the fast path accepts only what
// this accepts, as this accepts it, and leaves every rejection to it);
// for the tests and fuzzers that check so.
LoadedCache ParseCacheThroughDom(absl::string_view text,
                                 const CacheIdentity& expected);

// The checks ParseCache applies to a parsed body (hashes, paths, keys):
// OK, or InvalidArgument naming the first offending entry.
absl::Status ValidateCache(const BuildCache& cache);

// Reads `path` through `fs` and parses it. A missing file is kMissing.
LoadedCache LoadCache(fs::Fs& fs, absl::string_view path,
                      const CacheIdentity& expected);

// LoadCache in two halves, so that the costly one (read, parse, checksum,
// validation) can run while the site loads, before the site id and config
// hash are known. For every file and identity,
//   VerifyCacheIdentity(ReadCacheUnverified(fs, path, id.tool_version), id)
// equals LoadCache(fs, path, id) (build_cache_test checks this on every
// corruption case). Judged for another tool version than it was read for,
// a cache is kUnreadable (a full build).
struct UnverifiedCache {
  LoadedCache loaded;         // the site_id and config_hash not yet judged
  std::string tool_version;   // the one it was read for
  bool site_id_read = false;  // the parse got as far as the site_id
  std::string text;           // the file's bytes as read (empty: none)
};
UnverifiedCache ReadCacheUnverified(fs::Fs& fs, absl::string_view path,
                                    absl::string_view tool_version);
LoadedCache VerifyCacheIdentity(UnverifiedCache unverified,
                                const CacheIdentity& expected);

// Validates and atomically writes the cache (through `writer`, so durable
// per its durability mode; call writer.Commit() in batch mode). Call it
// only after the outputs it describes are durable.
absl::Status WriteCache(const fs::AtomicWriter& writer, absl::string_view path,
                        const BuildCache& cache);

}  // namespace serval::cache

#endif  // SERVAL_CACHE_BUILD_CACHE_H_
