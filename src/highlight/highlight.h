// highlight.h — syntax highlighting with Pygments-compatible CSS classes.
//
// Lexers are table-driven state machines of RE2 patterns, one table per
// language, in the manner of Pygments' RegexLexer: in each state the first
// rule whose pattern matches at the current position wins, emits its token
// type(s) and may push or pop states. Token types carry Pygments' short CSS
// class names ("k", "s2", "c1", ...), so existing Pygments themes apply to
// Serval's output.
//
// Each language's lexer is compiled once, on its first lookup (so a site
// pays only for the languages it uses), and is immutable afterwards: any
// number of threads tokenize with the same Lexer without locking; per-call
// state lives on the caller's stack.
//
// Example:
//   std::string html;
//   if (!AppendHighlightedHtml("py", "print('hi')\n", &html)) {
//     // unknown language: `html` holds the escaped code
//   }
//   // html == "<span class=\"nb\">print</span><span class=\"p\">(</span>..."
//
// Thread-safety: every function here is thread-safe.
#ifndef SERVAL_HIGHLIGHT_HIGHLIGHT_H_
#define SERVAL_HIGHLIGHT_HIGHLIGHT_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "src/highlight/lexer.h"
#include "src/highlight/token.h"

namespace serval::highlight {

// The lexer registered under `name` (a language name or alias, any case:
// "python", "py", "C++", "sh"...), or nullptr.
const Lexer* FindLexer(absl::string_view name);

// The canonical names of every registered lexer, sorted (compiles them all).
std::vector<std::string> LexerNames();

// Appends `code` to `out` as HTML: one <span class="..."> per token (plain
// text unwrapped), everything escaped. Returns false, having appended the
// escaped code without spans, when `language` is unknown.
bool AppendHighlightedHtml(absl::string_view language, absl::string_view code,
                           std::string* out);

// The same with the lexer already found (one lookup per block for a
// caller that needed it anyway).
void AppendHighlightedHtml(const Lexer& lexer, absl::string_view code,
                           std::string* out);

// Appends `text` with &, <, >, " and ' escaped.
void AppendEscapedHtml(absl::string_view text, std::string* out);

}  // namespace serval::highlight

#endif  // SERVAL_HIGHLIGHT_HIGHLIGHT_H_
