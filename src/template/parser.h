// parser.h — Jinja2 tokens to a syntax tree.
//
// Follows Jinja2's grammar and operator precedence (jinja2/parser.py):
// conditional expressions, or/and/not, comparisons and `in`, + - ~ * / //
// % **, unary minus, filters, tests, calls, attribute and subscript access,
// slices, and every statement in ast.h. Nesting is bounded (kMaxDepth), so
// no input can overflow the stack.
//
// Example:
//   absl::StatusOr<ParsedTemplate> t = Parse(source, {}, "page.html");
//
// Errors are InvalidArgument "file:line:col: message" with the offending
// line and a caret. Thread-safe: pure function.
#ifndef SERVAL_TEMPLATE_PARSER_H_
#define SERVAL_TEMPLATE_PARSER_H_

#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "src/template/ast.h"
#include "src/template/lexer.h"

namespace serval::tmpl {

// Maximum nesting of expressions and of statements.
inline constexpr int kMaxParseDepth = 200;

struct ParsedTemplate {
  Body body;
  // Every {% block %} of the template, nested ones included.
  absl::flat_hash_map<std::string, const Stmt*> blocks;
  bool has_extends = false;
};

absl::StatusOr<ParsedTemplate> Parse(absl::string_view source,
                                     const LexOptions& options,
                                     absl::string_view file);

}  // namespace serval::tmpl

#endif  // SERVAL_TEMPLATE_PARSER_H_
