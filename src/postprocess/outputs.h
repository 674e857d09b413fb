// outputs.h — the site-wide outputs made after rendering: sitemap.xml,
// RSS 2.0 and Atom feeds (the site, each section, each term), the
// index.json search index and robots.txt.
//
// Every function is a pure function of the frozen site model and the
// rendered content of its pages, so outputs are byte-identical from run to
// run and whatever the number of render threads.
//
//   /sitemap.xml            every page, by URL
//   /index.xml, /atom.xml   the site's regular pages, newest first
//   /<section>/index.xml, /<section>/atom.xml
//   /<taxonomy>/<term>/index.xml, .../atom.xml
//   /index.json             [{url, title, date, section, tags, summary, content}],
//                           one entry per line
//   /robots.txt             allows everything, points at the sitemap
//
// Example:
//   for (const Output& out : PostprocessOutputs(site, rendered, {})) {
//     writer.Write(out.path, out.bytes);
//   }
//
// Thread-safety: pure functions of const inputs.
#ifndef SERVAL_POSTPROCESS_OUTPUTS_H_
#define SERVAL_POSTPROCESS_OUTPUTS_H_

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "src/concurrency/thread_pool.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "src/site/page.h"

namespace serval::postprocess {

// What rendering produced for one page, as the outputs need it.
struct RenderedContent {
  std::string content_html;  // the page body as HTML
  std::string summary_html;  // first paragraph or text before <!--more-->
  std::string plain_text;    // the body without markup, for search
};

using RenderedContents = absl::flat_hash_map<const site::Page*, RenderedContent>;

// A page's rendered content, viewed: valid while the source lives.
struct RenderedContentView {
  absl::string_view content_html;
  absl::string_view summary_html;
  absl::string_view plain_text;
};

// Where the outputs get a page's rendered content: a map (tests), or a
// function that may render it on first use (the build, which renders only
// the Markdown an output needs); the function must be thread-safe.
class PageContents {
 public:
  using Fn = std::function<RenderedContentView(const site::Page*)>;
  PageContents() = default;
  PageContents(const RenderedContents& map);  // NOLINT: implicit, for tests
  explicit PageContents(Fn fn) : fn_(std::move(fn)) {}
  // Empty for a page without content.
  RenderedContentView Of(const site::Page* page) const;

 private:
  const RenderedContents* map_ = nullptr;
  Fn fn_;
};

struct OutputOptions {
  int feed_limit = 20;              // items per feed; 0 means all
  int search_text_limit = 5000;     // bytes of plain text per search entry
  // An incremental build's shortcut. `previous_output(path)` gives the
  // bytes of output `path` ("index.json", "blog/atom.xml") as the last
  // build wrote them, when the file is known to hold exactly those;
  // `unchanged(page)` tells that a page's metadata and rendered content
  // are the last build's. A search index entry or a feed item's summary of
  // an unchanged page is then copied from the previous file (search index
  // entries are one per line) instead of being made, and the page's content
  // is not asked for. Both unset: everything is made.
  std::function<std::optional<std::string>(absl::string_view path)>
      previous_output;
  std::function<bool(const site::Page*)> unchanged;
};

struct Output {
  std::string path;   // relative to the output directory: "blog/index.xml"
  std::string bytes;
};

// `baseurl` + `url` without doubling the slash: the absolute URL of a page.
std::string Permalink(const site::SiteConfig& config, absl::string_view url);

// Escapes &, <, >, " and ' and drops characters XML 1.0 forbids.
std::string XmlEscape(absl::string_view text);

std::string RenderSitemap(const site::Site& site);
std::string RenderRss(const site::Site& site, const site::Page& list,
                      const PageContents& rendered,
                      const OutputOptions& options);
std::string RenderAtom(const site::Site& site, const site::Page& list,
                       const PageContents& rendered,
                       const OutputOptions& options);
std::string RenderSearchIndex(const site::Site& site,
                              const PageContents& rendered,
                              const OutputOptions& options);
std::string RenderRobotsTxt(const site::Site& site);

// All of the above, in path order; each file rendered on `pool` when given
// (the same bytes either way).
std::vector<Output> PostprocessOutputs(const site::Site& site,
                                       const PageContents& rendered,
                                       const OutputOptions& options,
                                       concurrency::ThreadPool* pool = nullptr);

}  // namespace serval::postprocess

#endif  // SERVAL_POSTPROCESS_OUTPUTS_H_
