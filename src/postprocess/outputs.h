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
//   /index.json             [{title, url, date, section, tags, summary, content}]
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

struct OutputOptions {
  int feed_limit = 20;              // items per feed; 0 means all
  int search_text_limit = 5000;     // bytes of plain text per search entry
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
                      const RenderedContents& rendered,
                      const OutputOptions& options);
std::string RenderAtom(const site::Site& site, const site::Page& list,
                       const RenderedContents& rendered,
                       const OutputOptions& options);
std::string RenderSearchIndex(const site::Site& site,
                              const RenderedContents& rendered,
                              const OutputOptions& options);
std::string RenderRobotsTxt(const site::Site& site);

// All of the above, in path order; each file rendered on `pool` when given
// (the same bytes either way).
std::vector<Output> PostprocessOutputs(const site::Site& site,
                                       const RenderedContents& rendered,
                                       const OutputOptions& options,
                                       concurrency::ThreadPool* pool = nullptr);

}  // namespace serval::postprocess

#endif  // SERVAL_POSTPROCESS_OUTPUTS_H_
