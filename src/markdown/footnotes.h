// footnotes.h — GitHub-style footnote definitions, found before parsing.
//
// md4c (0.4.8) has no footnotes, so Serval takes the definitions out of the
// source first:
//
//   Text with a note.[^1]
//
//   [^1]: The note, which may continue on lines
//       indented by four spaces.
//
// ExtractFootnotes blanks each definition's lines (keeping line numbers
// for diagnostics) and returns the definitions; the renderer turns each
// "[^label]" in plain text whose label is defined into a numbered
// reference and appends the notes, in order of first reference, after the
// document. Definitions inside fenced code are left alone.
//
// Example:
//   FootnoteSplit s = ExtractFootnotes("a[^n]\n\n[^n]: note\n");
//   // s.text == "a[^n]\n\n\n", s.definitions[0] == {"n", "note\n", 3}
//
// Thread-safety: pure function.
#ifndef SERVAL_MARKDOWN_FOOTNOTES_H_
#define SERVAL_MARKDOWN_FOOTNOTES_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace serval::markdown {

struct FootnoteDefinition {
  std::string label;
  std::string body;  // Markdown, continuation lines dedented
  int line = 0;      // 1-based line of "[^label]:"
};

struct FootnoteSplit {
  bool has_footnotes = false;  // false: `text` is empty, use the input
  std::string text;
  std::vector<FootnoteDefinition> definitions;
};

// Labels are 1..64 characters, none of them whitespace, '[', ']', or one
// that HTML escaping would change.
bool IsFootnoteLabel(absl::string_view label);

FootnoteSplit ExtractFootnotes(absl::string_view text);

}  // namespace serval::markdown

#endif  // SERVAL_MARKDOWN_FOOTNOTES_H_
