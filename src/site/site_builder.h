// site_builder.h — assembling the site model from parsed content files.
//
// AssembleSite is the step between the parallel parse and the parallel
// render: it applies `cascade`, reads the typed front matter
// fields, drops drafts, computes URLs (pretty URLs: content/a/b.md ->
// /a/b/, `slug` replaces the last segment), builds sections, taxonomies
// and their term pages, prev/next links and aliases, and checks that no
// two outputs claim one URL. It reports every problem it finds (as
// "path:line:col: message") instead of stopping at the first; a page with
// an error is left out of the model.
//
// Example:
//   Diagnostics diagnostics;
//   std::unique_ptr<Site> site = AssembleSite(std::move(config),
//       std::move(files), std::move(data), {.include_drafts = false},
//       &diagnostics);
//   if (!diagnostics.errors.empty()) { report; exit 1 }
//
// Output is deterministic: the same inputs in any order give the same Site,
// however many threads AssembleOptions::for_each_index runs on.
// Thread-safety: a pure function of its arguments. Each file's own page
// (its fields, cascade and URL) is made on its own, and each list sorted on
// its own, by AssembleOptions::for_each_index; linking pages is
// single-threaded.
#ifndef SERVAL_SITE_SITE_BUILDER_H_
#define SERVAL_SITE_SITE_BUILDER_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "rapidjson/document.h"
#include "src/content/front_matter.h"
#include "src/site/config.h"
#include "src/site/page.h"

namespace serval::site {

struct SourceFile {
  std::string path;  // site-relative with '/' separators: "content/a/b.md"
  content::ParsedContent parsed;
};

struct AssembleOptions {
  bool include_drafts = false;
  // Runs fn(0) ... fn(n-1), possibly in parallel, and returns when all
  // have returned (ForEachIndex on the build's pool); unset: serially.
  // Each file's own page is made this way, and each list sorted; the rest
  // is single-threaded.
  std::function<void(size_t n, const std::function<void(size_t)>& fn)>
      for_each_index;
};

struct Diagnostics {
  std::vector<std::string> errors;    // "path:line:col: message"
  std::vector<std::string> warnings;
};

std::unique_ptr<Site> AssembleSite(SiteConfig config,
                                   std::vector<SourceFile> files,
                                   rapidjson::Document data,
                                   const AssembleOptions& options,
                                   Diagnostics* diagnostics);

}  // namespace serval::site

#endif  // SERVAL_SITE_SITE_BUILDER_H_
