// link_checker.h — `serval check`: broken internal links and anchors in a
// built output directory.
//
// Every *.html file under the output directory is scanned for href= and
// src= attributes and for the ids it defines (id=, and name= on anchors).
// A link is internal when it is relative or root-relative (under the path
// of the site's baseurl, if it has one); it must resolve to a file of the output ("/a/" ->
// a/index.html, "/a" -> a or a/index.html) and its #fragment, if any, to
// an id in that file. Links with a scheme or a host (https://..., //...,
// mailto:, data:) are external and not checked: this runs offline, and an
// absolute URL may point at pages the site does not build.
//
// Example:
//   std::vector<std::string> problems =
//       CheckLinks(fs, "site/public", "https://example.org/");
//   // "blog/a/index.html:12:34: broken link /blog/nope/"
//
// Thread-safety: a function of its arguments; `fs` must be thread-safe.
#ifndef SERVAL_BUILD_LINK_CHECKER_H_
#define SERVAL_BUILD_LINK_CHECKER_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "src/fs/fs.h"

namespace serval::build {

// Problems as "path:line:col: message", paths relative to `output_dir`,
// sorted. Empty when every internal link resolves.
std::vector<std::string> CheckLinks(fs::Fs& fs, absl::string_view output_dir,
                                    absl::string_view baseurl);

}  // namespace serval::build

#endif  // SERVAL_BUILD_LINK_CHECKER_H_
