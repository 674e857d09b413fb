// The language table: one LexerDef per language, written after the
// corresponding Pygments lexer (same token types, RE2 patterns).
#include "src/highlight/languages.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"

namespace serval::highlight {
namespace {

#include "src/highlight/css_words.inc"

using T = TokenType;

RuleDef R(std::string pattern, T type, std::string next = "") {
  return RuleDef{std::move(pattern), {type}, std::move(next)};
}
RuleDef G(std::string pattern, std::vector<T> types, std::string next = "") {
  return RuleDef{std::move(pattern), std::move(types), std::move(next)};
}
RuleDef Include(std::string state) {
  return RuleDef{"", {T::kText}, "include:" + state};
}
// Pygments' default(state): an empty match that only changes state.
RuleDef Default(std::string next) { return RuleDef{"", {T::kText}, std::move(next)}; }

// Strings with escapes, shared by C-like languages: emits `type` for the
// body and String.Escape for escapes, popping on `quote`.
StateDef StringState(std::string name, std::string quote, T type,
                     bool interpolate_dollar_brace = false) {
  StateDef s{std::move(name), {}};
  s.rules.push_back(R(R"(\\(?:[\\abfnrtv"'`0?]|x[a-fA-F0-9]{1,4}|u[a-fA-F0-9]{4}|U[a-fA-F0-9]{8}|u\{[a-fA-F0-9]+\}|[0-7]{1,3}))", T::kStringEscape));
  if (interpolate_dollar_brace) {
    s.rules.push_back(R(R"(\$\{)", T::kStringInterpol, "interp"));
  }
  s.rules.push_back(R(quote, type, "#pop"));
  s.rules.push_back(R(absl::StrCat("[^\\\\", quote, interpolate_dollar_brace ? "$" : "", "\\n]+"), type));
  s.rules.push_back(R(R"(\\\n)", type));
  s.rules.push_back(R(R"(\\)", type));
  if (interpolate_dollar_brace) s.rules.push_back(R(R"(\$)", type));
  return s;
}

// --- Python -------------------------------------------------------------------
LexerDef Python() {
  LexerDef d;
  d.name = "python";
  d.aliases = {"py", "python3", "py3", "sage", "bazel", "starlark", "bzl"};
  const std::string str_prefix = "(?:[rR]|[uU]|[bB]|[fF]|[rR][bB]|[bB][rR]|[fF][rR]|[rR][fF])?";
  d.states = {
      {"root",
       {R(R"(\n)", T::kWhitespace),
        G(R"(^([ \t]*)([rRuUbB]{0,2})("""(?s:.)*?"""))", {T::kWhitespace, T::kStringAffix, T::kStringDoc}),
        G(R"(^([ \t]*)([rRuUbB]{0,2})('''(?s:.)*?'''))", {T::kWhitespace, T::kStringAffix, T::kStringDoc}),
        R(R"(\A#!.+$)", T::kCommentHashbang),
        R(R"(#.*$)", T::kCommentSingle),
        R(R"(\\\n)", T::kText),
        R(R"(\\)", T::kText),
        G(R"((def)([ \t]+))", {T::kKeyword, T::kText}, "funcname"),
        G(R"((class)([ \t]+))", {T::kKeyword, T::kText}, "classname"),
        G(R"((from)([ \t]+))", {T::kKeywordNamespace, T::kText}, "fromimport"),
        G(R"((import)([ \t]+))", {T::kKeywordNamespace, T::kText}, "import"),
        Include("expr")}},
      {"expr",
       {G("([fF][rR]?|[rR][fF])(\"\"\")", {T::kStringAffix, T::kStringDouble}, "tdqs"),
        G("([fF][rR]?|[rR][fF])(''')", {T::kStringAffix, T::kStringSingle}, "tsqs"),
        G("([fF][rR]?|[rR][fF])(\")", {T::kStringAffix, T::kStringDouble}, "dqfs"),
        G("([fF][rR]?|[rR][fF])(')", {T::kStringAffix, T::kStringSingle}, "sqfs"),
        G("([rR]|[bB][rR]|[rR][bB])(\"\"\"(?s:.)*?\"\"\")", {T::kStringAffix, T::kStringDouble}),
        G("([rR]|[bB][rR]|[rR][bB])('''(?s:.)*?''')", {T::kStringAffix, T::kStringSingle}),
        G("([rR]|[bB][rR]|[rR][bB])(\"[^\"\\n]*\")", {T::kStringAffix, T::kStringDouble}),
        G("([rR]|[bB][rR]|[rR][bB])('[^'\\n]*')", {T::kStringAffix, T::kStringSingle}),
        G("([uU]?|[bB])(\"\"\")", {T::kStringAffix, T::kStringDouble}, "tdqs"),
        G("([uU]?|[bB])(''')", {T::kStringAffix, T::kStringSingle}, "tsqs"),
        G("([uU]?|[bB])(\")", {T::kStringAffix, T::kStringDouble}, "dqs"),
        G("([uU]?|[bB])(')", {T::kStringAffix, T::kStringSingle}, "sqs"),
        R(R"([^\S\n]+)", T::kText),
        // Digit groups: `(?:_\d|\d)` is Pygments' `(?:_?\d)` with its two
        // paths spelled out; they start with different bytes, so SimpleRegex
        // repeats it in its loop, without backtracking (same matches).
        R(R"((?:\d(?:_\d|\d)*\.(?:\d(?:_\d|\d)*)?|\.\d(?:_\d|\d)*)(?:[eE][+-]?\d(?:_\d|\d)*)?j?)", T::kNumberFloat),
        R(R"(\d(?:_\d|\d)*[eE][+-]?\d(?:_\d|\d)*j?)", T::kNumberFloat),
        R(R"(0[oO](?:_[0-7]|[0-7])+)", T::kNumberOct),
        R(R"(0[bB](?:_[01]|[01])+)", T::kNumberBin),
        R(R"(0[xX](?:_[a-fA-F0-9]|[a-fA-F0-9])+)", T::kNumberHex),
        R(R"(\d(?:_\d|\d)*)", T::kNumberInteger),
        R(R"(!=|==|<<|>>|:=|[-~+/*%=<>&^|.])", T::kOperator),
        R(R"([]{}:(),;[])", T::kPunctuation),
        R(Words({"in", "is", "and", "or", "not"}), T::kOperatorWord),
        R(Words({"assert", "async", "await", "break", "continue", "del", "elif", "else", "except",
                 "finally", "for", "global", "if", "lambda", "pass", "raise", "nonlocal", "return",
                 "try", "while", "yield", "as", "with", "yield from"}),
          T::kKeyword),
        R(Words({"True", "False", "None"}), T::kKeywordConstant),
        R(Words({"__import__", "abs", "aiter", "all", "any", "bin", "bool", "bytearray", "breakpoint",
                 "bytes", "callable", "chr", "classmethod", "compile", "complex", "delattr", "dict",
                 "dir", "divmod", "enumerate", "eval", "filter", "float", "format", "frozenset",
                 "getattr", "globals", "hasattr", "hash", "hex", "id", "input", "int", "isinstance",
                 "issubclass", "iter", "len", "list", "locals", "map", "max", "memoryview", "min",
                 "next", "object", "oct", "open", "ord", "pow", "print", "property", "range", "repr",
                 "reversed", "round", "set", "setattr", "slice", "sorted", "staticmethod", "str",
                 "sum", "super", "tuple", "type", "vars", "zip"},
                "\\b"),
          T::kNameBuiltin),
        R(Words({"self", "Ellipsis", "NotImplemented", "cls"}, "\\b"), T::kNameBuiltinPseudo),
        R(Words({"ArithmeticError", "AssertionError", "AttributeError", "BaseException",
                 "Exception", "ImportError", "IndexError", "KeyError", "KeyboardInterrupt",
                 "LookupError", "NameError", "NotImplementedError", "OSError", "RuntimeError",
                 "StopIteration", "SyntaxError", "SystemExit", "TypeError", "ValueError",
                 "ZeroDivisionError", "FileNotFoundError", "PermissionError", "TimeoutError",
                 "UnicodeError", "Warning", "DeprecationWarning", "IOError"}, "\\b"),
          T::kNameException),
        R(R"(__(?:init|new|del|repr|str|bytes|format|lt|le|eq|ne|gt|ge|hash|bool|getattr|getattribute|setattr|delattr|dir|get|set|delete|call|len|getitem|setitem|delitem|iter|next|reversed|contains|add|sub|mul|matmul|truediv|floordiv|mod|divmod|pow|and|or|xor|enter|exit|aenter|aexit|await|aiter|anext|post_init|init_subclass|class_getitem)__\b)", T::kNameFunctionMagic),
        R(R"(__(?:doc|name|qualname|module|dict|slots|class|file|annotations|all|version|author|path|spec|loader|package|builtins|debug)__\b)", T::kNameVariableMagic),
        R(R"(@[\w.]+)", T::kNameDecorator),
        R(R"([^\W\d]\w*)", T::kName)}},
      {"funcname",
       {R(R"(__\w+__\b)", T::kNameFunctionMagic, "#pop"),
        R(R"([^\W\d]\w*)", T::kNameFunction, "#pop"), Default("#pop")}},
      {"classname", {R(R"([^\W\d]\w*)", T::kNameClass, "#pop")}},
      {"import",
       {G(R"(([ \t]+)(as)([ \t]+))", {T::kText, T::kKeyword, T::kText}),
        R(R"(\.)", T::kNameNamespace),
        R(R"([^\W\d]\w*)", T::kNameNamespace),
        G(R"(([ \t]*)(,)([ \t]*))", {T::kText, T::kOperator, T::kText}),
        Default("#pop")}},
      {"fromimport",
       {G(R"(([ \t]+)(import)\b)", {T::kText, T::kKeywordNamespace}, "#pop"),
        R(R"(\.)", T::kNameNamespace),
        R(R"([^\W\d]\w*)", T::kNameNamespace),
        Default("#pop")}},
      {"fstring-interp",
       {R(R"(\})", T::kStringInterpol, "#pop"),
        R(R"(![rsa]?:?[^}\n]*)", T::kStringInterpol),
        R(R"(:[^}\n]*)", T::kStringInterpol),
        Include("expr")}},
      {"dqfs",
       {R(R"(\{\{|\}\})", T::kStringEscape), R(R"(\{)", T::kStringInterpol, "fstring-interp"),
        R(R"(\\(?:[\\'"abfnrtv]|x[a-fA-F0-9]{2}|[0-7]{1,3}|N\{[^}]+\}|u[a-fA-F0-9]{4}|U[a-fA-F0-9]{8}))", T::kStringEscape),
        R("\"", T::kStringDouble, "#pop"), R("[^\\\\\"{}\\n]+", T::kStringDouble), R(R"(\\)", T::kStringDouble)}},
      {"sqfs",
       {R(R"(\{\{|\}\})", T::kStringEscape), R(R"(\{)", T::kStringInterpol, "fstring-interp"),
        R(R"(\\(?:[\\'"abfnrtv]|x[a-fA-F0-9]{2}|[0-7]{1,3}|N\{[^}]+\}|u[a-fA-F0-9]{4}|U[a-fA-F0-9]{8}))", T::kStringEscape),
        R("'", T::kStringSingle, "#pop"), R("[^\\\\'{}\\n]+", T::kStringSingle), R(R"(\\)", T::kStringSingle)}},
      {"dqs",
       {R(R"(\\(?:[\\'"abfnrtv]|x[a-fA-F0-9]{2}|[0-7]{1,3}|N\{[^}]+\}|u[a-fA-F0-9]{4}|U[a-fA-F0-9]{8}))", T::kStringEscape),
        R(R"(%(?:\([a-zA-Z0-9_]+\))?[-#0 +]*(?:[0-9]+|[*])?(?:\.(?:[0-9]+|[*]))?[hlL]?[E-GXc-giorsaux%])", T::kStringInterpol),
        R("\"", T::kStringDouble, "#pop"), R("[^\\\\\"%\\n]+", T::kStringDouble), R(R"(\\|%)", T::kStringDouble)}},
      {"sqs",
       {R(R"(\\(?:[\\'"abfnrtv]|x[a-fA-F0-9]{2}|[0-7]{1,3}|N\{[^}]+\}|u[a-fA-F0-9]{4}|U[a-fA-F0-9]{8}))", T::kStringEscape),
        R(R"(%(?:\([a-zA-Z0-9_]+\))?[-#0 +]*(?:[0-9]+|[*])?(?:\.(?:[0-9]+|[*]))?[hlL]?[E-GXc-giorsaux%])", T::kStringInterpol),
        R("'", T::kStringSingle, "#pop"), R("[^\\\\'%\\n]+", T::kStringSingle), R(R"(\\|%)", T::kStringSingle)}},
      {"tdqs",
       {R(R"(\\(?:[\\'"abfnrtv]|x[a-fA-F0-9]{2}|[0-7]{1,3}|u[a-fA-F0-9]{4}))", T::kStringEscape),
        R("\"\"\"", T::kStringDouble, "#pop"), R("[^\\\\\"]+", T::kStringDouble), R("[\\\\\"]", T::kStringDouble)}},
      {"tsqs",
       {R(R"(\\(?:[\\'"abfnrtv]|x[a-fA-F0-9]{2}|[0-7]{1,3}|u[a-fA-F0-9]{4}))", T::kStringEscape),
        R("'''", T::kStringSingle, "#pop"), R("[^\\\\']+", T::kStringSingle), R("[\\\\']", T::kStringSingle)}},
  };
  (void)str_prefix;
  return d;
}

// --- C and C++ ----------------------------------------------------------------
LexerDef CFamily(bool cpp) {
  LexerDef d;
  d.name = cpp ? "cpp" : "c";
  d.aliases = cpp ? std::vector<std::string>{"c++", "cc", "cxx", "hpp", "h++", "hh"}
                  : std::vector<std::string>{"h"};
  std::vector<std::string> kw = {
      "asm", "auto", "break", "case", "const", "continue", "default", "do", "else", "enum",
      "extern", "for", "goto", "if", "register", "restricted", "return", "sizeof", "struct",
      "static", "switch", "typedef", "volatile", "while", "union", "thread_local",
      "alignas", "alignof", "static_assert", "_Alignas", "_Alignof", "_Noreturn",
      "_Static_assert", "_Thread_local", "inline", "_inline", "__inline", "restrict"};
  if (cpp) {
    for (const char* k : {"catch", "const_cast", "delete", "dynamic_cast", "explicit", "export",
                          "friend", "mutable", "new", "operator", "private", "protected", "public",
                          "reinterpret_cast", "class", "__restrict", "static_cast", "template", "this",
                          "throw", "throws", "try", "typeid", "using", "virtual", "constexpr",
                          "nullptr", "concept", "decltype", "noexcept", "override", "final",
                          "constinit", "consteval", "co_await", "co_return", "co_yield",
                          "requires", "import", "module", "typename"}) {
      kw.push_back(k);
    }
  }
  std::string kw_re = "(?:";
  for (size_t i = 0; i < kw.size(); ++i) absl::StrAppend(&kw_re, i ? "|" : "", kw[i]);
  kw_re += ")\\b";
  const std::string types =
      "(?:bool|int|long|float|short|double|char|unsigned|signed|void|_BitInt|__int128|"
      "int8_t|int16_t|int32_t|int64_t|uint8_t|uint16_t|uint32_t|uint64_t|size_t|ssize_t|"
      "ptrdiff_t|intptr_t|uintptr_t|wchar_t|char8_t|char16_t|char32_t|_Bool|_Complex|FILE|"
      "clock_t|time_t|va_list|jmp_buf|off_t|sig_atomic_t)\\b";
  const std::string ident = R"((?:[a-zA-Z_]\w*))";
  const std::string nsident = R"((?:[a-zA-Z_$][\w$]*(?:::[a-zA-Z_$][\w$]*)*))";
  d.states = {
      {"root",
       {// A definition at the start of a line: "[static] type name(".
        G(absl::StrCat(R"(^((?:(?:static|inline|extern|constexpr|virtual|explicit)[ \t]+)*))",
                       "(", types, R"()([ \t*&]+))", "(", nsident, R"()([ \t]*)(\())"),
          {T::kKeyword, T::kKeywordType, T::kWhitespace, T::kNameFunction, T::kText,
           T::kPunctuation}),
        G(absl::StrCat(R"(^((?:(?:static|inline|extern|constexpr|virtual|explicit)[ \t]+)*))",
                       "(", nsident, R"()([ \t*&]+))", "(", nsident, R"()([ \t]*)(\())"),
          {T::kKeyword, T::kName, T::kWhitespace, T::kNameFunction, T::kText,
           T::kPunctuation}),
        Include("whitespace"), Include("keywords"), Include("statements")}},
      {"namespace",
       {R(R"([;{])", T::kPunctuation, "#pop"),
        R(R"(inline\b)", T::kKeywordReserved),
        R(ident, T::kNameNamespace),
        R(R"(\s+)", T::kWhitespace),
        R(R"(::)", T::kOperator)}},
      {"classname",
       {R(ident, T::kNameClass, "#pop"), Default("#pop")}},
      {"whitespace",
       {G(R"(^([ \t]*)(#[ \t]*)(include|import)([ \t]*)(<[^>\n]*>|"[^"\n]*"))",
          {T::kText, T::kCommentPreproc, T::kCommentPreproc, T::kText, T::kCommentPreprocFile}),
        G(R"(^([ \t]*)(#)([ \t]*)(if[ \t]+0))", {T::kText, T::kCommentPreproc, T::kText, T::kCommentPreproc}, "if0"),
        G(R"(^([ \t]*)(#))", {T::kText, T::kCommentPreproc}, "macro"),
        R(R"(\n)", T::kWhitespace), R(R"([^\S\n]+)", T::kWhitespace),
        R(R"(\\\n)", T::kText),
        R(R"(//(?:\\\n|[^\n])*)", T::kCommentSingle),
        R(R"(/\*(?s:.)*?\*/)", T::kCommentMultiline),
        R(R"(/\*(?s:.)*)", T::kCommentMultiline)}},
      {"keywords",
       {R(types, T::kKeywordType),
        G(R"((class|struct|union|concept|typename)(\s+))", {T::kKeyword, T::kWhitespace}, "classname"),
        R(R"(namespace\b)", T::kKeyword, "namespace"),
        R(kw_re, T::kKeyword),
        R("(?:true|false|NULL)\\b", T::kNameBuiltin),
        R(R"((?:__m(?:128i|128d|128|64))\b)", T::kKeywordReserved)}},
      {"statements",
       {G(R"(([LuU]|u8)?(R"[^(\s]*\()((?s:.)*?)(\)[^)\s]*"))",
          {T::kStringAffix, T::kString, T::kString, T::kString}),
        G(R"(([LuU]|u8)?(")("?))", {T::kStringAffix, T::kString, T::kString}, "string"),
        G(R"(([LuU]|u8)?(')(\\.|\\[0-7]{1,3}|\\x[a-fA-F0-9]{1,2}|[^\\'\n])('))",
          {T::kStringAffix, T::kStringChar, T::kStringChar, T::kStringChar}),
        // Pygments' `(?:D'?)*D` (digits D with single quotes between) is
        // written `D(?:'D|D)*`: the same matches, but each repeat iteration
        // has one choice and nothing is given back, so SimpleRegex matches
        // it in its loop instead of backtracking over every digit.
        R(R"(0[xX][0-9a-fA-F](?:'[0-9a-fA-F]|[0-9a-fA-F])*[LlUu]*)", T::kNumberHex),
        R(R"(0[bB][01]+[LlUu]*)", T::kNumberBin),
        R(R"((?:\d+\.\d*|\.\d+)(?:[eE][+-]?\d+)?[fFlL]?|\d+[eE][+-]?\d+[fFlL]?)", T::kNumberFloat),
        R(R"(0[0-7']+[LlUu]*)", T::kNumberOct),
        R(R"(-?\d(?:'\d|\d)*[LlUu]*)", T::kNumberInteger),
        R(R"([~!%^&*+=|?:<>/-])", T::kOperator),
        R(R"([()\[\],.;{}])", T::kPunctuation),
        G(absl::StrCat("(", ident, R"()(:)(\n))"), {T::kNameLabel, T::kPunctuation, T::kWhitespace}),
        R(ident, T::kName)}},
      StringState("string", "\"", T::kString),
      {"macro",
       {G(R"((include|import)([ \t]*)("[^"\n]*"|<[^>\n]*>))", {T::kCommentPreproc, T::kText, T::kCommentPreprocFile}),
        R(R"([^/\n\\]+)", T::kCommentPreproc),
        R(R"(/\*(?s:.)*?\*/)", T::kCommentMultiline),
        R(R"(//.*$)", T::kCommentSingle, "#pop"),
        R(R"(/)", T::kCommentPreproc),
        R(R"(\\\n)", T::kCommentPreproc),
        R(R"(\\)", T::kCommentPreproc),
        R(R"(\n)", T::kCommentPreproc, "#pop")}},
      {"if0",
       {R(R"(^[ \t]*#[ \t]*if.*?\n)", T::kCommentPreproc, "#push"),
        R(R"(^[ \t]*#[ \t]*el(?:se|if).*\n)", T::kCommentPreproc, "#pop"),
        R(R"(^[ \t]*#[ \t]*endif.*?\n)", T::kCommentPreproc, "#pop"),
        R(R"(.*?\n)", T::kComment)}},
  };
  return d;
}

// --- Go -------------------------------------------------------------------------
LexerDef Go() {
  LexerDef d;
  d.name = "go";
  d.aliases = {"golang"};
  d.states = {{"root",
               {R(R"(\n)", T::kWhitespace), R(R"([^\S\n]+)", T::kWhitespace),
                G(R"((\\)(\n))", {T::kText, T::kWhitespace}),
                R(R"(//[^\n]*)", T::kCommentSingle),
                R(R"(/\*(?s:.)*?\*/)", T::kCommentMultiline),
                R(R"((?:import|package)\b)", T::kKeywordNamespace),
                R(R"((?:var|func|struct|map|chan|type|interface|const)\b)", T::kKeywordDeclaration),
                R(Words({"break", "default", "select", "case", "defer", "go", "else", "goto",
                         "switch", "fallthrough", "if", "range", "continue", "for", "return"}),
                  T::kKeyword),
                R(R"((?:true|false|iota|nil)\b)", T::kKeywordConstant),
                G(R"((uint|uint8|uint16|uint32|uint64|int|int8|int16|int32|int64|float|float32|float64|complex64|complex128|byte|rune|string|bool|error|uintptr|any|comparable|print|println|panic|recover|close|complex|real|imag|len|cap|append|copy|delete|new|make|min|max|clear)\b(\())",
                  {T::kNameBuiltin, T::kPunctuation}),
                R(R"((?:uint|uint8|uint16|uint32|uint64|int|int8|int16|int32|int64|float|float32|float64|complex64|complex128|byte|rune|string|bool|error|uintptr|any|comparable)\b)", T::kKeywordType),
                R(R"(\d+i)", T::kNumber),
                R(R"(\d+\.\d*(?:[eE][+-]?\d+)?i)", T::kNumber),
                R(R"(\.\d+(?:[eE][+-]?\d+)?i)", T::kNumber),
                R(R"(\d+[Ee][-+]\d+i)", T::kNumber),
                R(R"(\d+(?:\.\d+[eE][+-]?\d+|\.\d*|[eE][+-]?\d+))", T::kNumberFloat),
                R(R"(\.\d+(?:[eE][+-]?\d+)?)", T::kNumberFloat),
                R(R"(0[0-7]+)", T::kNumberOct),
                R(R"(0[xX][0-9a-fA-F_]+)", T::kNumberHex),
                R(R"(0[bB][01_]+)", T::kNumberBin),
                R(R"((?:0|[1-9][0-9_]*))", T::kNumberInteger),
                R(R"('(?:\\['"\\abfnrtv]|\\x[0-9a-fA-F]{2}|\\[0-7]{1,3}|\\u[0-9a-fA-F]{4}|\\U[0-9a-fA-F]{8}|[^\\])')", T::kStringChar),
                R(R"(`[^`]*`)", T::kString),
                R(R"("(?:\\\\|\\[^\\]|[^"\\])*")", T::kString),
                R(R"((?:<<=|>>=|<<|>>|<=|>=|&\^=|&\^|\+=|-=|\*=|/=|%=|&=|\|=|&&|\|\||<-|\+\+|--|==|!=|:=|\.\.\.|[+\-*/%&]|~|\|))", T::kOperator),
                R(R"([|^<>=!()\[\]{}.,;:])", T::kPunctuation),
                R(R"([^\W\d]\w*)", T::kNameOther)}}};
  return d;
}

// --- Rust ----------------------------------------------------------------------
LexerDef Rust() {
  LexerDef d;
  d.name = "rust";
  d.aliases = {"rs"};
  const std::string types =
      "(?:u8|u16|u32|u64|u128|i8|i16|i32|i64|i128|usize|isize|f32|f64|char|str|bool)\\b";
  d.states = {
      {"root",
       {R(R"(#![^\[\r\n].*$)", T::kCommentPreproc),
        Default("base")}},
      {"base",
       {R(R"(\n)", T::kWhitespace), R(R"([ \t]+)", T::kWhitespace),
        R(R"(//!.*?\n)", T::kStringDoc),
        R(R"(///(?:\n|[^/].*?\n))", T::kStringDoc),
        R(R"(//(?:.*?)\n)", T::kCommentSingle),
        R(R"(/\*(?s:.)*?\*/)", T::kCommentMultiline),
        R(R"(\$([a-zA-Z_]\w*|\(,?|\),?|,?))", T::kCommentPreproc),
        R(Words({"as", "async", "await", "box", "const", "crate", "dyn", "else", "extern", "for",
                 "if", "impl", "in", "loop", "match", "move", "mut", "pub", "ref", "return",
                 "static", "super", "trait", "unsafe", "use", "where", "while"}),
          T::kKeyword),
        R(Words({"abstract", "become", "do", "final", "macro", "override", "priv", "typeof", "try",
                 "unsized", "virtual", "yield"}),
          T::kKeywordReserved),
        R(R"((?:true|false)\b)", T::kKeywordConstant),
        R(R"(self\b)", T::kNameBuiltinPseudo),
        R(R"(mod\b)", T::kKeyword, "modname"),
        R(R"(let\b)", T::kKeywordDeclaration),
        R(R"(fn\b)", T::kKeyword, "funcname"),
        R(R"((?:struct|enum|type|union)\b)", T::kKeyword, "typename"),
        G(R"((default)(\s+)(type|fn)\b)", {T::kKeyword, T::kText, T::kKeyword}),
        R(types, T::kKeywordType),
        R(R"(Self\b)", T::kNameBuiltinPseudo),
        R(Words({"Copy", "Send", "Sized", "Sync", "Unpin", "Drop", "Fn", "FnMut", "FnOnce",
                 "drop", "Box", "ToOwned", "Clone", "PartialEq", "PartialOrd", "Eq", "Ord",
                 "AsRef", "AsMut", "Into", "From", "Default", "Iterator", "Extend",
                 "IntoIterator", "DoubleEndedIterator", "ExactSizeIterator", "Option", "Some",
                 "None", "Result", "Ok", "Err", "String", "ToString", "Vec"}),
          T::kNameBuiltin),
        R(R"([a-zA-Z_]\w*!)", T::kNameFunctionMagic),
        R(R"(::\b)", T::kText),
        R(R"(:|->)", T::kText, "typename"),
        R(R"(b?'(?:\\['"\\nrt]|\\x[0-7][0-9a-fA-F]|\\0|\\u\{[0-9a-fA-F]{1,6}\}|[^\\'])')", T::kStringChar),
        R(R"('[a-zA-Z_]\w*)", T::kNameAttribute),
        R(R"(0b[01_]+(?:[iu](?:8|16|32|64|128|size))?)", T::kNumberBin),
        R(R"(0o[0-7_]+(?:[iu](?:8|16|32|64|128|size))?)", T::kNumberOct),
        R(R"(0[xX][0-9a-fA-F_]+(?:[iu](?:8|16|32|64|128|size))?)", T::kNumberHex),
        R(R"([0-9][0-9_]*(?:\.[0-9_]+[eE][+\-]?[0-9_]+|\.[0-9_]*|[eE][+\-]?[0-9_]+)(?:f32|f64)?)", T::kNumberFloat),
        R(R"([0-9][0-9_]*(?:[iu](?:8|16|32|64|128|size))?)", T::kNumberInteger),
        R(R"(b?")", T::kString, "string"),
        R(R"re(b?r#*"[^"]*"#*)re", T::kString),
        R(R"(\.\.=?)", T::kOperator),
        R(R"([{}()\[\],.;])", T::kPunctuation),
        R(R"([+\-*/%&|<>^!~@=:?])", T::kOperator),
        R(R"([a-zA-Z_]\w*)", T::kName),
        R(R"(#!?\[)", T::kCommentPreproc, "attribute["),
        R(R"(#)", T::kText)}},
      {"modname", {R(R"(\s+)", T::kText), R(R"([a-zA-Z_]\w*)", T::kNameNamespace, "#pop"), Default("#pop")}},
      {"funcname", {R(R"(\s+)", T::kText), R(R"([a-zA-Z_]\w*)", T::kNameFunction, "#pop"), Default("#pop")}},
      {"typename", {R(R"(\s+)", T::kText), R(R"(&)", T::kKeywordPseudo), R(types, T::kKeywordType, "#pop"),
                    R(R"([a-zA-Z_]\w*)", T::kNameClass, "#pop"), Default("#pop")}},
      {"attribute[",
       {R(R"(\])", T::kCommentPreproc, "#pop"),
        R(R"([^"\]\[]+)", T::kCommentPreproc),
        R(R"(")", T::kString, "string"),
        R(R"(\[)", T::kCommentPreproc, "#push")}},
      {"string",
       {R(R"(")", T::kString, "#pop"),
        R(R"(\\['"\\nrt]|\\x[0-7][0-9a-fA-F]|\\0|\\u\{[0-9a-fA-F]{1,6}\})", T::kStringEscape),
        R(R"([^\\"]+)", T::kString), R(R"(\\)", T::kString)}},
  };
  return d;
}

// --- JavaScript and TypeScript --------------------------------------------------
LexerDef JavaScriptLike(bool ts) {
  LexerDef d;
  d.name = ts ? "typescript" : "javascript";
  d.aliases = ts ? std::vector<std::string>{"ts", "tsx"}
                 : std::vector<std::string>{"js", "jsx", "mjs", "cjs", "ecmascript", "node"};
  const std::string regex_start = "slashstartsregex";
  std::vector<RuleDef> root = {
      R(R"(\A#! ?/.*?$)", T::kCommentHashbang),
      Include("commentsandwhitespace"),
      R(R"(0[bB][01]+n?)", T::kNumberBin),
      R(R"(0[oO]?[0-7]+n?)", T::kNumberOct),
      R(R"(0[xX][0-9a-fA-F]+n?)", T::kNumberHex),
      R(R"([0-9]+n)", T::kNumberInteger),
      R(R"((?:\.[0-9]+|[0-9]+\.[0-9]*|[0-9]+)(?:[eE][-+]?[0-9]+)?)", T::kNumberFloat),
      R(R"(\.\.\.|=>)", T::kPunctuation),
      R(R"(\+\+|--|~|\?\?=?|\?|:|(?:<<|>>>?|==?|!=?|(?:\*\*|\|\||&&|[-<>+*%&|^/]))=?)",
        T::kOperator, regex_start),
      R(R"([{(\[;,])", T::kPunctuation, regex_start),
      R(R"([})\].])", T::kPunctuation),
      R(R"((?:typeof|instanceof|in|void|delete|new)\b)", T::kOperatorWord, regex_start),
      R(R"(\b(?:constructor|from|as)\b)", T::kKeywordReserved),
      R(Words({"for", "in", "while", "do", "break", "return", "continue", "switch", "case",
               "default", "if", "else", "throw", "try", "catch", "finally", "yield", "await",
               "async", "this", "of", "static", "export", "import", "debugger", "extends",
               "super"}),
        T::kKeyword, regex_start),
      R(R"((?:var|let|const|with|function|class)\b)", T::kKeywordDeclaration, regex_start),
      R(Words({"abstract", "boolean", "byte", "char", "double", "enum", "final", "float",
               "goto", "implements", "int", "interface", "long", "native", "package",
               "private", "protected", "public", "short", "synchronized", "throws",
               "transient", "volatile"}),
        T::kKeywordReserved),
      R(R"((?:true|false|null|NaN|Infinity|undefined)\b)", T::kKeywordConstant),
      R(R"((?:Array|Boolean|Date|BigInt|Function|Math|ArrayBuffer|Number|Object|RegExp|String|Promise|Proxy|decodeURI|decodeURIComponent|encodeURI|encodeURIComponent|eval|isFinite|isNaN|parseFloat|parseInt|DataView|document|window|globalThis|global|Symbol|Intl|WeakSet|WeakMap|Set|Map|Reflect|JSON|Atomics|Int(?:8|16|32)Array|BigInt64Array|Float32Array|Float64Array|Uint8ClampedArray|Uint(?:8|16|32)Array|BigUint64Array)\b)",
        T::kNameBuiltin),
      R(R"((?:(?:Eval|Internal|Range|Reference|Syntax|Type|URI)?Error)\b)", T::kNameException),
      R(R"((?:[$a-zA-Z_]|\\u[0-9a-fA-F]{4})(?:[$\w]|\\u[0-9a-fA-F]{4})*)", T::kNameOther),
      R(R"("(?:\\\\|\\[^\\]|[^"\\])*")", T::kStringDouble),
      R(R"('(?:\\\\|\\[^\\]|[^'\\])*')", T::kStringSingle),
      R("`", T::kStringBacktick, "interp"),
  };
  if (ts) {
    std::vector<RuleDef> ts_rules = {
        R(R"((?:abstract|implements|private|protected|public|readonly)\b)", T::kKeyword,
          regex_start),
        R(R"((?:enum|interface|override)\b)", T::kKeywordDeclaration, regex_start),
        R(R"(\b(?:declare|type)\b)", T::kKeywordReserved),
        R(R"(\b(?:string|boolean|number)\b)", T::kKeywordType),
        G(R"(\b(module)(\s*)([\w?.$]+)(\s*))",
          {T::kKeywordReserved, T::kWhitespace, T::kNameOther, T::kWhitespace}, regex_start),
        G(R"(([\w?.$]+)(\s*)(:)(\s*)([\w?.$]+))",
          {T::kNameOther, T::kWhitespace, T::kOperator, T::kWhitespace, T::kKeywordType}),
        R(R"(@(?:[$a-zA-Z_]|\\u[0-9a-fA-F]{4})(?:[$\w]|\\u[0-9a-fA-F]{4})*)",
          T::kKeywordDeclaration),
    };
    root.insert(root.begin(), ts_rules.begin(), ts_rules.end());
  }
  d.states = {{"root", root},
              {"commentsandwhitespace",
               {R(R"(\s+)", T::kWhitespace),
                R(R"(<!--)", T::kComment),
                R(R"(//.*?$)", T::kCommentSingle),
                R(R"(/\*(?s:.)*?\*/)", T::kCommentMultiline)}},
              {"slashstartsregex",
               {Include("commentsandwhitespace"),
                R(R"(/(?:\\.|[^\[/\\\n]|\[(?:\\.|[^\]\\\n])*\])+/(?:[gimuysd]+\b)?)",
                  T::kStringRegex, "#pop"),
                Default("#pop")}},
              {"interp",
               {R("`", T::kStringBacktick, "#pop"),
                R(R"(\\.)", T::kStringBacktick),
                R(R"(\$\{)", T::kStringInterpol, "interp-inside"),
                R(R"(\$)", T::kStringBacktick),
                R("[^`\\\\$]+", T::kStringBacktick)}},
              {"interp-inside",
               {R(R"(\})", T::kStringInterpol, "#pop"), Include("root")}}};
  return d;
}

// --- JSON -----------------------------------------------------------------------
LexerDef Json() {
  LexerDef d;
  d.name = "json";
  d.aliases = {"json-object", "jsonc", "json5"};
  d.states = {{"root",
               {R(R"([ \t\r\n]+)", T::kWhitespace),
                R(R"(//[^\n]*|/\*(?s:.)*?\*/)", T::kCommentSingle),
                G(R"(("(?:\\.|[^"\\\n])*")([ \t\r\n]*)(:))", {T::kNameTag, T::kWhitespace, T::kPunctuation}),
                R(R"("(?:\\.|[^"\\\n])*")", T::kStringDouble),
                R(R"(-?(?:0|[1-9]\d*)(?:\.\d+[eE][+-]?\d+|\.\d+|[eE][+-]?\d+))", T::kNumberFloat),
                R(R"(-?(?:0|[1-9]\d*))", T::kNumberInteger),
                R(R"((?:true|false|null)\b)", T::kKeywordConstant),
                R(R"([{}\[\],:])", T::kPunctuation)}}};
  return d;
}

// --- YAML (block style; a simplification of Pygments' context lexer) -------------
LexerDef Yaml() {
  LexerDef d;
  d.name = "yaml";
  d.aliases = {"yml"};
  d.states = {
      {"root",
       {R(R"([ \t]+$)", T::kWhitespace),
        R(R"(\n+)", T::kWhitespace),
        R(R"(#[^\n]*)", T::kCommentSingle),
        R(R"(^%[^\n]*)", T::kNameTag),
        R(R"(^(?:---|\.\.\.)(?:[ \t]|$))", T::kNameNamespace),
        R(R"([ \t]+)", T::kWhitespace),
        R(R"(-(?:[ \t]|$))", T::kPunctuationIndicator),
        R(R"(\?(?:[ \t]|$))", T::kPunctuationIndicator),
        G(R"(("(?:\\.|[^"\\\n])*"|'(?:''|[^'\n])*'|[^\s#:{}\[\],'"!&*|>-][^\n:#]*?)([ \t]*)(:)(?:([ \t]+)|$))",
          {T::kNameTag, T::kWhitespace, T::kPunctuation, T::kWhitespace}, "value"),
        Include("value")}},
      {"value",
       {R(R"(\n)", T::kWhitespace, "#pop"),
        R(R"([ \t]+)", T::kWhitespace),
        R(R"(#[^\n]*)", T::kCommentSingle),
        R(R"(![^\s]*)", T::kKeywordType),
        R(R"(&[^\s,\[\]{}]+)", T::kNameLabel),
        R(R"(\*[^\s,\[\]{}]+)", T::kNameVariable),
        R(R"([|>][0-9+-]*)", T::kPunctuationIndicator, "#pop,block"),
        R(R"([\[{])", T::kPunctuationIndicator, "flow"),
        R(R"([\]},])", T::kPunctuationIndicator),
        R(R"("(?:\\.|[^"\\])*")", T::kString),
        R(R"('(?:''|[^'])*')", T::kString),
        R(R"([^\s#,\[\]{}][^\n#,\[\]{}]*?(?:[ \t]+#|$|[,\[\]{}]))", T::kLiteralScalarPlain),
        R(R"([^\n]+)", T::kLiteralScalarPlain)}},
      {"flow",
       {R(R"(\s+)", T::kWhitespace),
        R(R"([\[{])", T::kPunctuationIndicator, "#push"),
        R(R"([\]}])", T::kPunctuationIndicator, "#pop"),
        R(R"(,)", T::kPunctuationIndicator),
        R(R"("(?:\\.|[^"\\])*"|'(?:''|[^'])*')", T::kString),
        R(R"([^\s,\[\]{}:][^\n,\[\]{}:]*)", T::kNameVariable),
        R(R"(:)", T::kPunctuation)}},
      {"block",
       {R(R"(\n)", T::kWhitespace),
        R(R"(^[ \t]+[^\n]*)", T::kNameConstant),
        Default("#pop")}},
  };
  return d;
}

// --- TOML (as Pygments 2.14's TOMLLexer) ------------------------------------------
LexerDef Toml() {
  LexerDef d;
  d.name = "toml";
  d.states = {{"root",
               {G(R"(^(\s*)(\[.*?\])$)", {T::kText, T::kKeyword}),
                R(R"([ \t]+)", T::kText), R(R"(\n)", T::kText),
                R(R"(#.*?$)", T::kCommentSingle),
                R(R"("(?:\\\\|\\[^\\]|[^"\\])*")", T::kString),
                R(R"('''(.*)''')", T::kString),
                R(R"('[^']*')", T::kString),
                R(R"((?:true|false)$)", T::kKeywordConstant),
                R(R"([a-zA-Z_][\w\-]*)", T::kName),
                R(R"(\d{4}-\d{2}-\d{2}(?:T| )\d{2}:\d{2}:\d{2}(?:Z|[-+]\d{2}:\d{2}))", T::kNumberInteger),
                R(R"((?:\d+\.\d*|\d*\.\d+)(?:[eE][+-]?[0-9]+)?j?)", T::kNumberFloat),
                R(R"(\d+[eE][+-]?[0-9]+j?)", T::kNumberFloat),
                R(R"([+-]?(?:inf(?:inity)?|nan))", T::kNumberFloat),
                R(R"([+-]?\d+)", T::kNumberInteger),
                R(R"([]{}:(),;[])", T::kPunctuation),
                R(R"(\.)", T::kPunctuation),
                R(R"(=)", T::kOperator)}}};
  return d;
}

// --- Bash -------------------------------------------------------------------------
LexerDef Bash() {
  LexerDef d;
  d.name = "bash";
  d.aliases = {"sh", "shell", "zsh", "ksh", "shell-session", "console"};
  d.states = {
      {"root", {Include("basic"), R("`", T::kStringBacktick, "backticks"), Include("data"), Include("interp")}},
      {"interp",
       {R(R"(\$\(\()", T::kKeyword, "math"),
        R(R"(\$\()", T::kKeyword, "paren"),
        R(R"(\$\{#?)", T::kStringInterpol, "curly"),
        R(R"(\$[a-zA-Z_]\w*)", T::kNameVariable),
        R(R"(\$(?:\d+|#|\$|\?|@|\*|!|-))", T::kNameVariable),
        R(R"(\$)", T::kText)}},
      {"basic",
       {G(R"(\b(if|fi|else|while|in|do|done|for|then|return|function|case|select|break|continue|until|esac|elif)(\s*))",
          {T::kKeyword, T::kWhitespace}),
        R(R"(\b(?:alias|bg|bind|builtin|caller|cd|command|compgen|complete|declare|dirs|disown|echo|enable|eval|exec|exit|export|false|fc|fg|getopts|hash|help|history|jobs|kill|let|local|logout|popd|printf|pushd|pwd|read|readonly|set|shift|shopt|source|suspend|test|time|times|trap|true|type|typeset|ulimit|umask|unalias|unset|wait)(?:[ \t;]|$))", T::kNameBuiltin),
        R(R"(\A#!.+\n)", T::kCommentHashbang),
        R(R"(#.*\n)", T::kCommentSingle),
        R(R"(\\[\w\W])", T::kStringEscape),
        G(R"(([a-zA-Z_]\w*)(\s*)(\+?=))", {T::kNameVariable, T::kWhitespace, T::kOperator}),
        R(R"([\[\]{}()=])", T::kOperator),
        R(R"(<<<)", T::kOperator),
        R(R"(&&|\|\|)", T::kOperator)}},
      {"data",
       {R(R"(\$?"(?:\\\\|\\[0-7]+|\\.|[^"\\$])*")", T::kStringDouble),
        R(R"(")", T::kStringDouble, "string"),
        R(R"(\$?'(?:\\\\|\\[0-7]+|\\.|[^'\\])*')", T::kStringSingle),
        R(R"(;)", T::kPunctuation),
        R(R"(&)", T::kPunctuation),
        R(R"(\|)", T::kPunctuation),
        R(R"(\s+)", T::kWhitespace),
        R(R"(\d+\b)", T::kNumber),
        R(R"([^=\s\[\]{}()$"'`\\<&|;]+)", T::kText),
        R(R"(<)", T::kText)}},
      {"string",
       {R(R"(")", T::kStringDouble, "#pop"),
        R(R"((?:\\\\|\\[0-7]+|\\.|[^"\\$])+)", T::kStringDouble),
        Include("interp")}},
      {"curly",
       {R(R"(\})", T::kStringInterpol, "#pop"),
        R(R"(:-)", T::kKeyword),
        R(R"(\w+)", T::kNameVariable),
        R(R"([^}:"'`$\\]+)", T::kPunctuation),
        R(R"(:)", T::kPunctuation),
        Include("root")}},
      {"paren", {R(R"(\))", T::kKeyword, "#pop"), Include("root")}},
      {"math",
       {R(R"(\)\))", T::kKeyword, "#pop"),
        R(R"(\*\*|\|\||<<|>>|[-+*/%^|&<>])", T::kOperator),
        R(R"(\d+#[\da-zA-Z]+|\d+#|0[xX][\da-fA-F]+|\d+)", T::kNumber),
        Include("root")}},
      {"backticks", {R("`", T::kStringBacktick, "#pop"), Include("root")}},
  };
  return d;
}

// --- HTML ------------------------------------------------------------------------
LexerDef Html() {
  LexerDef d;
  d.name = "html";
  d.aliases = {"xhtml", "htm"};
  d.case_insensitive = true;
  d.states = {
      {"root",
       {R(R"([^<&\s]+)", T::kText),
        R(R"(\s+)", T::kWhitespace),
        R(R"(&\S*?;)", T::kNameEntity),
        R(R"(<!\[CDATA\[(?s:.)*?\]\]>)", T::kCommentPreproc),
        R(R"(<!--)", T::kCommentMultiline, "comment"),
        R(R"(<\?(?s:.)*?\?>)", T::kCommentPreproc),
        R(R"(<![^>]*>)", T::kCommentPreproc),
        G(R"((<)(\s*)(script)(\s*))", {T::kPunctuation, T::kText, T::kNameTag, T::kText}, "script-content,tag"),
        G(R"((<)(\s*)(style)(\s*))", {T::kPunctuation, T::kText, T::kNameTag, T::kText}, "style-content,tag"),
        G(R"((<)(\s*)([\w:.-]+))", {T::kPunctuation, T::kText, T::kNameTag}, "tag"),
        G(R"((<)(\s*)(/)(\s*)([\w:.-]+)(\s*)(>))",
          {T::kPunctuation, T::kText, T::kPunctuation, T::kText, T::kNameTag, T::kText, T::kPunctuation}),
        R(R"(<|&)", T::kText)}},
      {"comment",
       {R(R"([^-]+)", T::kCommentMultiline), R(R"(-->)", T::kCommentMultiline, "#pop"),
        R(R"(-)", T::kCommentMultiline)}},
      {"tag",
       {R(R"(\s+)", T::kText),
        G(R"(([\w:-]+\s*)(=)(\s*))", {T::kNameAttribute, T::kOperator, T::kText}, "attr"),
        R(R"([\w:-]+)", T::kNameAttribute),
        G(R"((/?)(\s*)(>))", {T::kPunctuation, T::kText, T::kPunctuation}, "#pop")}},
      {"script-content",
       {G(R"((<)(\s*)(/)(\s*)(script)(\s*)(>))",
          {T::kPunctuation, T::kText, T::kPunctuation, T::kText, T::kNameTag, T::kText, T::kPunctuation}, "#pop"),
        R(R"([^<]+)", T::kText), R(R"(<)", T::kText)}},
      {"style-content",
       {G(R"((<)(\s*)(/)(\s*)(style)(\s*)(>))",
          {T::kPunctuation, T::kText, T::kPunctuation, T::kText, T::kNameTag, T::kText, T::kPunctuation}, "#pop"),
        R(R"([^<]+)", T::kText), R(R"(<)", T::kText)}},
      {"attr", {R(R"("[^"]*")", T::kString, "#pop"), R(R"('[^']*')", T::kString, "#pop"), R(R"([^\s>]+)", T::kString, "#pop")}},
  };
  return d;
}

// --- CSS (word lists from Pygments, see css_words.inc) ------------------------
LexerDef Css() {
  LexerDef d;
  d.name = "css";
  const std::string vendor = absl::StrCat("(?:", kCssVendorPrefixes, ")");
  const std::string keyword_values =
      absl::StrCat("(?:", kCssKeywordValues, ")\\b");
  const std::string functions = absl::StrCat("(?:", kCssFunctions, ")");
  d.states = {
      {"root", {Include("basics")}},
      {"basics",
       {R(R"(\s+)", T::kWhitespace),
        R(R"(/\*(?s:.)*?\*/)", T::kComment),
        R(R"(\{)", T::kPunctuation, "content"),
        G(R"((:{1,2})([\w-]+))", {T::kPunctuation, T::kNameDecorator}),
        G(R"((\.)([\w-]+))", {T::kPunctuation, T::kNameClass}),
        G(R"((#)([\w-]+))", {T::kPunctuation, T::kNameNamespace}),
        G(R"((@)([\w-]+))", {T::kPunctuation, T::kKeyword}, "atrule"),
        R(R"([\w-]+)", T::kNameTag),
        R(R"([~^*!%&$\[\]()<>|+=@:;,./?-])", T::kOperator),
        R(R"("(?:\\\\|\\[^\\]|[^"\\])*")", T::kStringDouble),
        R(R"('(?:\\\\|\\[^\\]|[^'\\])*')", T::kStringSingle)}},
      {"atrule",
       {R(R"(\{)", T::kPunctuation, "atcontent"),
        R(R"(;)", T::kPunctuation, "#pop"),
        Include("basics")}},
      {"atcontent", {Include("basics"), R(R"(\})", T::kPunctuation, "#pop:2")}},
      {"content",
       {R(R"(\s+)", T::kWhitespace),
        R(R"(\})", T::kPunctuation, "#pop"),
        R(R"(;)", T::kPunctuation),
        R(R"(^@.*?$)", T::kCommentPreproc),
        R(vendor, T::kKeywordPseudo),
        G(absl::StrCat("(", kCssProperties, R"()(\s*)(:))"),
          {T::kKeyword, T::kWhitespace, T::kPunctuation}, "value-start"),
        G(R"((-+[a-zA-Z_][\w-]*)(\s*)(:))", {T::kNameVariable, T::kWhitespace, T::kPunctuation},
          "value-start"),
        G(R"(([a-zA-Z_][\w-]*)(\s*)(:))", {T::kName, T::kWhitespace, T::kPunctuation},
          "value-start"),
        R(R"(/\*(?s:.)*?\*/)", T::kComment)}},
      {"value-start",
       {R(R"(\s+)", T::kWhitespace),
        R(vendor, T::kNameBuiltinPseudo),
        Include("urls"),
        G(absl::StrCat("(", functions, R"()(\())"), {T::kNameBuiltin, T::kPunctuation},
          "function-start"),
        G(R"(([a-zA-Z_][\w-]+)(\())", {T::kNameFunction, T::kPunctuation}, "function-start"),
        R(keyword_values, T::kKeywordConstant),
        R(absl::StrCat("(?:", kCssProperties, ")\\b"), T::kKeyword),
        R(R"(!important)", T::kCommentPreproc),
        R(R"(/\*(?s:.)*?\*/)", T::kComment),
        Include("numeric-values"),
        R(R"([~^*!%&<>|+=@:./?-]+)", T::kOperator),
        R(R"([\[\](),]+)", T::kPunctuation),
        R(R"("(?:\\\\|\\[^\\]|[^"\\])*")", T::kStringDouble),
        R(R"('(?:\\\\|\\[^\\]|[^'\\])*')", T::kStringSingle),
        R(R"([a-zA-Z_][\w-]*)", T::kName),
        R(R"(;)", T::kPunctuation, "#pop"),
        R(R"(\})", T::kPunctuation, "#pop:2")}},
      {"function-start",
       {R(R"(\s+)", T::kWhitespace),
        R(R"(-+(?:[\w+]+-*)+)", T::kNameVariable),
        Include("urls"),
        R(vendor, T::kKeywordPseudo),
        R(keyword_values, T::kKeywordConstant),
        G(absl::StrCat("(", functions, R"()(\())"), {T::kNameBuiltin, T::kPunctuation},
          "function-start"),
        G(R"(([a-zA-Z_][\w-]+)(\())", {T::kNameFunction, T::kPunctuation}, "function-start"),
        R(R"(/\*(?s:.)*?\*/)", T::kComment),
        Include("numeric-values"),
        R(R"([*+/-])", T::kOperator),
        R(R"(,)", T::kPunctuation),
        R(R"("(?:\\\\|\\[^\\]|[^"\\])*")", T::kStringDouble),
        R(R"('(?:\\\\|\\[^\\]|[^'\\])*')", T::kStringSingle),
        R(R"([a-zA-Z_-]\w*)", T::kName),
        R(R"(\))", T::kPunctuation, "#pop")}},
      {"urls",
       {G(R"((url)(\()("[^"]*"|'[^']*'|[^)]*)(\)))",
          {T::kNameBuiltin, T::kPunctuation, T::kStringOther, T::kPunctuation})}},
      {"numeric-values",
       {R(R"(#[a-zA-Z0-9]{1,6})", T::kNumberHex),
        R(R"([+\-]?[0-9]*[.][0-9]+)", T::kNumberFloat, "numeric-end"),
        R(R"([+\-]?[0-9]+)", T::kNumberInteger, "numeric-end")}},
      {"numeric-end",
       {R(absl::StrCat("(?:", kCssUnits, ")\\b"), T::kKeywordType),
        R(R"(%)", T::kKeywordType),
        Default("#pop")}},
  };
  return d;
}

// --- SQL ---------------------------------------------------------------------------
LexerDef Sql() {
  LexerDef d;
  d.name = "sql";
  d.aliases = {"postgresql", "mysql", "sqlite", "sqlite3"};
  d.case_insensitive = true;
  d.states = {
      {"root",
       {R(R"(\s+)", T::kWhitespace),
        R(R"(--.*\n?)", T::kCommentSingle),
        R(R"(/\*(?s:.)*?\*/)", T::kCommentMultiline),
        R(Words({"ABORT", "ACTION", "ADD", "AFTER", "ALL", "ALTER", "ANALYZE", "AND", "ANY", "AS",
                 "ASC", "AUTOINCREMENT", "BEFORE", "BEGIN", "BETWEEN", "BY", "CASCADE", "CASE",
                 "CAST", "CHECK", "COLLATE", "COLUMN", "COMMIT", "CONFLICT", "CONSTRAINT",
                 "CREATE", "CROSS", "CURRENT", "CURRENT_DATE", "CURRENT_TIME",
                 "CURRENT_TIMESTAMP", "DATABASE", "DEFAULT", "DEFERRABLE", "DELETE", "DESC",
                 "DISTINCT", "DO", "DROP", "EACH", "ELSE", "END", "ESCAPE", "EXCEPT",
                 "EXCLUSIVE", "EXISTS", "EXPLAIN", "FALSE", "FETCH", "FILTER", "FIRST",
                 "FOLLOWING", "FOR", "FOREIGN", "FROM", "FULL", "FUNCTION", "GRANT", "GROUP",
                 "HAVING", "IF", "IGNORE", "IN", "INDEX", "INNER", "INSERT", "INSTEAD",
                 "INTERSECT", "INTO", "IS", "JOIN", "KEY", "LAST", "LATERAL", "LEFT", "LIKE",
                 "LIMIT", "MATCH", "NATURAL", "NO", "NOT", "NOTHING", "NULL", "NULLS", "OF",
                 "OFFSET", "ON", "OR", "ORDER", "OUTER", "OVER", "PARTITION", "PRIMARY",
                 "RANGE", "RECURSIVE", "REFERENCES", "RENAME", "REPLACE", "RESTRICT",
                 "RETURNING", "RETURNS", "REVOKE", "RIGHT", "ROLLBACK", "ROW", "ROWS",
                 "SCHEMA", "SELECT", "SET", "TABLE", "TEMP", "TEMPORARY", "THEN", "TO",
                 "TRANSACTION", "TRIGGER", "TRUE", "UNION", "UNIQUE", "UPDATE", "USING",
                 "VALUES", "VIEW", "WHEN", "WHERE", "WINDOW", "WITH", "WITHOUT", "LANGUAGE",
                 "REPLACE", "OWNER", "SEQUENCE", "EXECUTE", "PROCEDURE", "DECLARE", "RETURN",
                 "LOOP", "WHILE", "IMMEDIATE", "ONLY", "CONCURRENTLY", "MATERIALIZED"}),
          T::kKeyword),
        R(Words({"ARRAY", "BIGINT", "BINARY", "BIT", "BLOB", "BOOLEAN", "CHAR", "CHARACTER",
                 "DATE", "DEC", "DECIMAL", "FLOAT", "INT", "INT8", "INTEGER", "INTERVAL",
                 "NUMBER", "NUMERIC", "REAL", "SERIAL", "BIGSERIAL", "SMALLINT", "TEXT", "TIME",
                 "TIMESTAMP", "TINYINT", "VARCHAR", "VARYING", "JSON", "JSONB", "UUID",
                 "BYTEA", "DOUBLE", "PRECISION", "TIMESTAMPTZ"}),
          T::kNameBuiltin),
        R(R"([+*/<>=~!@#%^&|`?-])", T::kOperator),
        R(R"([0-9]+\.[0-9]*|\.[0-9]+)", T::kNumberFloat),
        R(R"([0-9]+)", T::kNumberInteger),
        R(R"('(?:''|[^'])*')", T::kStringSingle),
        R(R"("(?:""|[^"])*")", T::kStringSymbol),
        R(R"([a-z_][\w$]*)", T::kName),
        R(R"([;:()\[\],.])", T::kPunctuation)}}};
  return d;
}

// --- Diff ---------------------------------------------------------------------------
LexerDef Diff() {
  LexerDef d;
  d.name = "diff";
  d.aliases = {"udiff", "patch"};
  d.states = {{"root",
               {G(R"(( )(.*)(\n))", {T::kWhitespace, T::kText, T::kWhitespace}),
                G(R"((!.*|---)(\n))", {T::kGenericStrong, T::kWhitespace}),
                G(R"(((?:< |-).*)(\n))", {T::kGenericDeleted, T::kWhitespace}),
                G(R"(((?:> |\+).*)(\n))", {T::kGenericInserted, T::kWhitespace}),
                G(R"((@.*|\d(?:,\d+)?(?:a|c|d)\d+(?:,\d+)?)(\n))", {T::kGenericSubheading, T::kWhitespace}),
                G(R"(((?:[Ii]ndex|diff).*)(\n))", {T::kGenericHeading, T::kWhitespace}),
                G(R"((=.*)(\n))", {T::kGenericHeading, T::kWhitespace}),
                G(R"((.*)(\n))", {T::kText, T::kWhitespace})}}};
  return d;
}

// --- Markdown ---------------------------------------------------------------------------
LexerDef Markdown() {
  LexerDef d;
  d.name = "markdown";
  d.aliases = {"md"};
  d.states = {
      {"root",
       {G(R"(^(#[^#].+)(\n))", {T::kGenericHeading, T::kText}),
        G(R"(^(#{2,6}[^#].+)(\n))", {T::kGenericSubheading, T::kText}),
        G(R"(^(.+)(\n)(=+)(\n))", {T::kGenericHeading, T::kText, T::kGenericHeading, T::kText}),
        G(R"(^(.+)(\n)(-+)(\n))", {T::kGenericSubheading, T::kText, T::kGenericSubheading, T::kText}),
        G(R"(^(\s*)([*-] )(\[[ xX]\])( .+\n))", {T::kWhitespace, T::kKeyword, T::kKeyword, T::kText}),
        // Pygments lexes a list item's text with the inline rules.
        G(R"(^([ \t]*)([*-])([ \t]))", {T::kWhitespace, T::kKeyword, T::kWhitespace}, "inline-line"),
        G(R"(^([ \t]*)([0-9]+\.)( ))", {T::kWhitespace, T::kKeyword, T::kText}, "inline-line"),
        G(R"(^(\s*>\s)(.+\n))", {T::kKeyword, T::kGenericEmph}),
        G(R"(^(\s*```\n[\w\W]*?^\s*```$)(\n))", {T::kString, T::kText}),
        G(R"(^(\s*```[\w+-]+\n)([\w\W]*?)(^\s*```$)(\n))", {T::kStringBacktick, T::kText, T::kStringBacktick, T::kText}),
        Include("inline")}},
      {"inline-line", {R(R"(\n)", T::kText, "#pop"), Include("inline")}},
      {"inline",
       {R(R"(\\.)", T::kText),
        G(R"(([^`]?)(`[^`\n]+`))", {T::kText, T::kStringBacktick}),
        G(R"(([^\*]?)(\*\*[^* \n][^*\n]*\*\*))", {T::kText, T::kGenericStrong}),
        G(R"(([^_]?)(__[^_ \n][^_\n]*__))", {T::kText, T::kGenericStrong}),
        G(R"(([^\*]?)(\*[^* \n][^*\n]*\*))", {T::kText, T::kGenericEmph}),
        G(R"(([^_]?)(_[^_ \n][^_\n]*_))", {T::kText, T::kGenericEmph}),
        G(R"(([^~]?)(~~[^~ \n][^~\n]*~~))", {T::kText, T::kGenericDeleted}),
        R(R"([@#][\w/:]+)", T::kNameEntity),
        G(R"((!?\[)([^]]+)(\])(\()([^)]+)(\)))", {T::kText, T::kNameTag, T::kText, T::kText, T::kNameAttribute, T::kText}),
        G(R"((\[)([^]]+)(\])(\[)([^]]*)(\]))", {T::kText, T::kNameTag, T::kText, T::kText, T::kNameLabel, T::kText}),
        G(R"(^(\s*\[)([^]]*)(\]:\s*)(.+))", {T::kText, T::kNameLabel, T::kText, T::kNameAttribute}),
        R(R"([^\\\s]+)", T::kText),
        R(R"([ \t]+)", T::kText),
        R(R"(.)", T::kText)}},
  };
  return d;
}

}  // namespace

std::vector<LexerDef> BuiltinLanguages() {
  std::vector<LexerDef> defs;
  defs.push_back(Python());
  defs.push_back(CFamily(false));
  defs.push_back(CFamily(true));
  defs.push_back(Go());
  defs.push_back(Rust());
  defs.push_back(JavaScriptLike(false));
  defs.push_back(JavaScriptLike(true));
  defs.push_back(Json());
  defs.push_back(Yaml());
  defs.push_back(Toml());
  defs.push_back(Bash());
  defs.push_back(Html());
  defs.push_back(Css());
  defs.push_back(Sql());
  defs.push_back(Diff());
  defs.push_back(Markdown());
  return defs;
}

}  // namespace serval::highlight
