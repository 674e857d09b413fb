// The per-block work budget (lexer.h): hostile blocks cost work linear in
// their length and fall back to plain code; normal code stays far below
// the budget.
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "src/highlight/highlight.h"

namespace serval::highlight {
namespace {

std::string Repeat(absl::string_view unit, size_t bytes) {
  std::string s;
  while (s.size() < bytes) absl::StrAppend(&s, unit);
  return s;
}

struct Hostile {
  std::string what;
  std::string code;
};

// Blocks on which matching from every position scans to the end of the
// line or of the text: openers that never close.
std::vector<Hostile> HostileBlocks(size_t bytes) {
  std::vector<Hostile> blocks;
  // json, javascript, c...: a string opened at every quote, escaped quotes.
  blocks.push_back({"a\\\" run", Repeat("a\\\"", bytes)});
  blocks.push_back({"a\\' run", Repeat("a\\'", bytes)});
  blocks.push_back({"\\\" run", Repeat("\\\"", bytes)});
  // python: unclosed triple quotes, raw and not, at line starts and not.
  blocks.push_back({"unclosed \"\"\"", "\"\"\"" + Repeat("'''x\n", bytes)});
  blocks.push_back({"r\"\"\" run", Repeat("r\"\"\"x", bytes)});
  blocks.push_back({"''' lines", Repeat("'''\n\"\"\"x", bytes)});
  // Long lines of one repeated opener.
  for (const char* opener : {"\"", "'", "`", "/", "<", "[", "(", "{", "#", "-", "*", "$"}) {
    blocks.push_back({absl::StrCat(opener, " line"), Repeat(opener, bytes)});
  }
  // Deeply repeated comment openers, on one line and one per line.
  for (const char* opener : {"/*", "<!--", "<![CDATA[", "<?", "{-", "(*", "--[["}) {
    blocks.push_back({absl::StrCat(opener, " run"), Repeat(opener, bytes)});
    blocks.push_back({absl::StrCat(opener, " lines"), Repeat(absl::StrCat(opener, "\n"), bytes)});
  }
  // The same with non-ASCII text inside, where RE2 decides.
  blocks.push_back({"\\\"\xc3\xa9 run", Repeat("\"\xc3\xa9\\\"", bytes)});
  blocks.push_back({"/*\xc3\xa9 run", Repeat("/*\xc3\xa9", bytes)});
  return blocks;
}

std::string Escaped(absl::string_view code) {
  std::string out;
  AppendEscapedHtml(code, &out);
  return out;
}

// (a) valid tokens covering the block exactly, or the plain fallback;
// (b) the work counted within the bound, linear in the length.
TEST(WorkBudgetTest, HostileBlocksAreBoundedInEveryLanguage) {
  constexpr size_t kBytes = 12000;
  int fell_back = 0;
  for (const std::string& name : LexerNames()) {
    const Lexer* lexer = FindLexer(name);
    ASSERT_NE(lexer, nullptr);
    for (const Hostile& block : HostileBlocks(kBytes)) {
      const std::string& code = block.code;
      std::vector<Token> tokens;
      uint64_t work = 0;
      const bool highlighted = lexer->Tokenize(code, &tokens, &work);
      EXPECT_LE(work, lexer->MaxWork(code.size())) << name << " " << block.what;
      size_t at = 0;
      for (const Token& t : tokens) {
        EXPECT_EQ(t.begin, at) << name << " " << block.what;
        EXPECT_GT(t.length, 0u);
        at += t.length;
      }
      EXPECT_EQ(at, code.size()) << name << " " << block.what;
      std::string html;
      EXPECT_TRUE(AppendHighlightedHtml(name, code, &html));
      if (!highlighted) {
        ++fell_back;
        ASSERT_EQ(tokens.size(), 1u);
        EXPECT_EQ(tokens[0].type, TokenType::kText);
        EXPECT_GT(work, Lexer::WorkBudget(code.size())) << name << " " << block.what;
        EXPECT_EQ(html, Escaped(code)) << name << " " << block.what;
      }
    }
  }
  // Several of them are quadratic without the budget.
  std::printf("%d of %zu hostile blocks fell back to plain code\n", fell_back,
              LexerNames().size() * HostileBlocks(kBytes).size());
  EXPECT_GT(fell_back, 0);
}

// Tokenizes `code` in `language`: whether it was highlighted, and the
// work counted.
struct Counted {
  bool highlighted;
  uint64_t work;
};
Counted TokenizeCounted(absl::string_view language, absl::string_view code) {
  std::vector<Token> tokens;
  uint64_t work = 0;
  const bool highlighted = FindLexer(language)->Tokenize(code, &tokens, &work);
  return {highlighted, work};
}

// The issue's repro: 80 KB of a\" in a json block was 5 s of matching,
// each quote's string scanned to the end of the line. Now a failed scan
// tells where later quotes fail too (SimpleRegex::FailsBefore): linear,
// and highlighted.
TEST(WorkBudgetTest, JsonBackslashQuoteRunIsLinear) {
  const std::string code = Repeat("a\\\"", 80000);
  const Counted json = TokenizeCounted("json", code);
  EXPECT_TRUE(json.highlighted);
  EXPECT_LE(json.work, 8 * code.size());
}

// javascript's strings have no such shortcut: its block falls back.
TEST(WorkBudgetTest, JavascriptBackslashQuoteRunFallsBackToPlainCode) {
  const std::string code = Repeat("a\\\"", 80000);
  const Counted js = TokenizeCounted("javascript", code);
  EXPECT_FALSE(js.highlighted);
  EXPECT_LE(js.work, FindLexer("javascript")->MaxWork(code.size()));
  std::string html;
  EXPECT_TRUE(AppendHighlightedHtml("javascript", code, &html));
  EXPECT_EQ(html, Escaped(code));
  // Short blocks of it are still highlighted.
  EXPECT_TRUE(TokenizeCounted("javascript", Repeat("a\\\"", 300)).highlighted);
}

// Tokens appended before a fallback are kept; the fallback replaces only
// what the call appended.
TEST(WorkBudgetTest, FallbackKeepsEarlierTokens) {
  const Lexer* js = FindLexer("javascript");
  std::vector<Token> tokens;
  js->Tokenize("1", &tokens);
  ASSERT_EQ(tokens.size(), 1u);
  const Token one = tokens[0];
  const std::string code = Repeat("a\\\"", 30000);
  EXPECT_FALSE(js->Tokenize(code, &tokens));
  ASSERT_EQ(tokens.size(), 2u);
  EXPECT_EQ(tokens[0].type, one.type);
  EXPECT_EQ(tokens[0].length, one.length);
  EXPECT_EQ(tokens[1].type, TokenType::kText);
  EXPECT_EQ(tokens[1].begin, 0u);
  EXPECT_EQ(tokens[1].length, code.size());
}

std::string ReadSample(const std::string& name) {
  std::ifstream in("src/highlight/testdata/" + name + ".sample", std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Normal code counts a few steps per byte: far below the budget, in its
// own language and in every other one, with non-ASCII letters too.
TEST(WorkBudgetTest, SamplesStayFarBelowTheBudget) {
  for (const std::string& sample : LexerNames()) {
    const std::string text = ReadSample(sample);
    ASSERT_FALSE(text.empty()) << sample;
    std::string accented;
    for (const char c : text) {
      if (c == 'e') {
        accented += "\xc3\xa9";
      } else if (c == 'o') {
        accented += "\xe4\xb8\xad";
      } else {
        accented += c;
      }
    }
    for (const std::string& name : LexerNames()) {
      for (const std::string* code : {&text, static_cast<const std::string*>(&accented)}) {
        std::vector<Token> tokens;
        uint64_t work = 0;
        EXPECT_TRUE(FindLexer(name)->Tokenize(*code, &tokens, &work));
        EXPECT_LE(work, 64 * code->size()) << name << " on " << sample << ".sample";
      }
    }
  }
}

}  // namespace
}  // namespace serval::highlight
