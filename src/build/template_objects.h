// template_objects.h — the frozen site model as template values.
//
// Templates see `site`, `page`, `config` and (on paginated lists) `pager`.
// They are lazy tmpl::Objects over the frozen site::Site and the rendered
// Markdown of every page: a render reads only the attributes it uses, and
// nothing of the site is copied per page. A SiteView is built once, after
// Markdown rendering and before template rendering, then shared read-only
// by every render thread.
//
//   page: title url permalink kind section date lastmod draft slug weight
//         layout description summary content toc toc_items word_count
//         reading_time tags categories terms(taxonomy page) params pages
//         sections parent prev next taxonomy term source_path aliases
//         is_list — and any other front matter key, as in params
//   site: title baseurl language pages regular_pages sections taxonomies
//         data params menus home build_time
//   pager: number total pages prev_url next_url first_url last_url
//
// Example:
//   SiteView view(site, rendered, assets, build_time);
//   tmpl::Value context = view.PageContext(page, /*pager=*/nullptr);
//   env.Render("page.html", context);
//
// Dependency recording (incremental builds): while a RecordingScope lives
// on a thread, every read a template makes through these objects on that
// thread is added to the scope's RenderRecorder — a page attribute as that
// page's kPageMeta or kPageContent, a list or a link (pages, sections,
// prev/next/parent, site.pages, taxonomies) as a site key (the *Key
// functions below), site.data as every data file plus kDataKey. The
// recorder belongs to one render; there is no shared "current page".
//
// Thread-safety: a SiteView is immutable after construction; its values
// may be read by any number of threads. A Pager records (atomically)
// whether a template used it, so only used paginations are expanded.
#ifndef SERVAL_BUILD_TEMPLATE_OBJECTS_H_
#define SERVAL_BUILD_TEMPLATE_OBJECTS_H_

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "rapidjson/document.h"
#include "src/assets/asset_pipeline.h"
#include "src/cache/dependency_tracker.h"
#include "src/markdown/markdown.h"
#include "src/site/page.h"
#include "src/template/value.h"

namespace serval::build {

// What Markdown rendering produced for a page (empty for generated pages).
struct PageContent {
  std::string html;
  std::string summary_html;
  std::string toc_html;
  std::vector<markdown::TocEntry> toc;
  std::string plain_text;
  int word_count = 0;
  int reading_minutes = 0;
};

// The key of a page in the dependency graph: its source path, or its URL
// for generated pages.
const std::string& PageKey(const site::Page& page);

// Site keys (cache::DepKind::kSiteKey) of what templates read. Each names
// something the build can fingerprint again from the site alone
// (incremental.h, SiteKeyFingerprint).
// "list:<page key>" — a list page's pages, sections and terms, in order.
std::string ListKey(const site::Page& page);
// "links:<page key>" — a page's parent, prev and next.
std::string LinksKey(const site::Page& page);
// "lookup:<ref>" — what get_page(ref) finds.
std::string LookupKey(absl::string_view ref);
// "section-lookup:<name>" — what get_section(name) finds.
std::string SectionLookupKey(absl::string_view name);
// "asset:<logical path>" — the URL asset_url gives a static file.
std::string AssetKey(absl::string_view logical);
// site.pages, regular_pages, all_pages: cache::kAllPagesKey.
inline constexpr char kSiteSectionsKey[] = "site:sections";
inline constexpr char kSiteHomeKey[] = "site:home";
inline constexpr char kSiteTaxonomiesKey[] = "site:taxonomies";
inline constexpr char kDataKey[] = "site:data";
inline constexpr char kBuildTimeKey[] = "site:build_time";

// Makes `recorder` the target of this thread's recording while it lives
// (one render). Scopes nest: the previous target is restored.
class RecordingScope {
 public:
  explicit RecordingScope(cache::RenderRecorder* recorder);
  ~RecordingScope();
  RecordingScope(const RecordingScope&) = delete;
  RecordingScope& operator=(const RecordingScope&) = delete;

  // This thread's recorder, or nullptr outside any scope.
  static cache::RenderRecorder* Current();

