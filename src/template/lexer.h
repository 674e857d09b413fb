// lexer.h — Jinja2 template source to tokens.
//
// Splits source into data, `{{ }}`, `{% %}` and `{# #}` with Jinja2's
// whitespace control (`{%-`, `-%}`, `+%}`, trim_blocks, lstrip_blocks),
// `{% raw %}` blocks, and Jinja2's removal of one trailing newline
// (keep_trailing_newline=false). Inside tags it yields names, numbers,
// strings (Python escapes) and operators. Every token carries its 1-based
// line and column.
//
// Example:
//   LexOptions options;
//   absl::StatusOr<std::vector<Token>> tokens = Lex("a {{ b }}", options,
//                                                    "t.html");
//
// Errors are InvalidArgument "file:line:col: message" followed by the
// offending line and a caret. Thread-safe: pure function.
#ifndef SERVAL_TEMPLATE_LEXER_H_
#define SERVAL_TEMPLATE_LEXER_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace serval::tmpl {

struct LexOptions {
  bool trim_blocks = false;
  bool lstrip_blocks = false;
  bool keep_trailing_newline = false;
};

enum class TokenType {
  kData,
  kVariableBegin,
  kVariableEnd,
  kBlockBegin,
  kBlockEnd,
  kName,
  kInt,
  kFloat,
  kString,
  kOperator,
  kEof,
};

struct Token {
  TokenType type;
  std::string text;  // data, name, operator, unescaped string, number text
  int line = 1;
  int col = 1;
};

absl::StatusOr<std::vector<Token>> Lex(absl::string_view source,
                                       const LexOptions& options,
                                       absl::string_view file);

// "file:line:col: message\n  <source line>\n  ^" as an InvalidArgument
// status. Used by the lexer, the parser and strict undefined errors.
absl::Status SourceError(absl::string_view source, absl::string_view file,
                         int line, int col, absl::string_view message);

}  // namespace serval::tmpl

#endif  // SERVAL_TEMPLATE_LEXER_H_
