// languages.h — the definitions of Serval's built-in lexers.
//
// One LexerDef per language (python, c, cpp, go, rust, javascript,
// typescript, json, yaml, toml, bash, html, css, sql, diff, markdown),
// written after the corresponding Pygments lexer so token classes agree
// (tools/highlight_diff.py measures how well).
//
// Thread-safety: a pure function; the registry in highlight.cc compiles
// the result once.
#ifndef SERVAL_HIGHLIGHT_LANGUAGES_H_
#define SERVAL_HIGHLIGHT_LANGUAGES_H_

#include <vector>

#include "src/highlight/lexer.h"

namespace serval::highlight {

std::vector<LexerDef> BuiltinLanguages();

}  // namespace serval::highlight

#endif  // SERVAL_HIGHLIGHT_LANGUAGES_H_
