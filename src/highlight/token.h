// token.h — token types with Pygments' names and CSS classes.
//
// Each TokenType is one of Pygments' standard token types; CssClass gives
// the short class Pygments' HtmlFormatter writes for it ("k" for
// Keyword, "s2" for String.Double, "" for plain Text), so stylesheets
// written for Pygments apply to Serval's output unchanged.
//
// Example:
//   CssClass(TokenType::kKeywordConstant)  // "kc"
//   PygmentsName(TokenType::kKeywordConstant)  // "Keyword.Constant"
//
// Thread-safety: pure functions over constant tables.
#ifndef SERVAL_HIGHLIGHT_TOKEN_H_
#define SERVAL_HIGHLIGHT_TOKEN_H_

#include <cstdint>

#include "absl/strings/string_view.h"

namespace serval::highlight {

// X(enumerator, pygments name, css class)
#define SERVAL_TOKEN_TYPES(X)                                  \
  X(kText, "Text", "")                                         \
  X(kWhitespace, "Text.Whitespace", "w")                       \
  X(kError, "Error", "err")                                    \
  X(kKeyword, "Keyword", "k")                                  \
  X(kKeywordConstant, "Keyword.Constant", "kc")                \
  X(kKeywordDeclaration, "Keyword.Declaration", "kd")          \
  X(kKeywordNamespace, "Keyword.Namespace", "kn")              \
  X(kKeywordPseudo, "Keyword.Pseudo", "kp")                    \
  X(kKeywordReserved, "Keyword.Reserved", "kr")                \
  X(kKeywordType, "Keyword.Type", "kt")                        \
  X(kName, "Name", "n")                                        \
  X(kNameAttribute, "Name.Attribute", "na")                    \
  X(kNameBuiltin, "Name.Builtin", "nb")                        \
  X(kNameBuiltinPseudo, "Name.Builtin.Pseudo", "bp")           \
  X(kNameClass, "Name.Class", "nc")                            \
  X(kNameConstant, "Name.Constant", "no")                      \
  X(kNameDecorator, "Name.Decorator", "nd")                    \
  X(kNameEntity, "Name.Entity", "ni")                          \
  X(kNameException, "Name.Exception", "ne")                    \
  X(kNameFunction, "Name.Function", "nf")                      \
  X(kNameFunctionMagic, "Name.Function.Magic", "fm")           \
  X(kNameProperty, "Name.Property", "py")                      \
  X(kNameLabel, "Name.Label", "nl")                            \
  X(kNameNamespace, "Name.Namespace", "nn")                    \
  X(kNameOther, "Name.Other", "nx")                            \
  X(kNameTag, "Name.Tag", "nt")                                \
  X(kNameVariable, "Name.Variable", "nv")                      \
  X(kNameVariableClass, "Name.Variable.Class", "vc")           \
  X(kNameVariableGlobal, "Name.Variable.Global", "vg")         \
  X(kNameVariableInstance, "Name.Variable.Instance", "vi")     \
  X(kNameVariableMagic, "Name.Variable.Magic", "vm")           \
  X(kLiteral, "Literal", "l")                                  \
  X(kLiteralDate, "Literal.Date", "ld")                        \
  X(kString, "Literal.String", "s")                            \
  X(kStringAffix, "Literal.String.Affix", "sa")                \
  X(kStringBacktick, "Literal.String.Backtick", "sb")          \
  X(kStringChar, "Literal.String.Char", "sc")                  \
  X(kStringDelimiter, "Literal.String.Delimiter", "dl")        \
  X(kStringDoc, "Literal.String.Doc", "sd")                    \
  X(kStringDouble, "Literal.String.Double", "s2")              \
  X(kStringEscape, "Literal.String.Escape", "se")              \
  X(kStringHeredoc, "Literal.String.Heredoc", "sh")            \
  X(kStringInterpol, "Literal.String.Interpol", "si")          \
  X(kStringOther, "Literal.String.Other", "sx")                \
  X(kStringRegex, "Literal.String.Regex", "sr")                \
  X(kStringSingle, "Literal.String.Single", "s1")              \
  X(kStringSymbol, "Literal.String.Symbol", "ss")              \
  X(kNumber, "Literal.Number", "m")                            \
  X(kNumberBin, "Literal.Number.Bin", "mb")                    \
  X(kNumberFloat, "Literal.Number.Float", "mf")                \
  X(kNumberHex, "Literal.Number.Hex", "mh")                    \
  X(kNumberInteger, "Literal.Number.Integer", "mi")            \
  X(kNumberIntegerLong, "Literal.Number.Integer.Long", "il")   \
  X(kNumberOct, "Literal.Number.Oct", "mo")                    \
  X(kOperator, "Operator", "o")                                \
  X(kOperatorWord, "Operator.Word", "ow")                      \
  X(kPunctuation, "Punctuation", "p")                          \
  X(kComment, "Comment", "c")                                  \
  X(kCommentHashbang, "Comment.Hashbang", "ch")                \
  X(kCommentMultiline, "Comment.Multiline", "cm")              \
  X(kCommentPreproc, "Comment.Preproc", "cp")                  \
  X(kCommentPreprocFile, "Comment.PreprocFile", "cpf")         \
  X(kCommentSingle, "Comment.Single", "c1")                    \
  X(kCommentSpecial, "Comment.Special", "cs")                  \
  X(kGeneric, "Generic", "g")                                  \
  X(kGenericDeleted, "Generic.Deleted", "gd")                  \
  X(kGenericEmph, "Generic.Emph", "ge")                        \
  X(kGenericError, "Generic.Error", "gr")                      \
  X(kGenericHeading, "Generic.Heading", "gh")                  \
  X(kGenericInserted, "Generic.Inserted", "gi")                \
  X(kGenericOutput, "Generic.Output", "go")                    \
  X(kGenericPrompt, "Generic.Prompt", "gp")                    \
  X(kGenericStrong, "Generic.Strong", "gs")                    \
  X(kGenericSubheading, "Generic.Subheading", "gu")            \
  X(kGenericTraceback, "Generic.Traceback", "gt")              \
  X(kLiteralScalarPlain, "Literal.Scalar.Plain", "lScalarPlain") \
  X(kPunctuationIndicator, "Punctuation.Indicator", "pIndicator")

enum class TokenType : uint8_t {
#define SERVAL_TOKEN_ENUM(e, name, css) e,
  SERVAL_TOKEN_TYPES(SERVAL_TOKEN_ENUM)
#undef SERVAL_TOKEN_ENUM
  kCount
};

// Pygments' short CSS class ("" for plain Text).
absl::string_view CssClass(TokenType type);
// Pygments' full name, e.g. "Literal.String.Double".
absl::string_view PygmentsName(TokenType type);

struct Token {
  TokenType type;
  uint32_t begin;   // byte offset into the tokenized text
  uint32_t length;  // bytes
};

}  // namespace serval::highlight

#endif  // SERVAL_HIGHLIGHT_TOKEN_H_
