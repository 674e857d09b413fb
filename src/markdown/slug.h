// slug.h — GitHub-style heading slugs, unique within a page.
//
// Slugify lowercases ASCII letters, keeps letters, digits, '-', '_' and every
// non-ASCII byte (so "Über" keeps its letters, as GitHub does), turns spaces
// into '-' and drops everything else. SlugRegistry makes slugs unique within
// one page the GitHub way: the second "intro" is "intro-1", the third
// "intro-2". Explicit ids ({#id}) are reserved as given.
//
// Example:
//   SlugRegistry slugs;
//   slugs.Unique(Slugify("Hello, World!"));  // "hello-world"
//   slugs.Unique(Slugify("Hello World"));    // "hello-world-1"
//
// A page renders many headings, so the renderer slugifies into one reused
// buffer (SlugifyTo) and the registry keeps a page's first slugs in one
// string, searched linearly, instead of allocating a few strings per
// heading; past kLinearSlugs it moves them into a hash set. For a slug
// already taken it remembers the next N to try, so a page of n equal
// headings costs O(n), not the O(n^2) of trying "-1", "-2"... every time
// (src/markdown/pathological_test.cc).
//
// Thread-safety: Slugify is a pure function; a SlugRegistry is not
// thread-safe (one per page render).
#ifndef SERVAL_MARKDOWN_SLUG_H_
#define SERVAL_MARKDOWN_SLUG_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/string_view.h"

namespace serval::markdown {

// The slug of a heading's plain text; "section" when nothing is left.
std::string Slugify(absl::string_view text);
// The same, into `*slug` (its previous content is replaced).
void SlugifyTo(absl::string_view text, std::string* slug);

// True if `id` is acceptable as an explicit heading id: an ASCII letter
// followed by letters, digits, '-', '_', ':' or '.'. Such an id needs no
// escaping in an HTML attribute.
bool IsValidExplicitId(absl::string_view id);

class SlugRegistry {
 public:
  // Returns `slug`, or `slug-N` with the smallest N >= 1 not yet used, and
  // records the result. The view is valid until the next call.
  absl::string_view Unique(absl::string_view slug);

 private:
  static constexpr size_t kLinearSlugs = 32;

  // Records `slug` if it is new; returns its stored copy, or "" if taken.
  absl::string_view TryInsert(absl::string_view slug);

  // Up to kLinearSlugs slugs: concatenated, each ending at ends_[i].
  std::string linear_;
  std::vector<uint32_t> ends_;
  // All slugs, once there are more (linear_ and ends_ are then unused).
  absl::flat_hash_set<std::string> hashed_;
  // A taken slug -> the smallest N whose "slug-N" may be free: every
  // smaller N was found taken, and slugs are never released.
  absl::flat_hash_map<std::string, int> next_suffix_;
};

}  // namespace serval::markdown

#endif  // SERVAL_MARKDOWN_SLUG_H_
