#include "src/cache/dependency_tracker.h"

#include <algorithm>
#include <cstdlib>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace serval::cache {
namespace {

bool IsFileKind(DepKind kind) {
  return kind == DepKind::kSource || kind == DepKind::kTemplate ||
         kind == DepKind::kData;
}

// What a dependency is matched on: files on the path alone (normalised to
// kSource), anything else on kind and key. A view: no copy of the key.
using MatchKey = std::pair<DepKind, absl::string_view>;

MatchKey MatchKeyOf(const Dependency& dep) {
  return {IsFileKind(dep.kind) ? DepKind::kSource : dep.kind, dep.key};
}

// Calls `changed(key)` for every key whose value differs or is on one side
// only, in key order.
template <typename Map, typename Changed>
void DiffMaps(const Map& previous, const Map& current, Changed changed) {
  auto p = previous.begin();
  auto c = current.begin();
  while (p != previous.end() || c != current.end()) {
    if (c == current.end() || (p != previous.end() && p->first < c->first)) {
      changed(p->first, &p->second, nullptr);
      ++p;
    } else if (p == previous.end() || c->first < p->first) {
      changed(c->first, nullptr, &c->second);
      ++c;
    } else {
      if (!(p->second == c->second)) changed(p->first, &p->second, &c->second);
      ++p;
      ++c;
    }
  }
}

}  // namespace

void RenderRecorder::Add(DepKind kind, absl::string_view key) {
  if (kind == DepKind::kConfig) std::abort();  // documented precondition
  deps_.insert(Dependency{kind, std::string(key)});
}

void DependencyTracker::Finish(RenderRecorder recorder) {
  Merge(std::move(recorder.page_key_), std::move(recorder.deps_));
}

void DependencyTracker::CarryOver(const std::string& page_key,
                                  std::set<Dependency> deps) {
  Merge(page_key, std::move(deps));
}

void DependencyTracker::Merge(std::string page_key,
                              std::set<Dependency> deps) {
  concurrency::MutexLock lock(&mu_);
  auto [it, inserted] = graph_.try_emplace(std::move(page_key));
  if (inserted) {
    it->second = std::move(deps);
  } else {
    it->second.merge(deps);
  }
}

size_t DependencyTracker::Size() const {
  concurrency::MutexLock lock(&mu_);
  return graph_.size();
}

std::map<std::string, std::set<Dependency>> DependencyTracker::Take() {
  concurrency::MutexLock lock(&mu_);
  return std::exchange(graph_, {});
}

std::string Rerender::Explain() const {
  return absl::StrCat(page_key, ": ", cause.ToString(), " changed");
}

std::vector<Rerender> PagesToRerender(
    const std::map<std::string, PageRecord>& graph,
    const std::vector<Dependency>& changes) {
  std::vector<Rerender> out;
  // Sorted, for a binary search per dependency (there are few changes and
  // many dependencies: nothing is copied per dependency).
  std::vector<MatchKey> changed;
  bool config = false;
  for (const Dependency& change : changes) {
    if (change.kind == DepKind::kConfig) config = true;
    changed.push_back(MatchKeyOf(change));
  }
  std::sort(changed.begin(), changed.end());
  for (const auto& [page_key, record] : graph) {
    if (config) {
      out.push_back({page_key, Dependency{DepKind::kConfig, ""}});
      continue;
    }
    for (const Dependency& dep : record.deps) {  // in Dependency order
      if (std::binary_search(changed.begin(), changed.end(),
                             MatchKeyOf(dep))) {
        out.push_back({page_key, dep});
        break;
      }
    }
  }
  return out;
}

void DiffSources(const std::map<std::string, SourceRecord>& previous,
                 const std::map<std::string, SourceRecord>& current,
                 std::vector<Dependency>* changes) {
  DiffMaps(previous, current,
           [&](const std::string& path, const SourceRecord*,
               const SourceRecord*) {
             changes->push_back({DepKind::kSource, path});
           });
}

void DiffPages(const std::map<std::string, PageRecord>& previous,
               const std::map<std::string, PageRecord>& current,
               std::vector<Dependency>* changes) {
  DiffMaps(previous, current,
           [&](const std::string& key, const PageRecord* p,
               const PageRecord* c) {
             // Added or removed: both.
             if (p == nullptr || c == nullptr ||
                 p->content_hash != c->content_hash) {
               changes->push_back({DepKind::kPageContent, key});
             }
             if (p == nullptr || c == nullptr ||
                 p->meta_hash != c->meta_hash) {
               changes->push_back({DepKind::kPageMeta, key});
             }
           });
}

void DiffSiteKeys(const std::map<std::string, std::string>& previous,
                  const std::map<std::string, std::string>& current,
                  std::vector<Dependency>* changes) {
  DiffMaps(previous, current,
           [&](const std::string& key, const std::string*,
               const std::string*) {
             changes->push_back({DepKind::kSiteKey, key});
           });
}

}  // namespace serval::cache
