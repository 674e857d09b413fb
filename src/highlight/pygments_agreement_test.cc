// The differential check against Pygments, replayed from committed oracle
// dumps: for every testdata/<language>.sample, at least 95% of its
// non-whitespace characters must get the token type Pygments gives them
// (testdata/<language>.pygments, written by tools/highlight_diff.py
// --regenerate with Debian's python3-pygments 2.14). Whitespace is left out
// because Pygments' Text and Text.Whitespace render alike.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "src/highlight/highlight.h"

namespace serval::highlight {
namespace {

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string Unescape(absl::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size()) {
      const char n = s[++i];
      out.push_back(n == 'n' ? '\n' : n == 't' ? '\t' : n);
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

// Token names per byte, rebuilding the text to check alignment.
std::vector<std::string> OracleTypes(const std::string& dump, std::string* text) {
  std::vector<std::string> types;
  for (absl::string_view line : absl::StrSplit(dump, '\n', absl::SkipEmpty())) {
    const size_t tab = line.find('\t');
    if (tab == absl::string_view::npos) continue;
    const std::string value = Unescape(line.substr(tab + 1));
    text->append(value);
    types.insert(types.end(), value.size(), std::string(line.substr(0, tab)));
  }
  return types;
}

TEST(PygmentsAgreementTest, AtLeast95PercentPerLanguage) {
  const std::filesystem::path dir = "src/highlight/testdata";
  int languages = 0;
  for (const std::string& name : LexerNames()) {
    const std::filesystem::path sample = dir / (name + ".sample");
    const std::filesystem::path oracle = dir / (name + ".pygments");
    ASSERT_TRUE(std::filesystem::exists(sample)) << sample;
    ASSERT_TRUE(std::filesystem::exists(oracle)) << oracle;
    std::string text = ReadFile(sample);
    if (text.empty() || text.back() != '\n') text.push_back('\n');
    std::string oracle_text;
    std::vector<std::string> theirs = OracleTypes(ReadFile(oracle), &oracle_text);
    ASSERT_EQ(oracle_text, text) << name << ": oracle dump is stale; run "
                                 << "tools/highlight_diff.py --regenerate";
    std::vector<Token> tokens;
    FindLexer(name)->Tokenize(text, &tokens);
    std::vector<std::string> ours;
    for (const Token& t : tokens) {
      ours.insert(ours.end(), t.length, std::string(PygmentsName(t.type)));
    }
    ASSERT_EQ(ours.size(), text.size());
    // Per character: count UTF-8 lead bytes only.
    int visible = 0, same = 0;
    for (size_t i = 0; i < text.size(); ++i) {
      const unsigned char c = static_cast<unsigned char>(text[i]);
      if ((c & 0xc0) == 0x80 || c == ' ' || c == '\n' || c == '\t' || c == '\r') {
        continue;
      }
      ++visible;
      same += ours[i] == theirs[i];
    }
    const double percent = 100.0 * same / std::max(visible, 1);
    std::printf("%-12s %6d chars  %5.1f%% agree with Pygments\n", name.c_str(),
                visible, percent);
    EXPECT_GE(percent, 95.0) << name;
    ++languages;
  }
  EXPECT_EQ(languages, 16);
}

}  // namespace
}  // namespace serval::highlight
