// markdown.h — Markdown to HTML: CommonMark and GitHub extensions on md4c,
// with heading ids, a table of contents, summaries, word counts, code
// highlighting and Bengal's block directives and inline roles.
//
// The parser is md4c (CommonMark-conformant); the HTML renderer is Serval's
// own, on md4c's callbacks. With every Serval feature off
// (MarkdownOptions::CommonMark()) its output equals md4c's reference
// renderer, md4c-html, byte for byte.
//
// Output is safe in this sense: raw HTML in the source passes through as
// CommonMark says (set `allow_raw_html = false` to drop it), but nothing a
// directive or role adds carries markup from its arguments — titles and
// options are HTML-escaped and link options must be relative or
// http(s)/mailto URLs.
//
// Includes (`{include}`, `{literalinclude}`) are read through
// MarkdownOptions::read_file, with paths relative to the content root;
// paths leaving the root and include cycles are refused with a diagnostic.
// Every file read is listed in RenderedMarkdown::dependencies.
//
// Example:
//   MarkdownOptions options;
//   options.source_path = "content/guide.md";
//   absl::StatusOr<RenderedMarkdown> page = RenderMarkdown(text, options);
//   if (!page.ok()) return page.status();
//   for (const Diagnostic& d : page->diagnostics) LogWarning(d.ToString());
//   Write(page->html);
//
// Thread-safety: RenderMarkdown is reentrant; concurrent calls share only
// immutable data (the highlighter's compiled lexers). `read_file` is called
// on the calling thread.
#ifndef SERVAL_MARKDOWN_MARKDOWN_H_
#define SERVAL_MARKDOWN_MARKDOWN_H_

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace serval::markdown {

// Reads a file given its normalized path relative to the content root
// (never absolute, never containing ".."). NotFound when it does not exist.
using ReadFileFn = std::function<absl::StatusOr<std::string>(absl::string_view)>;

struct MarkdownOptions {
  // Where the source came from (for diagnostics and to resolve includes:
  // relative to the content root, e.g. "guide/intro.md").
  std::string source_path = "<input>";

  // GitHub extensions: tables, strikethrough, task lists, autolinks.
  bool github_extensions = true;
  // Footnotes, GitHub style ("[^1]" and "[^1]: note"); see footnotes.h.
  bool footnotes = true;
  // Raw HTML blocks and spans pass through (CommonMark); false drops them.
  bool allow_raw_html = true;

  // Heading ids: GitHub-style slugs, unique within the page; an explicit
  // trailing "{#id}" wins.
  bool heading_ids = true;
  // Adds <a class="headerlink" href="#id">¶</a> inside each heading.
  bool heading_anchors = false;
  // Headings between these levels (inclusive) go into the TOC.
  int toc_min_level = 2;
  int toc_max_level = 3;

  // Highlights fenced code whose language the highlighter knows.
  bool highlight_code = true;
  // Bengal directives (":::{name}") and roles ("{kbd}`Ctrl+C`").
  bool directives = true;

  int words_per_minute = 200;
  // Larger sources are refused (ResourceExhausted).
  size_t max_input_bytes = 64 << 20;

  ReadFileFn read_file;  // empty: includes fail with a diagnostic

  // Every Serval feature off: plain CommonMark, as md4c-html renders it.
  static MarkdownOptions CommonMark();
};

struct Diagnostic {
  enum class Severity { kWarning, kError };
  Severity severity = Severity::kWarning;
  std::string file;
  int line = 0;
  int column = 1;
  std::string message;

  // "file:line:column: warning: message"
  std::string ToString() const;
};

struct TocEntry {
  int level = 0;
  std::string id;     // the heading's id (empty when heading_ids is off)
  std::string title;  // plain text
};

struct RenderedMarkdown {
  std::string html;
  std::vector<TocEntry> toc;
  std::string toc_html;      // nested <ul> of links, "" when toc is empty
  std::string summary_html;  // before <!--more-->, else the first paragraph
  bool has_more_marker = false;
  int word_count = 0;
  int reading_minutes = 0;   // ceil(word_count / words_per_minute)
  std::vector<Diagnostic> diagnostics;
  std::vector<std::string> dependencies;  // files read by includes
};

absl::StatusOr<RenderedMarkdown> RenderMarkdown(absl::string_view source,
                                                const MarkdownOptions& options);

// Normalizes a path relative to the content root ("a/./b/../c.md" ->
// "a/c.md"); returns "" when it is absolute, empty, holds a NUL or a
// backslash, or would leave the root.
std::string NormalizeContentPath(absl::string_view path);

}  // namespace serval::markdown

#endif  // SERVAL_MARKDOWN_MARKDOWN_H_
