// default_theme.h — the theme compiled into serval, used when a site has no
// templates/ directory (and for any template a site's own theme lacks).
//
//   templates/base.html, page.html, doc.html, list.html, home.html,
//   taxonomy.html, term.html, search.html, 404.html, alias.html,
//   templates/partials/*.html
//   static/css/serval.css, static/js/serval.js
//
// Example:
//   if (const base::EmbeddedFile* f = FindDefaultThemeFile("templates/page.html"))
//     Compile(f->contents);
//
// Thread-safety: constant data.
#ifndef SERVAL_THEME_DEFAULT_THEME_H_
#define SERVAL_THEME_DEFAULT_THEME_H_

#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "src/base/embedded_file.h"

namespace serval::theme {

// Every file of the default theme, sorted by path.
absl::Span<const base::EmbeddedFile> DefaultThemeFiles();

// The file at `path` ("templates/page.html"), or nullptr.
const base::EmbeddedFile* FindDefaultThemeFile(absl::string_view path);

}  // namespace serval::theme

#endif  // SERVAL_THEME_DEFAULT_THEME_H_
