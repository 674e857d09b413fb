// html_text.h — the per-byte work of the Markdown renderer's text callback:
// md4c-html's escaping (&, <, > and " only) and word counting, in one pass;
// and the escaping of the text Serval adds itself (' too).
//
// Prose is most of a page, so this loop is the renderer's hottest. On x86-64
// it classifies 16 bytes at a time with SSE2 (part of the base x86-64 ISA);
// elsewhere, and for the tail of each text, it uses a byte table. Both give
// the same output; html_text_test compares them on random text.
//
// Example:
//   HtmlBuffer out;
//   bool in_word = false;
//   int words = AppendEscapedCountingWords("a <b> c", &out, &in_word);
//   // out.view() == "a &lt;b&gt; c", words == 3, in_word == true
//
// Thread-safety: pure functions (the state is the caller's).
#ifndef SERVAL_MARKDOWN_HTML_TEXT_H_
#define SERVAL_MARKDOWN_HTML_TEXT_H_

#include "absl/strings/string_view.h"
#include "src/markdown/html_buffer.h"

namespace serval::markdown {

// Appends `text` to `out` with &, <, > and " escaped, as md4c-html does.
void AppendMd4cEscaped(absl::string_view text, HtmlBuffer* out);

// Appends `text` to `out` with &, <, >, " and ' escaped (' as "&#39;"), as
// highlight::AppendEscapedHtml does: for text Serval itself puts into HTML
// (TOC titles, directive titles and options, role text).
void AppendHtmlEscaped(absl::string_view text, HtmlBuffer* out);

// AppendMd4cEscaped, and returns how many words start in `text`: a word is
// a run of bytes other than ASCII whitespace (space, \t, \n, \v, \f, \r).
// `in_word` says whether the text before ended inside a word (a word that
// continues into `text` is not counted again) and is updated for the next.
int AppendEscapedCountingWords(absl::string_view text, HtmlBuffer* out,
                               bool* in_word);

// Word counting alone, as above.
int CountWords(absl::string_view text, bool* in_word);

namespace internal {
// The byte-table versions, which the fast paths must equal (for tests).
void AppendMd4cEscapedScalar(absl::string_view text, HtmlBuffer* out);
void AppendHtmlEscapedScalar(absl::string_view text, HtmlBuffer* out);
int AppendEscapedCountingWordsScalar(absl::string_view text, HtmlBuffer* out,
                                     bool* in_word);
int CountWordsScalar(absl::string_view text, bool* in_word);
}  // namespace internal

}  // namespace serval::markdown

#endif  // SERVAL_MARKDOWN_HTML_TEXT_H_
