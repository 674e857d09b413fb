#include "src/build/markdown_cache.h"

#include "absl/strings/str_cat.h"
#include "src/base/fingerprint.h"

namespace serval::build {

MarkdownCache::Key MarkdownCache::KeyOf(absl::string_view source_path,
                                        absl::string_view body) {
  const std::string text = absl::StrCat(source_path, std::string(1, '\0'), body);
  // Two FNV-1a passes from different starting states: 128 bits in all.
  return {base::Fingerprint64(text),
          base::Fingerprint64(text, 0x9e3779b97f4a7c15ull)};
}

std::shared_ptr<const CachedMarkdown> MarkdownCache::Find(
    const Key& key,
    const std::function<bool(const CachedMarkdown&)>& still_valid) const {
  std::shared_ptr<const CachedMarkdown> value;
  {
    concurrency::MutexLock lock(&mu_);
    auto it = entries_.find(key);
    if (it == entries_.end()) return nullptr;
    value = it->second.value;
  }
  if (!still_valid(*value)) return nullptr;
  concurrency::MutexLock lock(&mu_);
  auto it = entries_.find(key);
  if (it != entries_.end()) it->second.used = true;
  ++hits_;
  return value;
}

void MarkdownCache::Put(const Key& key,
                        std::shared_ptr<const CachedMarkdown> value) {
  concurrency::MutexLock lock(&mu_);
  entries_[key] = Entry{std::move(value), true};
}

void MarkdownCache::EndBuild() {
  concurrency::MutexLock lock(&mu_);
  for (auto it = entries_.begin(); it != entries_.end();) {
    if (!it->second.used) {
      entries_.erase(it++);
    } else {
      it->second.used = false;
      ++it;
    }
  }
}

size_t MarkdownCache::size() const {
  concurrency::MutexLock lock(&mu_);
  return entries_.size();
}

int64_t MarkdownCache::hits() const {
  concurrency::MutexLock lock(&mu_);
  return hits_;
}

}  // namespace serval::build
