// highlight_fuzzer — any language x any bytes: the first byte picks a
// lexer, the rest is code.
//  * tokens cover the input exactly, in order, with no empty token;
//  * the HTML is escaped: no '<' other than our own span tags;
//  * valid UTF-8 in gives valid UTF-8 out;
//  * the work counted is within Lexer::MaxWork (linear in the length), and
//    a block past the budget is one plain token, its HTML the escaped code.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "src/base/utf8.h"
#include "src/highlight/highlight.h"

namespace {
void Check(bool condition, const char* what) {
  if (!condition) {
    std::fprintf(stderr, "highlight_fuzzer: invariant failed: %s\n", what);
    std::abort();
  }
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1 || size > 16384) return 0;
  static const std::vector<std::string> names = serval::highlight::LexerNames();
  const std::string& name = names[data[0] % names.size()];
  const std::string code(reinterpret_cast<const char*>(data + 1), size - 1);
  const serval::highlight::Lexer* lexer = serval::highlight::FindLexer(name);
  Check(lexer != nullptr, "registered lexer found");
  std::vector<serval::highlight::Token> tokens;
  uint64_t work = 0;
  const bool highlighted = lexer->Tokenize(code, &tokens, &work);
  Check(work <= lexer->MaxWork(code.size()), "work within the bound");
  Check(highlighted || work > serval::highlight::Lexer::WorkBudget(code.size()),
        "falls back only past the budget");
  size_t at = 0;
  for (const auto& t : tokens) {
    Check(t.begin == at, "tokens are contiguous");
    Check(t.length > 0, "no empty token");
    at += t.length;
  }
  Check(at == code.size(), "tokens cover the input");
  std::string html;
  serval::highlight::AppendHighlightedHtml(name, code, &html);
  if (!highlighted) {
    Check(tokens.size() == 1 && tokens[0].type == serval::highlight::TokenType::kText,
          "a fallback is one plain token");
    std::string escaped;
    serval::highlight::AppendEscapedHtml(code, &escaped);
    Check(html == escaped, "a fallback is the escaped code");
  }
  for (size_t i = html.find('<'); i != std::string::npos; i = html.find('<', i + 1)) {
    Check(html.compare(i, 13, "<span class=\"") == 0 || html.compare(i, 7, "</span>") == 0,
          "only span tags");
  }
  if (serval::base::IsValidUtf8(code)) {
    Check(serval::base::IsValidUtf8(html), "html is valid UTF-8");
  }
  return 0;
}
