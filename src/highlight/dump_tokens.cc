// dump_tokens LANGUAGE FILE — prints FILE's tokens, one per line:
// the Pygments token name, a tab, the token text with \n, \t, \\ escaped.
// Used by tools/highlight_diff.py; exit 2 on usage errors or an unknown
// language.
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "src/highlight/highlight.h"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: dump_tokens LANGUAGE FILE\n");
    return 2;
  }
  const serval::highlight::Lexer* lexer = serval::highlight::FindLexer(argv[1]);
  if (lexer == nullptr) {
    std::fprintf(stderr, "dump_tokens: unknown language %s\n", argv[1]);
    return 2;
  }
  std::ifstream in(argv[2], std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "dump_tokens: cannot read %s\n", argv[2]);
    return 2;
  }
  std::stringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  if (text.empty() || text.back() != '\n') text.push_back('\n');  // as Pygments
  std::vector<serval::highlight::Token> tokens;
  lexer->Tokenize(text, &tokens);
  std::string out;
  for (const auto& t : tokens) {
    const absl::string_view name = serval::highlight::PygmentsName(t.type);
    out.append(name.data(), name.size());
    out.push_back('\t');
    for (char c : text.substr(t.begin, t.length)) {
      switch (c) {
        case '\n': out.append("\\n"); break;
        case '\t': out.append("\\t"); break;
        case '\\': out.append("\\\\"); break;
        default: out.push_back(c);
      }
    }
    out.push_back('\n');
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  return 0;
}
