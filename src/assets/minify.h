// minify.h — conservative CSS and JavaScript minifiers.
//
// Conservative means: only changes that cannot alter meaning.
//   CSS: comments removed (except /*! ... */ licence comments), runs of
//        whitespace collapsed to one space, spaces dropped around { } ; , >
//        and after ':' inside declaration blocks, a ';' before '}' dropped.
//        Strings, url(...) contents and whitespace that separates selector
//        parts ("a :hover" differs from "a:hover") are kept.
//   JS:  comments removed (except /*! */), trailing whitespace and blank
//        lines dropped, leading indentation dropped. Newlines are kept, so
//        automatic semicolon insertion sees the same program; strings,
//        template literals and regular expression literals are copied
//        verbatim (a '/' starts a regex where an expression may begin).
// Invalid input (an unterminated string or comment) is returned unchanged
// from that point on rather than guessed at.
//
// Example:
//   MinifyCss("a  { color : red ; }") == "a{color:red}"
//
// Thread-safety: pure functions.
#ifndef SERVAL_ASSETS_MINIFY_H_
#define SERVAL_ASSETS_MINIFY_H_

#include <string>

#include "absl/strings/string_view.h"

namespace serval::assets {

std::string MinifyCss(absl::string_view css);
std::string MinifyJs(absl::string_view js);

}  // namespace serval::assets

#endif  // SERVAL_ASSETS_MINIFY_H_
