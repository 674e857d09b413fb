#include "src/markdown/markdown.h"

#include <algorithm>
#include <cstring>
#include <optional>
#include <utility>

#include "absl/base/attributes.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/container/inlined_vector.h"
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
extern "C" {
#include "entity.h"  // md4c's entity table; the header has no extern "C"
}
#include "md4c.h"
#include "src/base/status_macros.h"
#include "src/highlight/highlight.h"
#include "src/markdown/directive_parser.h"
#include "src/markdown/footnotes.h"
#include "src/markdown/html_buffer.h"
#include "src/markdown/html_text.h"
#include "src/markdown/slug.h"

namespace serval::markdown {
namespace {

using highlight::AppendEscapedHtml;

// Directive bodies and includes nest at most this deep.
constexpr int kMaxRenderDepth = 16;

// --- Escaping, as md4c-html does it ----------------------------------------

// md4c-html's escaping (&, <, > and " only), in the shape AppendAttribute
// and AppendEntity take.
void EscapeMd4c(HtmlBuffer* out, const char* text, size_t size) {
  AppendMd4cEscaped(absl::string_view(text, size), out);
}

// md4c-html's URL escaping: bytes other than ASCII letters, digits and
// "-_.+!*(),%#@?=;:/$" become %XX ('&' becomes "&amp;").
struct UrlBytes {
  bool escape[256] = {};
  constexpr UrlBytes() {
    constexpr char kKept[] = "-_.+!*(),%#@?=;:/$";
    for (int c = 0; c < 256; ++c) {
      bool kept = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
                  (c >= 'A' && c <= 'Z');
      for (int k = 0; kKept[k] != '\0'; ++k) kept = kept || c == kKept[k];
      escape[c] = !kept;
    }
  }
};
constexpr UrlBytes kUrlBytes;

void AppendUrlEscaped(HtmlBuffer* out, const char* text, size_t size) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  size_t begin = 0;
  for (size_t i = 0; i < size; ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (!kUrlBytes.escape[c]) continue;
    out->append(text + begin, i - begin);
    begin = i + 1;
    if (c == '&') {
      out->append("&amp;", 5);
    } else {
      const char hex[3] = {'%', kHex[c >> 4], kHex[c & 0xf]};
      out->append(hex, 3);
    }
  }
  out->append(text + begin, size - begin);
}

// Out: std::string or HtmlBuffer.
template <typename Out>
void AppendCodepoint(Out* out, unsigned cp) {
  if (cp == 0 || cp > 0x10ffff) {
    out->append("\xef\xbf\xbd");
  } else if (cp <= 0x7f) {
    out->push_back(static_cast<char>(cp));
  } else if (cp <= 0x7ff) {
    out->push_back(static_cast<char>(0xc0 | ((cp >> 6) & 0x1f)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  } else if (cp <= 0xffff) {
    out->push_back(static_cast<char>(0xe0 | ((cp >> 12) & 0xf)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  } else {
    out->push_back(static_cast<char>(0xf0 | ((cp >> 18) & 0x7)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3f)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  }
}

unsigned HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'Z') return c - 'A' + 10;
  return c - 'a' + 10;
}

// Appends the decoded entity (md4c has validated its syntax), escaped by
// `escape` exactly as md4c-html does.
template <typename Out, typename Escape>
void AppendEntity(Out* out, const char* text, size_t size,
                  Escape escape) {
  std::string decoded;
  if (size > 3 && text[1] == '#') {
    unsigned cp = 0;
    if (text[2] == 'x' || text[2] == 'X') {
      for (size_t i = 3; i + 1 < size; ++i) cp = 16 * cp + HexValue(text[i]);
    } else {
      for (size_t i = 2; i + 1 < size; ++i) cp = 10 * cp + (text[i] - '0');
    }
    AppendCodepoint(&decoded, cp);
  } else if (const struct entity* ent = entity_lookup(text, size)) {
    AppendCodepoint(&decoded, ent->codepoints[0]);
    if (ent->codepoints[1]) AppendCodepoint(&decoded, ent->codepoints[1]);
  } else {
    decoded.assign(text, size);
  }
  escape(out, decoded.data(), decoded.size());
}

template <typename Out, typename Escape>
void AppendAttribute(Out* out, const MD_ATTRIBUTE& attr,
                     Escape escape) {
  for (int i = 0; attr.substr_offsets[i] < attr.size; ++i) {
    const MD_OFFSET off = attr.substr_offsets[i];
    const MD_SIZE size = attr.substr_offsets[i + 1] - off;
    const char* text = attr.text + off;
    switch (attr.substr_types[i]) {
      case MD_TEXT_NULLCHAR: AppendCodepoint(out, 0); break;
      case MD_TEXT_ENTITY: AppendEntity(out, text, size, escape); break;
      default: escape(out, text, size); break;
    }
  }
}

// The `escape` of AppendEntity and AppendAttribute for plain text.
template <typename Out>
void AppendVerbatim(Out* out, const char* text, size_t size) {
  out->append(text, size);
}

std::string AttributeText(const MD_ATTRIBUTE& attr) {
  std::string s;
  if (attr.text != nullptr) {
    AppendAttribute(&s, attr, AppendVerbatim<std::string>);
  }
  return s;
}

// --- Helpers for directives ---------------------------------------------------

std::string Escaped(absl::string_view text) {
  std::string out;
  AppendEscapedHtml(text, &out);
  return out;
}

// Keeps only characters that are safe and meaningful in a class list.
std::string SafeClasses(absl::string_view classes) {
  std::string out;
  for (char c : classes) {
    if (absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '-' ||
        c == '_' || c == ' ') {
      out.push_back(c);
    }
  }
  return std::string(absl::StripAsciiWhitespace(out));
}

// A link target from a directive option: relative, fragment, or an
// http(s)/mailto URL. Anything else (javascript:, data:, control
// characters) gives "".
std::string SafeUrl(absl::string_view url) {
  url = absl::StripAsciiWhitespace(url);
  for (char c : url) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return "";
  }
  const size_t colon = url.find(':');
  const size_t delim = url.find_first_of("/?#");
  if (colon != absl::string_view::npos &&
      (delim == absl::string_view::npos || colon < delim)) {
    const std::string scheme = absl::AsciiStrToLower(url.substr(0, colon));
    if (scheme != "http" && scheme != "https" && scheme != "mailto") return "";
  }
  return std::string(url);
}

std::string Capitalized(absl::string_view name) {
  if (name == "seealso") return "See also";
  std::string s(name);
  if (!s.empty()) s[0] = absl::ascii_toupper(static_cast<unsigned char>(s[0]));
  return s;
}

bool IsAdmonition(absl::string_view name) {
  static constexpr absl::string_view kNames[] = {
      "note",    "tip",     "warning", "danger",  "error",   "info",
      "important", "example", "success", "caution", "seealso", "attention",
      "hint"};
  for (absl::string_view n : kNames) {
    if (n == name) return true;
  }
  return false;
}

// The language to highlight a literalinclude'd file with, by extension.
std::string LanguageForPath(absl::string_view path) {
  const size_t dot = path.rfind('.');
  if (dot == absl::string_view::npos) return "";
  return absl::AsciiStrToLower(path.substr(dot + 1));
}

// --- The renderer --------------------------------------------------------------

enum class Role { kNone, kKbd, kAbbr, kSub, kSup };

class Renderer {
 public:
  Renderer(const MarkdownOptions& options, RenderedMarkdown* result)
      : options_(options), result_(result) {
    unsigned flags = 0;
    if (options.github_extensions) {
      flags |= MD_FLAG_TABLES | MD_FLAG_STRIKETHROUGH | MD_FLAG_TASKLISTS |
               MD_FLAG_PERMISSIVEAUTOLINKS;
    }
    parser_ = MD_PARSER{0,         flags,     &EnterBlock, &LeaveBlock,
                        &EnterSpan, &LeaveSpan, &Text,      nullptr,
                        nullptr};
  }

  absl::Status RenderDocument(absl::string_view source) {
    // HTML is longer than its Markdown: by 15% for the median page of the
    // benchmark site, 30% and more for one page in ten (lists, links, ids),
    // which made a quarter too little and the output was copied to grow.
    out_.reserve(source.size() + source.size() / 2);
    include_stack_.push_back(options_.source_path);
    FootnoteSplit footnotes;
    if (options_.footnotes) footnotes = ExtractFootnotes(source);
    for (FootnoteDefinition& def : footnotes.definitions) {
      // The first definition of a label wins, as for link references.
      footnote_index_.try_emplace(def.label, footnote_defs_.size());
      footnote_defs_.push_back(std::move(def));
    }
    SERVAL_RETURN_IF_ERROR(RenderBlock(
        footnotes.has_footnotes ? absl::string_view(footnotes.text) : source,
        options_.source_path, 1, 0));
    SERVAL_RETURN_IF_ERROR(RenderFootnotes());
    result_->html = out_.Release();
    if (!summary_found_) result_->summary_html.clear();
    result_->reading_minutes =
        (result_->word_count + options_.words_per_minute - 1) /
        std::max(1, options_.words_per_minute);
    result_->toc_html = TocHtml(result_->toc);
    return absl::OkStatus();
  }

 private:
  struct Frame {
    SplitResult split;
    // The caller's name of the file, which outlives the frame (no copy per
    // block).
    const std::string* file = nullptr;
    int line_base = 1;
    int depth = 0;
    int block_depth = 0;
  };

  // Parses `text` (from `file`, whose first line is `line_base`) and appends
  // its HTML to out_.
  absl::Status RenderBlock(absl::string_view text, const std::string& file,
                           int line_base, int depth) {
    Frame frame;
    frame.file = &file;
    frame.line_base = line_base;
    frame.depth = depth;
    if (options_.directives) frame.split = SplitDirectives(text);
    absl::string_view markdown =
        frame.split.has_directives ? absl::string_view(frame.split.markdown)
                                   : text;
    frames_.push_back(&frame);
    const int rc = md_parse(markdown.data(), static_cast<MD_SIZE>(markdown.size()),
                            &parser_, this);
    frames_.pop_back();
    if (rc != 0) {
      if (!status_.ok()) return status_;
      return absl::InternalError(
          absl::StrCat(file, ": md4c failed to parse (out of memory?)"));
    }
    return status_;
  }

  Frame& frame() { return *frames_.back(); }
  bool TopLevel() { return frames_.size() == 1 && frame().block_depth == 1; }

  void Warn(const std::string& file, int line, int column, std::string message,
            Diagnostic::Severity severity = Diagnostic::Severity::kWarning) {
    Diagnostic d;
    d.severity = severity;
    d.file = file;
    d.line = line;
    d.column = column;
    d.message = std::move(message);
    result_->diagnostics.push_back(std::move(d));
  }

  // Appends `text` to out_ HTML-escaped as the highlighter escapes (&, <,
  // >, " and ').
  void AppendEscaped(absl::string_view text) { AppendHtmlEscaped(text, &out_); }

  // --- md4c callbacks ---------------------------------------------------------

  static int EnterBlock(MD_BLOCKTYPE type, void* detail, void* userdata) {
    static_cast<Renderer*>(userdata)->OnEnterBlock(type, detail);
    return 0;
  }
  static int LeaveBlock(MD_BLOCKTYPE type, void* detail, void* userdata) {
    Renderer* r = static_cast<Renderer*>(userdata);
    r->OnLeaveBlock(type, detail);
    return r->status_.ok() ? 0 : 1;
  }
  static int EnterSpan(MD_SPANTYPE type, void* detail, void* userdata) {
    static_cast<Renderer*>(userdata)->OnEnterSpan(type, detail);
    return 0;
  }
  static int LeaveSpan(MD_SPANTYPE type, void* detail, void* userdata) {
    static_cast<Renderer*>(userdata)->OnLeaveSpan(type, detail);
    return 0;
  }
  static int Text(MD_TEXTTYPE type, const MD_CHAR* text, MD_SIZE size,
                  void* userdata) {
    static_cast<Renderer*>(userdata)->OnText(type, text, size);
    return 0;
  }

  void OnEnterBlock(MD_BLOCKTYPE type, void* detail) {
    in_word_ = false;
    EnterBlockHtml(type, detail);
    ++frame().block_depth;
  }

  void EnterBlockHtml(MD_BLOCKTYPE type, void* detail) {
    switch (type) {
      case MD_BLOCK_DOC: break;
      case MD_BLOCK_QUOTE: out_.append("<blockquote>\n"); break;
      case MD_BLOCK_UL: out_.append("<ul>\n"); break;
      case MD_BLOCK_OL: {
        const auto* d = static_cast<MD_BLOCK_OL_DETAIL*>(detail);
        if (d->start == 1) {
          out_.append("<ol>\n");
        } else {
          StrAppend(&out_, "<ol start=\"", d->start, "\">\n");
        }
        break;
      }
      case MD_BLOCK_LI: {
        const auto* d = static_cast<MD_BLOCK_LI_DETAIL*>(detail);
        if (d->is_task) {
          out_.append(
              "<li class=\"task-list-item\"><input type=\"checkbox\" "
              "class=\"task-list-item-checkbox\" disabled");
          if (d->task_mark == 'x' || d->task_mark == 'X') {
            out_.append(" checked");
          }
          out_.append(">");
        } else {
          out_.append("<li>");
        }
        break;
      }
      case MD_BLOCK_HR: out_.append("<hr>\n"); break;
      case MD_BLOCK_H: {
        const auto* d = static_cast<MD_BLOCK_H_DETAIL*>(detail);
        heading_start_ = out_.size();
        heading_text_.clear();
        heading_text_.reserve(64);  // grows once for most pages, not 2-3 times
        in_heading_ = true;
        AppendHeadingTag(false, d->level);
        break;
      }
      case MD_BLOCK_CODE: {
        const auto* d = static_cast<MD_BLOCK_CODE_DETAIL*>(detail);
        in_code_block_ = true;
        code_lang_.clear();
        if (d->lang.text != nullptr) code_lang_ = AttributeText(d->lang);
        code_lexer_ = options_.highlight_code && !code_lang_.empty()
                          ? highlight::FindLexer(code_lang_)
                          : nullptr;
        if (code_lexer_ != nullptr) {
          capture_code_ = true;
          code_text_.clear();
          break;
        }
        out_.append("<pre><code");
        if (d->lang.text != nullptr) {
          out_.append(" class=\"language-");
          AppendAttribute(&out_, d->lang, EscapeMd4c);
          out_.append("\"");
        }
        out_.append(">");
        break;
      }
      case MD_BLOCK_HTML: html_block_start_ = out_.size(); break;
      case MD_BLOCK_P:
        if (!summary_found_ && TopLevel()) paragraph_start_ = out_.size();
        out_.append("<p>");
        break;
      case MD_BLOCK_TABLE: out_.append("<table>\n"); break;
      case MD_BLOCK_THEAD: out_.append("<thead>\n"); break;
      case MD_BLOCK_TBODY: out_.append("<tbody>\n"); break;
      case MD_BLOCK_TR: out_.append("<tr>\n"); break;
      case MD_BLOCK_TH:
      case MD_BLOCK_TD: {
        const auto* d = static_cast<MD_BLOCK_TD_DETAIL*>(detail);
        out_.append(type == MD_BLOCK_TH ? "<th" : "<td");
        switch (d->align) {
          case MD_ALIGN_LEFT: out_.append(" align=\"left\">"); break;
          case MD_ALIGN_CENTER: out_.append(" align=\"center\">"); break;
          case MD_ALIGN_RIGHT: out_.append(" align=\"right\">"); break;
          default: out_.append(">"); break;
        }
        break;
      }
    }
  }

  void OnLeaveBlock(MD_BLOCKTYPE type, void* detail) {
    in_word_ = false;
    --frame().block_depth;
    switch (type) {
      case MD_BLOCK_DOC: break;
      case MD_BLOCK_QUOTE: out_.append("</blockquote>\n"); break;
      case MD_BLOCK_UL: out_.append("</ul>\n"); break;
      case MD_BLOCK_OL: out_.append("</ol>\n"); break;
      case MD_BLOCK_LI: out_.append("</li>\n"); break;
      case MD_BLOCK_HR: break;
      case MD_BLOCK_H:
        FinishHeading(static_cast<MD_BLOCK_H_DETAIL*>(detail)->level);
        break;
      case MD_BLOCK_CODE:
        in_code_block_ = false;
        if (capture_code_) {
          capture_code_ = false;
          AppendCodeBlock(code_lang_, code_text_, code_lexer_);
        } else {
          out_.append("</code></pre>\n");
        }
        break;
      case MD_BLOCK_HTML: FinishHtmlBlock(); break;
      case MD_BLOCK_P:
        out_.append("</p>\n");
        if (!summary_found_ && TopLevel() && paragraph_start_ != kNone) {
          result_->summary_html =
              std::string(out_.view().substr(paragraph_start_));
          summary_found_ = true;
        }
        break;
      case MD_BLOCK_TABLE: out_.append("</table>\n"); break;
      case MD_BLOCK_THEAD: out_.append("</thead>\n"); break;
      case MD_BLOCK_TBODY: out_.append("</tbody>\n"); break;
      case MD_BLOCK_TR: out_.append("</tr>\n"); break;
      case MD_BLOCK_TH: out_.append("</th>\n"); break;
      case MD_BLOCK_TD: out_.append("</td>\n"); break;
    }
  }

  void OnEnterSpan(MD_SPANTYPE type, void* detail) {
    // Inside an image's alt text only plain text is written (md4c-html does
    // the same, nested images included).
    if (image_nesting_ > 0) return;
    switch (type) {
      case MD_SPAN_EM: out_.append("<em>"); break;
      case MD_SPAN_STRONG: out_.append("<strong>"); break;
      case MD_SPAN_U: out_.append("<u>"); break;
      case MD_SPAN_A: {
        const auto* d = static_cast<MD_SPAN_A_DETAIL*>(detail);
        out_.append("<a href=\"");
        AppendAttribute(&out_, d->href, AppendUrlEscaped);
        if (d->title.text != nullptr) {
          out_.append("\" title=\"");
          AppendAttribute(&out_, d->title, EscapeMd4c);
        }
        out_.append("\">");
        break;
      }
      case MD_SPAN_IMG: {
        const auto* d = static_cast<MD_SPAN_IMG_DETAIL*>(detail);
        out_.append("<img src=\"");
        AppendAttribute(&out_, d->src, AppendUrlEscaped);
        out_.append("\" alt=\"");
        ++image_nesting_;
        break;
      }
      case MD_SPAN_CODE:
        role_ = options_.directives ? TakeRole() : Role::kNone;
        if (role_ != Role::kNone) {
          role_text_.clear();
        } else {
          out_.append("<code>");
        }
        break;
      case MD_SPAN_DEL: out_.append("<del>"); break;
      case MD_SPAN_LATEXMATH: out_.append("<x-equation>"); break;
      case MD_SPAN_LATEXMATH_DISPLAY:
        out_.append("<x-equation type=\"display\">");
        break;
      case MD_SPAN_WIKILINK: {
        const auto* d = static_cast<MD_SPAN_WIKILINK_DETAIL*>(detail);
        out_.append("<x-wikilink data-target=\"");
        AppendAttribute(&out_, d->target, EscapeMd4c);
        out_.append("\">");
        break;
      }
    }
  }

  void OnLeaveSpan(MD_SPANTYPE type, void* detail) {
    if (image_nesting_ > 0) {
      if (image_nesting_ == 1 && type == MD_SPAN_IMG) {
        const auto* d = static_cast<MD_SPAN_IMG_DETAIL*>(detail);
        if (d->title.text != nullptr) {
          out_.append("\" title=\"");
          AppendAttribute(&out_, d->title, EscapeMd4c);
        }
        out_.append("\">");
        --image_nesting_;
      }
      return;
    }
    switch (type) {
      case MD_SPAN_EM: out_.append("</em>"); break;
      case MD_SPAN_STRONG: out_.append("</strong>"); break;
      case MD_SPAN_U: out_.append("</u>"); break;
      case MD_SPAN_A: out_.append("</a>"); break;
      case MD_SPAN_IMG: break;
      case MD_SPAN_CODE:
        if (role_ != Role::kNone) {
          AppendRole(role_, role_text_);
          role_ = Role::kNone;
        } else {
          out_.append("</code>");
        }
        break;
      case MD_SPAN_DEL: out_.append("</del>"); break;
      case MD_SPAN_LATEXMATH:
      case MD_SPAN_LATEXMATH_DISPLAY: out_.append("</x-equation>"); break;
      case MD_SPAN_WIKILINK: out_.append("</x-wikilink>"); break;
    }
  }

  void OnText(MD_TEXTTYPE type, const MD_CHAR* text, MD_SIZE size) {
    if (capture_code_) {
      if (type == MD_TEXT_NULLCHAR) {
        AppendCodepoint(&code_text_, 0);
      } else {
        code_text_.append(text, size);
      }
      return;
    }
    if (role_ != Role::kNone) {
      if (type == MD_TEXT_NULLCHAR) {
        AppendCodepoint(&role_text_, 0);
      } else {
        role_text_.append(text, size);
      }
      CountWords(text, size);
      return;
    }
    switch (type) {
      case MD_TEXT_NULLCHAR: AppendCodepoint(&out_, 0); break;
      case MD_TEXT_BR:
        out_.append(image_nesting_ == 0 ? "<br>\n" : " ");
        in_word_ = false;
        break;
      case MD_TEXT_SOFTBR:
        out_.push_back(image_nesting_ == 0 ? '\n' : ' ');  // inline, no call
        in_word_ = false;
        if (in_heading_) heading_text_.push_back(' ');
        break;
      case MD_TEXT_HTML:
        if (options_.allow_raw_html || html_block_start_ != kNone) {
          out_.append(text, size);
        }
        break;
      case MD_TEXT_ENTITY:
        AppendEntity(&out_, text, size, EscapeMd4c);
        if (in_heading_) {
          AppendEntity(&heading_text_, text, size, AppendVerbatim<HtmlBuffer>);
        }
        CountWords(text, size);
        break;
      default: {
        if (text_end_ != out_.size()) text_run_start_ = out_.size();
        const size_t chunk_start = out_.size();
        if (in_code_block_) {
          AppendMd4cEscaped(absl::string_view(text, size), &out_);
        } else {
          result_->word_count += AppendEscapedCountingWords(
              absl::string_view(text, size), &out_, &in_word_);
        }
        if (in_heading_) heading_text_.append(text, size);
        if (type == MD_TEXT_NORMAL && !footnote_defs_.empty() &&
            image_nesting_ == 0) {
          LinkFootnoteRefs(chunk_start);
        }
        text_end_ = out_.size();
        break;
      }
    }
  }

  // --- Footnotes --------------------------------------------------------------------

  // Replaces each "[^label]" of a defined label that ends in out_ at or after
  // `chunk_start` (and starts within the current run of plain text) with a
  // numbered reference. Linear in the chunk (src/markdown/pathological_test):
  // "[^" is looked for only as far back as a label can reach, and the text
  // from the first reference on is rebuilt once, not shifted per reference.
  // Out of line: inlined in OnText, its locals (a string, StrAppend's number
  // buffers) made every text callback set up a large stack frame with a
  // stack-protector check.
  ABSL_ATTRIBUTE_NOINLINE void LinkFootnoteRefs(size_t chunk_start) {
    constexpr size_t kMaxLabelReach = 2 + 64;  // "[^" + IsFootnoteLabel's limit
    const absl::string_view text = out_.view();
    std::string rebuilt;          // text[first_open, copied) with references
    size_t first_open = std::string::npos;
    size_t copied = 0;            // text before this is in `rebuilt` (or before it)
    size_t floor = text_run_start_;  // no "[^" starts before this
    for (size_t search = chunk_start;;) {
      const size_t close = text.find(']', search);
      if (close == std::string::npos) break;
      search = close + 1;
      const size_t lo = std::max(
          floor, close > kMaxLabelReach ? close - kMaxLabelReach : size_t{0});
      if (close < lo + 2) continue;
      const size_t found = text.substr(lo, close - lo).rfind("[^");
      if (found == std::string::npos) continue;
      const size_t open = lo + found;
      const absl::string_view label = text.substr(open + 2, close - open - 2);
      if (!IsFootnoteLabel(label)) continue;
      auto it = footnote_index_.find(label);
      if (it == footnote_index_.end()) continue;
      if (first_open == std::string::npos) {
        first_open = copied = open;
      }
      rebuilt.append(text.data() + copied, open - copied);
      int& number = footnote_numbers_[it->second];
      if (number == 0) {
        number = static_cast<int>(footnote_order_.size()) + 1;
        footnote_order_.push_back(it->second);
        absl::StrAppend(&rebuilt, "<sup class=\"footnote-ref\" id=\"fnref-",
                        number, "\"><a href=\"#fn-", number, "\">", number,
                        "</a></sup>");
      } else {
        absl::StrAppend(&rebuilt, "<sup class=\"footnote-ref\"><a href=\"#fn-",
                        number, "\">", number, "</a></sup>");
      }
      copied = floor = close + 1;
    }
    if (first_open == std::string::npos) return;
    // No "[^" may start inside the last reference: the run goes on after it.
    const size_t run_start = first_open + rebuilt.size();
    rebuilt.append(text.data() + copied, text.size() - copied);
    out_.resize(first_open);
    out_.append(rebuilt);
    text_run_start_ = run_start;
  }

  // Appends the referenced notes, in order of first reference (notes may
  // reference further notes; each is rendered once).
  absl::Status RenderFootnotes() {
    if (footnote_order_.empty()) return absl::OkStatus();
    out_.append("<section class=\"footnotes\">\n<ol>\n");
    for (size_t i = 0; i < footnote_order_.size(); ++i) {
      const FootnoteDefinition& def = footnote_defs_[footnote_order_[i]];
      StrAppend(&out_, "<li id=\"fn-", i + 1, "\">\n");
      const size_t body_start = out_.size();
      SERVAL_RETURN_IF_ERROR(
          RenderBlock(def.body, options_.source_path, def.line, 1));
      const std::string backref = absl::StrCat(
          " <a href=\"#fnref-", i + 1,
          "\" class=\"footnote-backref\">\xe2\x86\xa9</a>");
      if (absl::EndsWith(out_, "</p>\n") && out_.size() - 5 >= body_start) {
        out_.insert(out_.size() - 5, backref);
      } else {
        StrAppend(&out_, backref, "\n");
      }
      out_.append("</li>\n");
    }
    out_.append("</ol>\n</section>\n");
    return absl::OkStatus();
  }

  // --- Words --------------------------------------------------------------------

  void CountWords(const char* text, size_t size) {
    result_->word_count +=
        markdown::CountWords(absl::string_view(text, size), &in_word_);
  }

  // --- Headings -----------------------------------------------------------------

  void FinishHeading(int level) {
    in_heading_ = false;
    absl::string_view id;  // in slugs_, valid until its next Unique()
    if (options_.heading_ids) {
      // An explicit "{#id}" at the end of the heading's text.
      absl::string_view text = absl::StripTrailingAsciiWhitespace(heading_text_);
      const size_t open = absl::EndsWith(text, "}") && text_end_ == out_.size()
                              ? text.rfind("{#")
                              : absl::string_view::npos;
      if (open != absl::string_view::npos) {
        absl::string_view candidate =
            text.substr(open + 2, text.size() - open - 3);
        const std::string marker = absl::StrCat("{#", candidate, "}");
        absl::string_view html = out_.view();
        html = absl::StripTrailingAsciiWhitespace(html);
        if (IsValidExplicitId(candidate) && absl::EndsWith(html, marker)) {
          id = slugs_.Unique(candidate);
          html.remove_suffix(marker.size());
          html = absl::StripTrailingAsciiWhitespace(html);
          out_.resize(std::max(html.size(), heading_start_ + 4));
          heading_text_.resize(open);
        }
      }
      if (id.empty()) {
        SlugifyTo(heading_text_, &slug_);
        id = slugs_.Unique(slug_);
      }
      // " id=\"ID\"" after "<hN": one move of the heading's HTML.
      const size_t at = heading_start_ + 3;
      out_.insert(at, id.size() + 6, '"');
      std::memcpy(&out_[at], " id=", 4);
      std::memcpy(&out_[at + 5], id.data(), id.size());
      if (options_.heading_anchors) {
        out_.append("<a class=\"headerlink\" href=\"#");
        out_.append(id.data(), id.size());
        out_.append("\" title=\"Permanent link\">\xc2\xb6</a>");
      }
    }
    AppendHeadingTag(true, level);
    if (level >= options_.toc_min_level && level <= options_.toc_max_level) {
      if (result_->toc.empty()) result_->toc.reserve(8);
      result_->toc.push_back(TocEntry{
          level, std::string(id),
          std::string(absl::StripAsciiWhitespace(heading_text_))});
    }
  }

  // "<hN>" or "</hN>\n" (N is 1..6, as md4c gives it), put together on the
  // stack and appended once (three appends were two more out-of-line calls).
  void AppendHeadingTag(bool close, int level) {
    const char digit = static_cast<char>('0' + level);
    if (close) {
      const char tag[6] = {'<', '/', 'h', digit, '>', '\n'};
      out_.append(tag, sizeof(tag));
    } else {
      const char tag[4] = {'<', 'h', digit, '>'};
      out_.append(tag, sizeof(tag));
    }
  }

  static std::string TocHtml(const std::vector<TocEntry>& toc) {
    if (toc.empty()) return "";
    HtmlBuffer html;
    size_t size = 16;
    for (const TocEntry& e : toc) size += e.id.size() + e.title.size() + 32;
    html.reserve(size);
    absl::InlinedVector<int, 6> open;  // levels of the open <ul>s
    for (const TocEntry& e : toc) {
      if (open.empty() || e.level > open.back()) {
        html.append(open.empty() ? "<ul>\n" : "\n<ul>\n");
        open.push_back(e.level);
      } else {
        html.append("</li>\n");
        while (open.size() > 1 && e.level < open.back()) {
          html.append("</ul>\n</li>\n");
          open.pop_back();
        }
      }
      html.append("<li><a href=\"#");
      // Slugs and valid explicit ids hold nothing HTML escaping changes.
      html.append(e.id);
      html.append("\">");
      AppendHtmlEscaped(e.title, &html);
      html.append("</a>");
    }
    html.append("</li>\n");
    while (!open.empty()) {
      open.pop_back();
      html.append(open.empty() ? "</ul>\n" : "</ul>\n</li>\n");
    }
    return html.Release();
  }

  // --- Code -----------------------------------------------------------------------

  // `lexer`: FindLexer(lang) when the caller has looked it up already.
  void AppendCodeBlock(absl::string_view lang, absl::string_view code,
                       const highlight::Lexer* lexer = nullptr) {
    if (lexer == nullptr && options_.highlight_code) {
      lexer = highlight::FindLexer(lang);
    }
    const bool known = lexer != nullptr;
    if (known) out_.append("<div class=\"highlight\">");
    out_.append("<pre><code");
    if (!lang.empty()) {
      out_.append(" class=\"language-");
      AppendEscaped(lang);
      out_.append("\"");
    }
    out_.append(">");
    if (known) {
      // The highlighter writes a std::string: one copy of its HTML.
      code_html_.clear();
      highlight::AppendHighlightedHtml(*lexer, code, &code_html_);
      out_.append(code_html_);
    } else {
      AppendMd4cEscaped(code, &out_);
    }
    out_.append("</code></pre>");
    if (known) out_.append("</div>");
    out_.append("\n");
  }

  // --- Roles --------------------------------------------------------------------

  // If the text just written ends with "{kbd}" (or another role), removes it
  // and returns the role the following code span takes.
  Role TakeRole() {
    if (text_end_ != out_.size()) return Role::kNone;
    static constexpr std::pair<absl::string_view, Role> kRoles[] = {
        {"{kbd}", Role::kKbd},
        {"{abbr}", Role::kAbbr},
        {"{sub}", Role::kSub},
        {"{sup}", Role::kSup}};
    for (const auto& [marker, role] : kRoles) {
      if (absl::EndsWith(out_, marker)) {
        out_.resize(out_.size() - marker.size());
        return role;
      }
    }
    return Role::kNone;
  }

  void AppendRole(Role role, absl::string_view text) {
    switch (role) {
      case Role::kKbd: {
        out_.append("<kbd class=\"kbd\">");
        bool first = true;
        for (absl::string_view key : absl::StrSplit(text, '+')) {
          if (!first) out_.append("+");
          first = false;
          out_.append("<kbd>");
          AppendEscaped(key);
          out_.append("</kbd>");
        }
        out_.append("</kbd>");
        break;
      }
      case Role::kAbbr: {
        absl::string_view term = text;
        absl::string_view title;
        const size_t open = text.rfind(" (");
        if (open != absl::string_view::npos && absl::EndsWith(text, ")")) {
          term = text.substr(0, open);
          title = text.substr(open + 2, text.size() - open - 3);
        }
        out_.append("<abbr");
        if (!title.empty()) {
          out_.append(" title=\"");
          AppendEscaped(title);
          out_.append("\"");
        }
        out_.append(">");
        AppendEscaped(term);
        out_.append("</abbr>");
        break;
      }
      case Role::kSub:
      case Role::kSup: {
        const char* tag = role == Role::kSub ? "sub" : "sup";
        StrAppend(&out_, "<", tag, ">");
        AppendEscaped(text);
        StrAppend(&out_, "</", tag, ">");
        break;
      }
      case Role::kNone: break;
    }
    text_end_ = out_.size();
  }

  // --- HTML blocks: placeholders and <!--more--> ---------------------------------

  void FinishHtmlBlock() {
    const size_t start = html_block_start_;
    html_block_start_ = kNone;
    absl::string_view block = out_.view().substr(start);
    Frame& f = frame();
    if (f.split.has_directives) {
      const int index = PlaceholderIndex(block, f.split.placeholder_prefix);
      if (index >= 0 && static_cast<size_t>(index) < f.split.directives.size()) {
        out_.resize(start);
        RenderDirective(f.split.directives[index], f, "");
        return;
      }
    }
    if (absl::StripAsciiWhitespace(block) == "<!--more-->") {
      if (frames_.size() == 1 && !result_->has_more_marker) {
        result_->has_more_marker = true;
        result_->summary_html = std::string(out_.view().substr(0, start));
        summary_found_ = true;
      }
      return;
    }
    if (!options_.allow_raw_html) {
      out_.resize(start);
      out_.append("<!-- raw HTML omitted -->\n");
    }
  }

  // --- Directives -----------------------------------------------------------------

  void RenderBody(const Directive& d, const Frame& f) {
    absl::Status s = RenderBlock(d.body, *f.file, f.line_base + d.body_line - 1,
                                 f.depth + 1);
    if (!s.ok() && status_.ok()) status_ = s;
  }

  // Renders directive `d` found in frame `f`; `parent` is the enclosing
  // directive's name when a container renders its children.
  void RenderDirective(const Directive& d, const Frame& f,
                       absl::string_view parent) {
    const int line = f.line_base + d.line - 1;
    const std::string name = absl::AsciiStrToLower(d.name);
    if (f.depth + 1 > kMaxRenderDepth) {
      Warn(*f.file, line, d.column, absl::StrCat("directive {", name,
                                      "} nested too deeply; rendered as text"));
      out_.append("<pre>");
      AppendEscaped(d.body);
      out_.append("</pre>\n");
      return;
    }
    if (!d.closed) {
      Warn(*f.file, line, d.column,
           absl::StrCat("directive {", name, "} is not closed"));
    }
    const std::string extra = SafeClasses(d.Option("class"));
    const std::string extra_classes = extra.empty() ? "" : " " + extra;
    if (IsAdmonition(name)) {
      StrAppend(&out_, "<div class=\"admonition ", name, extra_classes,
                      "\">\n<p class=\"admonition-title\">",
                      Escaped(d.title.empty() ? Capitalized(name) : d.title),
                      "</p>\n");
      RenderBody(d, f);
      out_.append("</div>\n");
    } else if (name == "dropdown") {
      StrAppend(&out_, "<details class=\"dropdown", extra_classes, "\"",
                      d.HasOption("open") ? " open" : "", ">\n<summary>",
                      Escaped(d.title.empty() ? "Details" : d.title),
                      "</summary>\n<div class=\"dropdown-body\">\n");
      RenderBody(d, f);
      out_.append("</div>\n</details>\n");
    } else if (name == "tab-set") {
      RenderContainer(d, f, name, "tab-item");
    } else if (name == "code-tabs") {
      RenderCodeTabs(d, f);
    } else if (name == "cards") {
      RenderContainer(d, f, name, "card");
    } else if (name == "steps") {
      RenderContainer(d, f, name, "step");
    } else if (name == "tab-item") {
      StrAppend(&out_, "<div class=\"tab-panel", extra_classes,
                      "\" role=\"tabpanel\">\n");
      RenderBody(d, f);
      out_.append("</div>\n");
    } else if (name == "card") {
      RenderCard(d, f);
    } else if (name == "step") {
      const bool in_steps = parent == "steps";
      StrAppend(&out_, in_steps ? "<li" : "<div", " class=\"step",
                      extra_classes, "\">\n");
      if (!d.title.empty()) {
        StrAppend(&out_, "<p class=\"step-title\">", Escaped(d.title),
                        "</p>\n");
      }
      RenderBody(d, f);
      out_.append(in_steps ? "</li>\n" : "</div>\n");
    } else if (name == "badge") {
      const std::string color = SafeClasses(d.Option("color", "primary"));
      StrAppend(&out_, "<span class=\"badge badge-", color,
                      extra_classes, "\">", Escaped(d.title), "</span>\n");
    } else if (name == "button") {
      RenderButton(d, f, line);
    } else if (name == "list-table") {
      RenderListTable(d, f, line);
    } else if (name == "include") {
      RenderInclude(d, f, line, /*literal=*/false);
    } else if (name == "literalinclude") {
      RenderInclude(d, f, line, /*literal=*/true);
    } else if (name == "code-block" || name == "code" ||
               name == "sourcecode") {
      AppendCodeBlock(d.title, d.body);
    } else {
      Warn(*f.file, line, d.column, absl::StrCat("unknown directive {", name, "}"));
      StrAppend(&out_, "<div class=\"directive-unknown\" data-directive=\"",
                      Escaped(name), "\">\n");
      RenderBody(d, f);
      out_.append("</div>\n");
    }
  }

  // tab-set, cards and steps: a wrapper around their child directives.
  void RenderContainer(const Directive& d, const Frame& f,
                       absl::string_view name, absl::string_view child) {
    Frame inner;
    inner.file = f.file;
    inner.line_base = f.line_base + d.body_line - 1;
    inner.depth = f.depth + 1;
    inner.split = SplitDirectives(d.body);
    std::vector<const Directive*> children;
    for (const Directive& c : inner.split.directives) {
      if (absl::AsciiStrToLower(c.name) == child) children.push_back(&c);
    }
    const std::string extra = SafeClasses(d.Option("class"));
    std::string stray = inner.split.has_directives ? inner.split.markdown
                                                    : d.body;
    // Placeholders aside, a container holds only its children.
    bool has_stray = false;
    for (absl::string_view l : absl::StrSplit(stray, '\n')) {
      l = absl::StripAsciiWhitespace(l);
      if (!l.empty() &&
          PlaceholderIndex(l, inner.split.placeholder_prefix) < 0) {
        has_stray = true;
      }
    }
    if (has_stray) {
      Warn(*f.file, f.line_base + d.line - 1, d.column,
           absl::StrCat("{", name, "} holds text outside its {", child,
                        "} items; it is ignored"));
    }
    if (name == "tab-set") {
      StrAppend(&out_, "<div class=\"tab-set", extra.empty() ? "" : " ",
                      extra, "\">\n<div class=\"tab-labels\" role=\"tablist\">");
      size_t active = 0;
      for (size_t i = 0; i < children.size(); ++i) {
        if (children[i]->HasOption("selected")) active = i;
      }
      for (size_t i = 0; i < children.size(); ++i) {
        StrAppend(&out_, "<button class=\"tab-label",
                        i == active ? " active" : "",
                        "\" role=\"tab\" data-tab=\"", i, "\">",
                        Escaped(children[i]->title.empty()
                                    ? absl::StrCat("Tab ", i + 1)
                                    : children[i]->title),
                        "</button>");
      }
      out_.append("</div>\n");
      for (size_t i = 0; i < children.size(); ++i) {
        StrAppend(&out_, "<div class=\"tab-panel",
                        i == active ? " active" : "",
                        "\" role=\"tabpanel\" data-tab=\"", i, "\">\n");
        RenderBody(*children[i], inner);
        out_.append("</div>\n");
      }
      out_.append("</div>\n");
      return;
    }
    if (name == "cards") {
      int columns = 0;
      if (!absl::SimpleAtoi(d.Option("columns"), &columns)) columns = 0;
      StrAppend(&out_, "<div class=\"card-grid", extra.empty() ? "" : " ",
                      extra, "\"");
      if (columns > 0 && columns <= 12) {
        StrAppend(&out_, " data-columns=\"", columns, "\"");
      }
      out_.append(">\n");
      for (const Directive* c : children) RenderCard(*c, inner);
      out_.append("</div>\n");
      return;
    }
    StrAppend(&out_, "<ol class=\"steps", extra.empty() ? "" : " ", extra,
                    "\">\n");
    for (const Directive* c : children) RenderDirective(*c, inner, "steps");
    out_.append("</ol>\n");
  }

  void RenderCard(const Directive& d, const Frame& f) {
    const std::string extra = SafeClasses(d.Option("class"));
    const std::string link = SafeUrl(d.Option("link"));
    StrAppend(&out_, "<div class=\"card", extra.empty() ? "" : " ", extra,
                    "\">\n");
    if (!d.title.empty()) {
      out_.append("<p class=\"card-title\">");
      if (!link.empty()) StrAppend(&out_, "<a href=\"", Escaped(link), "\">");
      AppendEscaped(d.title);
      if (!link.empty()) out_.append("</a>");
      out_.append("</p>\n");
    }
    out_.append("<div class=\"card-body\">\n");
    RenderBody(d, f);
    out_.append("</div>\n");
    if (d.HasOption("footer")) {
      StrAppend(&out_, "<div class=\"card-footer\">",
                      Escaped(d.Option("footer")), "</div>\n");
    }
    out_.append("</div>\n");
  }

  void RenderButton(const Directive& d, const Frame& f, int line) {
    std::string target(d.Option("link", d.title));
    std::string label(absl::StripAsciiWhitespace(d.body));
    if (label.empty()) label = d.HasOption("link") ? d.title : target;
    const std::string url = SafeUrl(target);
    if (url.empty()) {
      Warn(*f.file, line, d.column, "{button} link is missing or not a safe URL");
    }
    const std::string color = SafeClasses(d.Option("color", "primary"));
    const std::string extra = SafeClasses(d.Option("class"));
    StrAppend(&out_, "<a class=\"button button-", color,
                    extra.empty() ? "" : " ", extra, "\" href=\"",
                    Escaped(url.empty() ? "#" : url), "\">", Escaped(label),
                    "</a>\n");
  }

  // code-tabs: fenced code blocks, each a tab labelled by the heading line
  // before it ("### Python") or else by its language.
  void RenderCodeTabs(const Directive& d, const Frame& f) {
    struct Tab {
      std::string label, lang, code;
    };
    std::vector<Tab> tabs;
    std::string pending_label;
    std::vector<absl::string_view> lines = absl::StrSplit(d.body, '\n');
    for (size_t i = 0; i < lines.size(); ++i) {
      absl::string_view l = absl::StripTrailingAsciiWhitespace(lines[i]);
      absl::string_view t = absl::StripLeadingAsciiWhitespace(l);
      if (absl::StartsWith(t, "#")) {
        pending_label = std::string(
            absl::StripAsciiWhitespace(absl::StripLeadingAsciiWhitespace(
                t.substr(t.find_first_not_of('#') == absl::string_view::npos
                             ? t.size()
                             : t.find_first_not_of('#')))));
        continue;
      }
      const char fc = t.empty() ? 0 : t[0];
      if (fc != '`' && fc != '~') continue;
      size_t run = t.find_first_not_of(fc);
      if (run == absl::string_view::npos) run = t.size();
      if (run < 3) continue;
      Tab tab;
      tab.lang = std::string(absl::StripAsciiWhitespace(t.substr(run)));
      const size_t space = tab.lang.find_first_of(" \t");
      if (space != std::string::npos) tab.lang.resize(space);
      size_t j = i + 1;
      for (; j < lines.size(); ++j) {
        absl::string_view c = absl::StripAsciiWhitespace(lines[j]);
        if (c.size() >= run && c.find_first_not_of(fc) == absl::string_view::npos) {
          break;
        }
        absl::StrAppend(&tab.code, lines[j], "\n");
      }
      i = j;
      tab.label = !pending_label.empty() ? pending_label
                  : !tab.lang.empty()    ? tab.lang
                                         : "Code";
      pending_label.clear();
      tabs.push_back(std::move(tab));
    }
    if (tabs.empty()) {
      Warn(*f.file, f.line_base + d.line - 1, d.column, "{code-tabs} holds no code block");
    }
    out_.append("<div class=\"tab-set code-tabs\">\n<div class=\"tab-labels\" role=\"tablist\">");
    for (size_t i = 0; i < tabs.size(); ++i) {
      StrAppend(&out_, "<button class=\"tab-label", i == 0 ? " active" : "",
                      "\" role=\"tab\" data-tab=\"", i, "\">",
                      Escaped(tabs[i].label), "</button>");
    }
    out_.append("</div>\n");
    for (size_t i = 0; i < tabs.size(); ++i) {
      StrAppend(&out_, "<div class=\"tab-panel", i == 0 ? " active" : "",
                      "\" role=\"tabpanel\" data-tab=\"", i, "\">\n");
      AppendCodeBlock(tabs[i].lang, tabs[i].code);
      out_.append("</div>\n");
    }
    out_.append("</div>\n");
  }

  // Renders `markdown` as inline content: one paragraph loses its <p>.
  std::string RenderFragment(absl::string_view markdown, const Frame& f,
                             int line) {
    HtmlBuffer saved = std::move(out_);
    absl::Status s = RenderBlock(markdown, *f.file, line, f.depth + 1);
    if (!s.ok() && status_.ok()) status_ = s;
    std::string html = out_.Release();
    out_ = std::move(saved);
    text_end_ = kNone;
    absl::string_view v = html;
    if (absl::StartsWith(v, "<p>") && absl::EndsWith(v, "</p>\n") &&
        v.find("<p>", 1) == absl::string_view::npos) {
      return std::string(v.substr(3, v.size() - 8));
    }
    return html;
  }

  // list-table: a bullet list of rows, each a bullet list of cells.
  void RenderListTable(const Directive& d, const Frame& f, int line) {
    struct Cell {
      std::string text;
      int line = 0;
    };
    std::vector<std::vector<Cell>> rows;
    size_t cell_indent = 0;
    int line_no = f.line_base + d.body_line - 1;
    for (absl::string_view raw : absl::StrSplit(d.body, '\n')) {
      const int this_line = line_no++;
      absl::string_view l = absl::StripTrailingAsciiWhitespace(raw);
      const size_t indent = l.find_first_not_of(' ');
      if (indent == absl::string_view::npos) {
        if (!rows.empty() && !rows.back().empty()) rows.back().back().text += "\n";
        continue;
      }
      absl::string_view t = l.substr(indent);
      if ((absl::StartsWith(t, "* - ") || absl::StartsWith(t, "- - ") ||
           t == "* -" || t == "- -") &&
          (rows.empty() || indent < cell_indent)) {
        rows.emplace_back();
        cell_indent = indent + 2;
        rows.back().push_back(
            Cell{std::string(t.size() > 4 ? t.substr(4) : ""), this_line});
      } else if (!rows.empty() && indent == cell_indent &&
                 (absl::StartsWith(t, "- ") || t == "-")) {
        rows.back().push_back(
            Cell{std::string(t.size() > 2 ? t.substr(2) : ""), this_line});
      } else if (!rows.empty() && !rows.back().empty()) {
        const size_t strip = std::min(indent, cell_indent + 2);
        absl::StrAppend(&rows.back().back().text, "\n", l.substr(strip));
      } else {
        Warn(*f.file, this_line, static_cast<int>(indent) + 1,
             "{list-table} line outside any row");
      }
    }
    int header_rows = 0;
    if (!absl::SimpleAtoi(d.Option("header-rows", "0"), &header_rows)) {
      header_rows = 0;
    }
    header_rows = std::max(0, std::min<int>(header_rows, rows.size()));
    std::vector<int> widths;
    for (absl::string_view w :
         absl::StrSplit(d.Option("widths"), absl::ByAnyChar(" ,"),
                        absl::SkipEmpty())) {
      int v = 0;
      if (absl::SimpleAtoi(w, &v) && v > 0 && v <= 1000) widths.push_back(v);
    }
    const std::string extra = SafeClasses(d.Option("class"));
    StrAppend(&out_, "<table class=\"list-table", extra.empty() ? "" : " ",
                    extra, "\">\n");
    if (!d.title.empty()) {
      StrAppend(&out_, "<caption>", Escaped(d.title), "</caption>\n");
    }
    if (!widths.empty()) {
      int total = 0;
      for (int w : widths) total += w;
      out_.append("<colgroup>\n");
      for (int w : widths) {
        StrAppend(&out_, "<col style=\"width: ", w * 100 / total,
                        "%\">\n");
      }
      out_.append("</colgroup>\n");
    }
    for (int r = 0; r < static_cast<int>(rows.size()); ++r) {
      if (r == 0 && header_rows > 0) out_.append("<thead>\n");
      if (r == header_rows) out_.append("<tbody>\n");
      out_.append("<tr>\n");
      const char* tag = r < header_rows ? "th" : "td";
      for (const Cell& c : rows[r]) {
        StrAppend(&out_, "<", tag, ">", RenderFragment(c.text, f, c.line),
                        "</", tag, ">\n");
      }
      out_.append("</tr>\n");
      if (r + 1 == header_rows) out_.append("</thead>\n");
    }
    if (static_cast<int>(rows.size()) > header_rows) out_.append("</tbody>\n");
    out_.append("</table>\n");
    (void)line;
  }

  void RenderInclude(const Directive& d, const Frame& f, int line,
                     bool literal) {
    const char* what = literal ? "{literalinclude}" : "{include}";
    const std::string path = NormalizeContentPath(d.title);
    if (path.empty()) {
      Warn(*f.file, line, d.column,
           absl::StrCat(what, " path \"", d.title,
                        "\" is empty, absolute or outside the content root"),
           Diagnostic::Severity::kError);
      return;
    }
    if (std::find(include_stack_.begin(), include_stack_.end(), path) !=
        include_stack_.end()) {
      Warn(*f.file, line, d.column,
           absl::StrCat(what, " cycle: ", absl::StrJoin(include_stack_, " -> "),
                        " -> ", path),
           Diagnostic::Severity::kError);
      return;
    }
    if (!options_.read_file) {
      Warn(*f.file, line, d.column, absl::StrCat(what, " \"", path, "\": no file reader"),
           Diagnostic::Severity::kError);
      return;
    }
    absl::StatusOr<std::string> content = options_.read_file(path);
    result_->dependencies.push_back(path);
    if (!content.ok()) {
      Warn(*f.file, line, d.column,
           absl::StrCat(what, " \"", path, "\": ", content.status().message()),
           Diagnostic::Severity::kError);
      return;
    }
    if (literal) {
      std::string text = SelectLines(*content, d, f, line);
      std::string lang(d.Option("language", d.Option("lang")));
      if (lang.empty()) lang = LanguageForPath(path);
      if (d.HasOption("caption")) {
        StrAppend(&out_, "<div class=\"code-caption\">",
                        Escaped(d.Option("caption")), "</div>\n");
      }
      AppendCodeBlock(lang, text);
      return;
    }
    include_stack_.push_back(path);
    absl::Status s = RenderBlock(*content, path, 1, f.depth + 1);
    include_stack_.pop_back();
    if (!s.ok() && status_.ok()) status_ = s;
  }

  // literalinclude's :lines: (e.g. "3-7", "2", "5-"), :start-after: and
  // :end-before:.
  std::string SelectLines(const std::string& content, const Directive& d,
                          const Frame& f, int line) {
    absl::string_view text = content;
    if (d.HasOption("start-after")) {
      const size_t at = text.find(d.Option("start-after"));
      if (at != absl::string_view::npos) {
        const size_t eol = text.find('\n', at);
        text = eol == absl::string_view::npos ? "" : text.substr(eol + 1);
      }
    }
    if (d.HasOption("end-before")) {
      const size_t at = text.find(d.Option("end-before"));
      if (at != absl::string_view::npos) {
        const size_t bol = text.rfind('\n', at);
        text = bol == absl::string_view::npos ? "" : text.substr(0, bol + 1);
      }
    }
    if (!d.HasOption("lines")) return std::string(text);
    std::vector<absl::string_view> lines = absl::StrSplit(text, '\n');
    if (!lines.empty() && lines.back().empty()) lines.pop_back();
    int first = 1, last = static_cast<int>(lines.size());
    absl::string_view spec = absl::StripAsciiWhitespace(d.Option("lines"));
    std::pair<absl::string_view, absl::string_view> range =
        absl::StrSplit(spec, absl::MaxSplits('-', 1));
    const bool ok =
        (range.first.empty() || absl::SimpleAtoi(range.first, &first)) &&
        (range.second.empty() ? (spec.find('-') != absl::string_view::npos ||
                                 (last = first, true))
                              : absl::SimpleAtoi(range.second, &last));
    if (!ok || first < 1 || last < first) {
      Warn(*f.file, line, d.column, absl::StrCat("{literalinclude} bad :lines: \"",
                                      spec, "\""));
      return std::string(text);
    }
    std::string out;
    for (int i = first; i <= last && i <= static_cast<int>(lines.size()); ++i) {
      absl::StrAppend(&out, lines[i - 1], "\n");
    }
    return out;
  }

  static constexpr size_t kNone = static_cast<size_t>(-1);

  const MarkdownOptions& options_;
  RenderedMarkdown* result_;
  MD_PARSER parser_;
  absl::Status status_;
  HtmlBuffer out_;
  std::string code_html_;  // AppendCodeBlock's reused buffer
  std::vector<Frame*> frames_;
  // The files being rendered, outermost first (views of strings that
  // outlive their entries).
  absl::InlinedVector<absl::string_view, 4> include_stack_;
  SlugRegistry slugs_;

  int image_nesting_ = 0;
  size_t html_block_start_ = kNone;
  size_t paragraph_start_ = kNone;
  bool summary_found_ = false;
  bool in_word_ = false;

  bool in_heading_ = false;
  size_t heading_start_ = 0;
  HtmlBuffer heading_text_;
  std::string slug_;  // the current heading's slug (a reused buffer)
  size_t text_end_ = kNone;  // out_.size() after the last plain text
  size_t text_run_start_ = 0;  // where the current run of plain text began

  std::vector<FootnoteDefinition> footnote_defs_;
  absl::flat_hash_map<std::string, size_t> footnote_index_;  // label -> def
  absl::flat_hash_map<size_t, int> footnote_numbers_;         // def -> number
  std::vector<size_t> footnote_order_;  // defs in order of first reference

  bool in_code_block_ = false;
  bool capture_code_ = false;
  std::string code_lang_;
  const highlight::Lexer* code_lexer_ = nullptr;  // code_lang_'s, when captured
  HtmlBuffer code_text_;

  Role role_ = Role::kNone;
  HtmlBuffer role_text_;
};

}  // namespace

MarkdownOptions MarkdownOptions::CommonMark() {
  MarkdownOptions o;
  o.github_extensions = false;
  o.heading_ids = false;
  o.highlight_code = false;
  o.directives = false;
  o.footnotes = false;
  return o;
}

std::string Diagnostic::ToString() const {
  return absl::StrCat(file, ":", line, ":", column, ": ",
                      severity == Severity::kError ? "error" : "warning", ": ",
                      message);
}

std::string NormalizeContentPath(absl::string_view path) {
  path = absl::StripAsciiWhitespace(path);
  if (path.empty() || path[0] == '/' || absl::StrContains(path, '\\') ||
      absl::StrContains(path, '\0')) {
    return "";
  }
  std::vector<absl::string_view> parts;
  for (absl::string_view part : absl::StrSplit(path, '/')) {
    if (part.empty() || part == ".") continue;
    if (part == "..") {
      if (parts.empty()) return "";
      parts.pop_back();
      continue;
    }
    parts.push_back(part);
  }
  return absl::StrJoin(parts, "/");
}

absl::StatusOr<RenderedMarkdown> RenderMarkdown(absl::string_view source,
                                                const MarkdownOptions& options) {
  if (source.size() > options.max_input_bytes ||
      source.size() > 0x7fffffffu) {
    return absl::ResourceExhaustedError(
        absl::StrCat(options.source_path, ": ", source.size(),
                     " bytes is over the limit of ", options.max_input_bytes));
  }
  RenderedMarkdown result;
  Renderer renderer(options, &result);
  absl::Status status = renderer.RenderDocument(source);
  if (!status.ok()) return status;
  return result;
}

}  // namespace serval::markdown
