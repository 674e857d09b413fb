// page.h — one page of the site model, and the site that owns them all.
//
// A Site is assembled single-threaded by AssembleSite (site_builder.h) and
// is then frozen: render threads receive `const Site&` and only read it.
// Pages refer to each other with `const Page*` into Site::pages, which
// owns them; the pointers stay valid for the Site's lifetime.
//
// Thread-safety: immutable after assembly; safe to share across threads.
#ifndef SERVAL_SITE_PAGE_H_
#define SERVAL_SITE_PAGE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "rapidjson/document.h"
#include "src/content/source_position.h"
#include "src/site/config.h"

namespace serval::site {

enum class PageKind {
  kHome,      // content/_index.md (or generated): "/"
  kSection,   // content/<dir>/_index.md (or generated for a top-level dir)
  kPage,      // any other content/**.md
  kTaxonomy,  // generated: "/tags/"
  kTerm,      // generated: "/tags/<term-slug>/"
};

// "home", "section", "page", "taxonomy", "term" (the template `kind`).
const char* PageKindName(PageKind kind);

// A taxonomy term as lists show it (on pages and on the taxonomy page).
struct TermRef {
  std::string name;  // as first written in front matter
  std::string slug;
  std::string url;
};

struct Page {
  PageKind kind = PageKind::kPage;
  // Relative to the site directory ("content/blog/a.md"); empty for
  // generated pages.
  std::string source_path;
  // The directory under content/ of the page's top-level section ("blog");
  // empty for the home page and root-level pages.
  std::string section;

  std::string title;
  std::optional<absl::Time> date;
  bool draft = false;
  std::string slug;
  int64_t weight = 0;
  std::string layout;
  std::string summary;      // front matter "summary", if any
  std::string description;  // front matter "description", if any
  std::vector<std::string> aliases;  // normalized URLs ("/old/")
  // For each configured taxonomy (config order): its plural and the
  // page's terms, in front matter order, duplicates removed.
  std::vector<std::pair<std::string, std::vector<TermRef>>> terms;
  // Every front matter key, after cascade. In a pool of small chunks of
  // its own: RapidJSON's default 64 KiB chunk per page was most of the
  // memory of a 10,000-page build. (The pool is not moved with the page;
  // pages live behind unique_ptr.)
  std::unique_ptr<rapidjson::MemoryPoolAllocator<>> params_pool =
      std::make_unique<rapidjson::MemoryPoolAllocator<>>(kParamsChunkBytes);
  rapidjson::Document params{params_pool.get()};
  static constexpr size_t kParamsChunkBytes = 1024;

  std::string body;  // the Markdown after the front matter
  content::SourcePosition body_start;

  std::string url;          // "/blog/a/" (relative to the site's baseurl)
  std::string output_path;  // "blog/a/index.html"

  // Relations, set during assembly.
  const Page* parent = nullptr;        // enclosing section, or home
  std::vector<const Page*> pages;      // lists: the pages they list
  std::vector<const Page*> sections;   // home/sections: child sections
  const Page* prev = nullptr;          // previous page in parent's order
  const Page* next = nullptr;          // next page in parent's order

  // Taxonomy and term pages.
  std::string taxonomy;            // plural, e.g. "tags"
  std::vector<const Page*> term_pages;  // taxonomy page: its terms, by name
  std::string term;                // term page: the term's name

  bool is_list() const { return kind != PageKind::kPage; }
  // The terms of taxonomy `plural`, or nullptr.
  const std::vector<TermRef>* TermsOf(absl::string_view plural) const;
};

// A redirect page: `url` sends readers to `target`.
struct Alias {
  std::string url;
  std::string output_path;
  const Page* target = nullptr;
  std::string declared_in;  // source path of the page declaring it
};

struct Site {
  SiteConfig config;
  // Every page, ordered by URL (deterministic whatever the input order).
  std::vector<std::unique_ptr<Page>> pages;
  const Page* home = nullptr;
  std::vector<const Page*> regular_pages;  // kPage, in default order
  std::vector<const Page*> sections;       // all sections, by URL
  std::vector<const Page*> taxonomies;     // taxonomy pages, config order
  std::vector<Alias> aliases;              // by URL
  rapidjson::Document data;                // data/ files

  const Page* FindByUrl(absl::string_view url) const;
  const Page* FindBySourcePath(absl::string_view path) const;

  absl::flat_hash_map<std::string, const Page*> by_url;
  absl::flat_hash_map<std::string, const Page*> by_source_path;
  // Output paths two pages (or a page and an alias) claimed: already an
  // error of the assembly, so the build does not report them again.
  absl::flat_hash_set<std::string> contested_outputs;
};

// The output file for `url`: "/a/b/" -> "a/b/index.html", "/x.html" ->
// "x.html".
std::string OutputPathForUrl(absl::string_view url);

// The URL of page `n` (1-based) of a paginated list at `list_url`:
// 1 -> list_url, n -> list_url + "page/n/".
std::string PagerUrl(absl::string_view list_url, int n);

// The default order of pages in lists: weight ascending with unweighted
// (0) pages last, then date descending (undated last), then title, then
// source path. A strict weak order, so sorting is deterministic.
bool DefaultPageOrder(const Page* a, const Page* b);

}  // namespace serval::site

#endif  // SERVAL_SITE_PAGE_H_