 private:
  cache::RenderRecorder* const previous_;
};

// A JSON tree (front matter, data, config) as a template value: objects
// become dicts in document order, arrays lists.
tmpl::Value JsonToValue(const rapidjson::Value& json);

// A point in time as templates see it: str() is "YYYY-MM-DD" (UTC);
// attributes year, month, day, hour, minute, second, unix.
tmpl::Value DateValue(absl::Time time);
// The time held by a DateValue, or nullopt for any other value.
std::optional<absl::Time> TimeOf(const tmpl::Value& value);

// One page of a paginated list.
class Pager : public tmpl::Object {
 public:
  Pager(int number, int total, std::vector<tmpl::Value> pages,
        std::string list_url);
  std::string TypeName() const override { return "pager"; }
  std::optional<tmpl::Value> GetAttr(absl::string_view name) const override;
  bool used() const { return used_.load(std::memory_order_relaxed); }

 private:
  const int number_;
  const int total_;
  const std::vector<tmpl::Value> pages_;
  const std::string list_url_;
  mutable std::atomic<bool> used_{false};
};

// The rendered Markdown of site.pages[index]. The build's may render it on
// first use (a page whose Markdown an incremental build did not need to
// render); it must be safe to call from any thread and always return the
// same content for an index.
using PageContentFn = std::function<const PageContent&(size_t index)>;

class SiteView {
 public:
  // `site` and `manifest` must outlive the view; `contents` is called only
  // for indexes of site.pages, while the view lives.
  SiteView(const site::Site& site, PageContentFn contents,
           const assets::AssetManifest& manifest, absl::Time build_time);
  SiteView(const SiteView&) = delete;
  SiteView& operator=(const SiteView&) = delete;

  const site::Site& site() const { return site_; }
  const assets::AssetManifest& manifest() const { return manifest_; }
  absl::Time build_time() const { return build_time_; }

  // The object of a page of the site (or of an extra generated page added
  // with AddExtraPage before rendering).
  tmpl::Value PageValue(const site::Page* page) const;
  const PageContent& ContentOf(const site::Page* page) const;
  tmpl::Value site_value() const { return site_value_; }
  tmpl::Value config_value() const { return config_value_; }

  // The pages a list shows: the home page lists every regular page, newest
  // first (undated last); other lists their own pages, in default order.
  std::vector<const site::Page*> ListedPages(const site::Page& list) const;
  // Values of `pages`.
  std::vector<tmpl::Value> PageValues(
      const std::vector<const site::Page*>& pages) const;
  // site.pages (regular pages), site.all_pages and site.sections, made once.
  const std::vector<tmpl::Value>& regular_page_values() const {
    return regular_page_values_;
  }
  const std::vector<tmpl::Value>& all_page_values() const {
    return page_values_;
  }
  const std::vector<tmpl::Value>& section_values() const {
    return section_values_;
  }

  // The render context {page, site, config[, pager]}.
  tmpl::Value PageContext(const site::Page* page,
                          const tmpl::Value* pager) const;

  // Setup only (before rendering): a generated page that is not part of
  // the site model (404, search), shown with kind `kind_name`.
  void AddExtraPage(const site::Page* page, std::string kind_name);

  const std::string& KindName(const site::Page* page) const;
  // The taxonomy page's terms as dicts {name, slug, url, count, page}.
  tmpl::Value TermsOfTaxonomy(const site::Page& taxonomy) const;

  // Setup only: the data files behind site.data ("data/team.yaml"), which
  // a read of site.data records.
  void SetDataFiles(std::vector<std::string> files) {
    data_files_ = std::move(files);
  }
  const std::vector<std::string>& data_files() const { return data_files_; }

 private:
  const site::Site& site_;
  const PageContentFn contents_;
  const assets::AssetManifest& manifest_;
  const absl::Time build_time_;
  absl::flat_hash_map<const site::Page*, size_t> index_;
  std::vector<tmpl::Value> page_values_;  // indexed like site.pages
  std::vector<tmpl::Value> regular_page_values_;
  std::vector<tmpl::Value> section_values_;
  absl::flat_hash_map<const site::Page*, tmpl::Value> extra_values_;
  absl::flat_hash_map<const site::Page*, std::string> extra_kinds_;
  tmpl::Value site_value_;
  tmpl::Value config_value_;
  PageContent empty_content_;
  std::vector<std::string> data_files_;
};

}  // namespace serval::build

#endif  // SERVAL_BUILD_TEMPLATE_OBJECTS_H_
