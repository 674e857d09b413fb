// dependency_tracker.h — recording what each page render read, and asking
// which pages a set of changes invalidates.
//
// Recording: every render gets its own RenderRecorder — a plain value
// owned by the rendering thread, so there is no shared "current page" and
// no thread-local state. The renderer calls Add*() as it reads; when the
// render is done the recorder is handed back with Finish(), the only call
// that touches shared state (one short lock). Many threads may render and
// Finish at once.
//
// Querying: PagesToRerender() takes the dependency graph of the previous
// build (BuildCache::pages) and the inputs that changed since, and returns
// each page that must be re-rendered with the dependency that caused it,
// for `serval build --explain`. Pages new in this build are not in the
// previous graph: the build renders them regardless.
//
// Conventions (the build must record and detect changes with the same
// keys): file dependencies are site-relative paths; a page's own source is
// recorded like any other (AddSource(page.source_path)); a list records
// the site key of the list (SectionPagesKey, TermKey, kAllPagesKey) and the
// kPageMeta of each page it shows (kPageContent too if it shows summaries);
// prev/next records the section's key and the neighbours' kPageMeta.
//
// Example:
//   DependencyTracker tracker;
//   // on a render thread:
//   RenderRecorder rec = tracker.StartRender("content/blog/a.md");
//   rec.AddSource("content/blog/a.md");
//   rec.AddTemplate("templates/base.html");
//   rec.AddSiteKey(SectionPagesKey("blog"));
//   tracker.Finish(std::move(rec));
//   // after the workers join:
//   std::map<std::string, std::set<Dependency>> graph = tracker.Take();
//
// Thread-safety: DependencyTracker's methods may be called from any number
// of threads at once. A RenderRecorder belongs to one thread at a time.
// The query functions are pure.
#ifndef SERVAL_CACHE_DEPENDENCY_TRACKER_H_
#define SERVAL_CACHE_DEPENDENCY_TRACKER_H_

#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/string_view.h"
#include "src/cache/build_cache.h"
#include "src/concurrency/mutex.h"

namespace serval::cache {

// What one render read. Movable, not copyable; not thread-safe.
class RenderRecorder {
 public:
  explicit RenderRecorder(std::string page_key)
      : page_key_(std::move(page_key)) {}
  RenderRecorder(RenderRecorder&&) = default;
  RenderRecorder& operator=(RenderRecorder&&) = default;
  RenderRecorder(const RenderRecorder&) = delete;
  RenderRecorder& operator=(const RenderRecorder&) = delete;

  void AddSource(absl::string_view path) { Add(DepKind::kSource, path); }
  void AddTemplate(absl::string_view path) { Add(DepKind::kTemplate, path); }
  void AddData(absl::string_view path) { Add(DepKind::kData, path); }
  void AddPageContent(absl::string_view page_key) {
    Add(DepKind::kPageContent, page_key);
  }
  void AddPageMeta(absl::string_view page_key) {
    Add(DepKind::kPageMeta, page_key);
  }
  void AddSiteKey(absl::string_view key) { Add(DepKind::kSiteKey, key); }
  // REQUIRES: kind != kConfig (every page depends on the config).
  void Add(DepKind kind, absl::string_view key);

  const std::string& page_key() const { return page_key_; }
  const std::set<Dependency>& deps() const { return deps_; }

 private:
  friend class DependencyTracker;
  std::string page_key_;
  std::set<Dependency> deps_;
};

class DependencyTracker {
 public:
  DependencyTracker() = default;
  DependencyTracker(const DependencyTracker&) = delete;
  DependencyTracker& operator=(const DependencyTracker&) = delete;

  // A fresh recorder for one render of `page_key`. Takes no lock.
  RenderRecorder StartRender(std::string page_key) const {
    return RenderRecorder(std::move(page_key));
  }

  // Adds what `recorder` saw to the graph. Finishing the same page twice
  // (a page rendered to several outputs) unions the dependencies.
  void Finish(RenderRecorder recorder);

  // Records `deps` for a page that was not re-rendered: its dependencies
  // carried over from the previous build. Same as Finish.
  void CarryOver(const std::string& page_key, std::set<Dependency> deps);

  // The number of pages recorded so far.
  size_t Size() const;

  // Moves the graph out (page key -> dependencies) and leaves the tracker
  // empty.
  std::map<std::string, std::set<Dependency>> Take();

 private:
  void Merge(std::string page_key, std::set<Dependency> deps);

  mutable concurrency::Mutex mu_{concurrency::LockRank::kDependencyTracker,
                                 "DependencyTracker::mu_"};
  std::map<std::string, std::set<Dependency>> graph_ ABSL_GUARDED_BY(mu_);
};

// A page to re-render and the first (in Dependency order) of its
// dependencies that changed; `cause.kind == kConfig` when the config did.
struct Rerender {
  std::string page_key;
  Dependency cause;
  // "content/a.md: template templates/base.html changed".
  std::string Explain() const;
  friend bool operator==(const Rerender& a, const Rerender& b) {
    return a.page_key == b.page_key && a.cause == b.cause;
  }
};

// The pages of `graph` that depend on any of `changes`, sorted by page
// key. File kinds (source, template, data) match on the path alone, so a
// file changed is found however a page read it. A kConfig change selects
// every page.
std::vector<Rerender> PagesToRerender(
    const std::map<std::string, PageRecord>& graph,
    const std::vector<Dependency>& changes);

// Change detection helpers: each appends, in key order, a change for every
// key whose value differs between `previous` and `current`, or that only
// one of them has.
// Files: kSource changes (the kind does not matter for matching).
void DiffSources(const std::map<std::string, SourceRecord>& previous,
                 const std::map<std::string, SourceRecord>& current,
                 std::vector<Dependency>* changes);
// Pages: kPageContent and/or kPageMeta changes, by fingerprint.
void DiffPages(const std::map<std::string, PageRecord>& previous,
               const std::map<std::string, PageRecord>& current,
               std::vector<Dependency>* changes);
// Site keys: kSiteKey changes, by fingerprint.
void DiffSiteKeys(const std::map<std::string, std::string>& previous,
                  const std::map<std::string, std::string>& current,
                  std::vector<Dependency>* changes);

}  // namespace serval::cache

#endif  // SERVAL_CACHE_DEPENDENCY_TRACKER_H_
