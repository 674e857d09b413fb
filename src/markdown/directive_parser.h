// directive_parser.h — finds Bengal/MyST block directives in Markdown.
//
// Syntax (as Bengal's own docs use it):
//
//   :::{note} Optional title          colon fence of 3+ colons
//   :class: wide                      options, right after the opening line
//   Body, itself Markdown, which may hold nested directives.
//   ::::{tab-set}                     nesting: a different fence length...
//   :::{tab-item} One
//   ...
//   :::{/tab-item}                    ...or a named closer
//   ::::
//   :::                               closed by a fence of the same length
//
//   ```{code-block} python            the backtick form, closed like a code
//   ...                               fence (backticks, at least as many)
//   ```
//
// SplitDirectives scans one level: it returns the text with every top-level
// directive replaced by a placeholder line (an HTML comment, which CommonMark
// parses as an HTML block of its own) and the directives in order, each with
// its raw body. Bodies are split again when they are rendered. Ordinary code
// fences are skipped, so a ":::" inside ``` is just code. Openers may be
// indented by at most 3 spaces, as block syntax in CommonMark.
//
// Example:
//   SplitResult r = SplitDirectives(":::{note} Hi\nBody\n:::\n");
//   // r.directives[0].name == "note", .title == "Hi", .body == "Body\n"
//   // r.markdown == "<!--" + r.placeholder_prefix + "0-->\n"
//
// Thread-safety: pure functions.
#ifndef SERVAL_MARKDOWN_DIRECTIVE_PARSER_H_
#define SERVAL_MARKDOWN_DIRECTIVE_PARSER_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"

namespace serval::markdown {

struct Directive {
  std::string name;   // as written, e.g. "note", "tab-item"
  std::string title;  // the rest of the opening line, trimmed
  std::vector<std::pair<std::string, std::string>> options;  // in order
  std::string body;   // raw lines between the options and the closer
  int line = 0;       // 1-based line of the opening fence
  int column = 1;     // 1-based column (byte) where the fence begins
  int body_line = 0;  // 1-based line of the first body line
  bool closed = true; // false when the input ended first

  // The value of option `key`, or `fallback` when absent.
  absl::string_view Option(absl::string_view key,
                           absl::string_view fallback = "") const;
  bool HasOption(absl::string_view key) const;
};

struct SplitResult {
  // False when the text holds no directive; `markdown` is then empty and the
  // caller uses its input unchanged.
  bool has_directives = false;
  std::string markdown;
  std::vector<Directive> directives;
  // Placeholder i is the line "<!--" + placeholder_prefix + i + "-->". The
  // prefix is chosen so that it does not occur in the input.
  std::string placeholder_prefix;
};

// Directives nested deeper than this are treated as plain text.
inline constexpr int kMaxDirectiveNesting = 32;

SplitResult SplitDirectives(absl::string_view text);

// If `html` (one HTML block's text) is exactly a placeholder with `prefix`,
// returns its index; otherwise -1.
int PlaceholderIndex(absl::string_view html, absl::string_view prefix);

}  // namespace serval::markdown

#endif  // SERVAL_MARKDOWN_DIRECTIVE_PARSER_H_
