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
// buffer (SlugifyTo) and the registry keeps its slugs for the views it
// returns, instead of allocating a few strings per heading.
//
// Thread-safety: Slugify is a pure function; a SlugRegistry is not
// thread-safe (one per page render).
#ifndef SERVAL_MARKDOWN_SLUG_H_
#define SERVAL_MARKDOWN_SLUG_H_

#include <deque>
#include <string>

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
  // records the result. The view stays valid as long as the registry.
  absl::string_view Unique(absl::string_view slug);

 private:
  // Records `slug` if it is new; returns its stored copy, or "" if taken.
  absl::string_view TryInsert(absl::string_view slug);

  std::deque<std::string> slugs_;  // a deque never moves its elements
  absl::flat_hash_set<absl::string_view> used_;  // views of slugs_
};

}  // namespace serval::markdown

#endif  // SERVAL_MARKDOWN_SLUG_H_
