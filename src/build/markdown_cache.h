// markdown_cache.h — rendered Markdown kept in memory across the builds of
// one process (`serval serve`), so a rebuild renders only the pages whose
// Markdown changed.
//
// An entry is keyed by two independent 64-bit fingerprints of the page's
// source path and body, and remembers the fingerprint of every file its
// includes read; it is used only when each of those files still has the
// same bytes. Entries not used by a build are dropped at its end
// (EndBuild), so memory follows the site, not its history.
//
// Example:
//   MarkdownCache cache;                       // lives as long as the server
//   options.markdown_cache = &cache;
//   BuildSite(fs, options);                    // renders every page
//   BuildSite(fs, options);                    // renders only edited pages
//
// Thread-safety: all methods may be called from any thread.
#ifndef SERVAL_BUILD_MARKDOWN_CACHE_H_
#define SERVAL_BUILD_MARKDOWN_CACHE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "src/build/template_objects.h"
#include "src/concurrency/mutex.h"
#include "src/markdown/markdown.h"

namespace serval::build {

struct CachedMarkdown {
  PageContent content;
  std::vector<markdown::Diagnostic> diagnostics;
  // Files read by includes (content-root relative) and their fingerprints.
  std::vector<std::pair<std::string, uint64_t>> includes;
};

class MarkdownCache {
 public:
  struct Key {
    uint64_t a = 0;
    uint64_t b = 0;
    bool operator==(const Key& o) const { return a == o.a && b == o.b; }
    template <typename H>
    friend H AbslHashValue(H h, const Key& k) {
      return H::combine(std::move(h), k.a, k.b);
    }
  };
  static Key KeyOf(absl::string_view source_path, absl::string_view body);

  // The entry for `key` if `still_valid` accepts it (called without the
  // lock, e.g. to check included files), else null. A found entry is
  // marked used by this build and counted as a hit.
  std::shared_ptr<const CachedMarkdown> Find(
      const Key& key,
      const std::function<bool(const CachedMarkdown&)>& still_valid) const;
  void Put(const Key& key, std::shared_ptr<const CachedMarkdown> value);
  // Drops the entries no Find or Put touched since the last EndBuild.
  void EndBuild();

  size_t size() const;
  int64_t hits() const;

 private:
  struct Entry {
    std::shared_ptr<const CachedMarkdown> value;
    mutable bool used = true;
  };
  mutable concurrency::Mutex mu_{concurrency::LockRank::kMarkdownCache,
                                 "MarkdownCache::mu_"};
  absl::flat_hash_map<Key, Entry> entries_ ABSL_GUARDED_BY(mu_);
  mutable int64_t hits_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace serval::build

#endif  // SERVAL_BUILD_MARKDOWN_CACHE_H_
