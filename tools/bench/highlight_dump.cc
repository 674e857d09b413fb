// highlight_dump DIR [RANDOM] — prints, for every language, the tokens and
// the HTML of every DIR/*.sample (each sample in every language, not only
// its own), of mutations of them and of RANDOM (default 300) random inputs
// per language: a deterministic dump to diff before and after a change to
// the lexers, which must not change token output.
//
//   bazel run -c opt //tools/bench:highlight_dump -- $PWD/src/highlight/testdata > before.txt
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "src/highlight/highlight.h"
#include "tools/bench/highlight_samples.h"

namespace {

// A small deterministic generator (xorshift64*), the same on every build.
struct Rng {
  uint64_t s;
  uint64_t Next() {
    s ^= s >> 12;
    s ^= s << 25;
    s ^= s >> 27;
    return s * 2685821657736338717ull;
  }
  size_t Below(size_t n) { return n == 0 ? 0 : Next() % n; }
};

void Dump(const serval::highlight::Lexer& lexer, const std::string& label,
          const std::string& text) {
  std::vector<serval::highlight::Token> tokens;
  lexer.Tokenize(text, &tokens);
  std::string out = "== " + lexer.name() + " " + label + "\n";
  for (const auto& t : tokens) {
    out += std::to_string(static_cast<int>(t.type)) + " " +
           std::to_string(t.begin) + " " + std::to_string(t.length) + "\n";
  }
  std::string html;
  serval::highlight::AppendHighlightedHtml(lexer.name(), text, &html);
  out += html;
  out += "\n";
  std::fwrite(out.data(), 1, out.size(), stdout);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: highlight_dump DIR [RANDOM]\n");
    return 2;
  }
  const int random = argc > 2 ? std::atoi(argv[2]) : 300;
  const std::map<std::string, std::string> samples =
      serval::bench::ReadHighlightSamples(argv[1]);
  std::string all;
  for (const auto& [name, text] : samples) all += text;
  const char* alphabet[] = {
      " ", "\t", "\n", "\n", "a", "Z", "_", "0", "9", "x", "e", "E", ".", ",",
      ";", ":", "{", "}", "(", ")", "[", "]", "<", ">", "/", "*", "#", "\"",
      "'", "`", "\\", "$", "@", "-", "+", "=", "!", "?", "&", "|", "%", "^",
      "~", "\r", "\xc3\xa9", "\xe2\x82\xac", "\xff", "\x80", "\0", "if",
      "def", "fn", "class", "```", "---", "***", "<!--", "-->", "/*", "*/",
      "//", "\"\"\"", "'''", "${", "#{", "0x1F", "1.5e-3", "true", "null"};
  const size_t alphabet_size = sizeof(alphabet) / sizeof(alphabet[0]);
  for (const std::string& language : serval::highlight::LexerNames()) {
    const serval::highlight::Lexer* lexer =
        serval::highlight::FindLexer(language);
    Rng rng{0x9e3779b97f4a7c15ull ^ std::hash<std::string>{}(language)};
    for (const auto& [name, text] : samples) {
      Dump(*lexer, "sample " + name, text);
      // Mutations: bytes replaced, deleted, inserted.
      for (int m = 0; m < 3; ++m) {
        std::string t = text;
        for (int k = 0; k < 8 && !t.empty(); ++k) {
          const size_t at = rng.Below(t.size());
          switch (rng.Below(3)) {
            case 0: t[at] = static_cast<char>(rng.Below(256)); break;
            case 1: t.erase(at, 1 + rng.Below(8)); break;
            default: t.insert(at, alphabet[rng.Below(alphabet_size)]);
          }
        }
        Dump(*lexer, "mutated " + name + " " + std::to_string(m), t);
      }
    }
    for (int i = 0; i < random; ++i) {
      std::string t;
      const size_t n = rng.Below(400);
      const int mode = static_cast<int>(rng.Below(3));
      while (t.size() < n) {
        if (mode == 0) {
          t += alphabet[rng.Below(alphabet_size)];
        } else if (mode == 1) {
          t.push_back(static_cast<char>(rng.Below(256)));
        } else {
          const size_t at = rng.Below(all.size());
          t += all.substr(at, 1 + rng.Below(40));
        }
      }
      Dump(*lexer, "random " + std::to_string(i), t);
    }
  }
  return 0;
}
