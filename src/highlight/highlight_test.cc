#include "src/highlight/highlight.h"

#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace serval::highlight {
namespace {

std::string Classes(absl::string_view lang, absl::string_view code) {
  const Lexer* lexer = FindLexer(lang);
  EXPECT_NE(lexer, nullptr) << lang;
  if (lexer == nullptr) return "";
  std::vector<Token> tokens;
  lexer->Tokenize(code, &tokens);
  std::string out;
  size_t at = 0;
  for (const Token& t : tokens) {
    EXPECT_EQ(t.begin, at);
    at += t.length;
    if (t.type == TokenType::kWhitespace || t.type == TokenType::kText) continue;
    absl::StrAppend(&out, CssClass(t.type), ":", code.substr(t.begin, t.length), " ");
  }
  EXPECT_EQ(at, code.size());
  return out;
}

// First in the file, so that no lexer is compiled yet: threads racing to
// the first lookup of each language (in different orders) all get the same
// lexer, compiled once. Under TSan this also checks the lazy compile.
TEST(HighlightTest, FirstLookupsFromManyThreadsAgree) {
  static constexpr const char* kNames[] = {
      "python", "c", "cpp", "go", "rust", "javascript", "typescript", "json",
      "yaml", "toml", "bash", "html", "css", "sql", "diff", "markdown"};
  constexpr int kThreads = 8;
  constexpr int kCount = sizeof(kNames) / sizeof(kNames[0]);
  std::vector<std::vector<const Lexer*>> seen(kThreads, std::vector<const Lexer*>(kCount));
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([t, &seen] {
      for (int k = 0; k < kCount; ++k) {
        const int i = (k * (t % 2 == 0 ? 1 : kCount - 1) + t) % kCount;
        seen[t][i] = FindLexer(kNames[i]);
      }
    });
  }
  for (std::thread& th : threads) th.join();
  for (int i = 0; i < kCount; ++i) {
    ASSERT_NE(seen[0][i], nullptr) << kNames[i];
    EXPECT_EQ(seen[0][i]->name(), kNames[i]);
    for (int t = 1; t < kThreads; ++t) EXPECT_EQ(seen[t][i], seen[0][i]) << kNames[i];
  }
}

// One lexer shared by threads tokenizing at once (every rule kind: tries,
// runs, groups, the RE2 fallback on non-ASCII text): each gets what a
// lone call gets. Under TSan this checks the matching path shares no
// mutable state.
TEST(HighlightTest, TokenizeFromManyThreadsAgrees) {
  const std::string code = absl::StrCat(
      "def f(x):\n    \"\"\"Doc.\"\"\"\n    return x + 1  # \xc3\xa9\n",
      "class C(Base):\n    s = f'{x!r:>10}' + r'\\d' + \"caf\xc3\xa9\"\n",
      "import os, sys\nfrom a.b import c as d\n@dec\nasync def g(): await h()\n");
  const Lexer* lexer = FindLexer("python");
  ASSERT_NE(lexer, nullptr);
  std::vector<Token> want;
  lexer->Tokenize(code, &want);
  std::string want_html;
  AppendHighlightedHtml("python", code, &want_html);
  constexpr int kThreads = 4;
  std::vector<int> agreed(kThreads, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        std::vector<Token> got;
        lexer->Tokenize(code, &got);
        std::string html;
        AppendHighlightedHtml("python", code, &html);
        bool same = got.size() == want.size() && html == want_html;
        for (size_t k = 0; same && k < got.size(); ++k) {
          same = got[k].type == want[k].type && got[k].begin == want[k].begin &&
                 got[k].length == want[k].length;
        }
        agreed[t] += same;
      }
    });
  }
  for (std::thread& th : threads) th.join();
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(agreed[t], 50) << "thread " << t;
}

TEST(HighlightTest, EveryLanguageAndAliasIsRegistered) {
  std::vector<std::string> names = LexerNames();
  EXPECT_EQ(names.size(), 16u);
  for (const char* alias : {"py", "C++", "golang", "rs", "js", "ts", "yml", "sh", "md",
                            "patch", "htm", "json", "toml", "sql", "css", "c"}) {
    EXPECT_NE(FindLexer(alias), nullptr) << alias;
  }
  EXPECT_EQ(FindLexer("cobol-2085"), nullptr);
}

TEST(HighlightTest, PythonTokens) {
  EXPECT_EQ(Classes("python", "def f(x):\n    return 'a' + 1  # c\n"),
            "k:def nf:f p:( n:x p:): k:return s1:'a' o:+ mi:1 c1:# c ");
}

TEST(HighlightTest, CTokens) {
  EXPECT_EQ(Classes("c", "#include <stdio.h>\nint main(void) { return 0; }\n"),
            "cp:#include cpf:<stdio.h> kt:int nf:main p:( kt:void p:) p:{ k:return mi:0 p:; p:} ");
}

TEST(HighlightTest, JsonKeysAreTags) {
  EXPECT_EQ(Classes("json", "{\"a\": [1, 2.5, true, \"s\"]}\n"),
            "p:{ nt:\"a\" p:: p:[ mi:1 p:, mf:2.5 p:, kc:true p:, s2:\"s\" p:]} ");
}

TEST(HighlightTest, DiffLines) {
  EXPECT_EQ(Classes("diff", "--- a\n+++ b\n@@ -1 +1 @@\n-x\n+y\n"),
            "gd:--- a gi:+++ b gu:@@ -1 +1 @@ gd:-x gi:+y ");
}

TEST(HighlightTest, HtmlOutputIsEscaped) {
  std::string html;
  EXPECT_TRUE(AppendHighlightedHtml("py", "x = '<b>'\n", &html));
  EXPECT_EQ(html,
            "<span class=\"n\">x</span> <span class=\"o\">=</span> "
            "<span class=\"s1\">&#39;&lt;b&gt;&#39;</span>"
            "<span class=\"w\">\n</span>");
  std::string plain;
  EXPECT_FALSE(AppendHighlightedHtml("nosuch", "<&>", &plain));
  EXPECT_EQ(plain, "&lt;&amp;&gt;");
}

TEST(HighlightTest, InvalidUtf8AndBinaryNeverStall) {
  static constexpr char kJunk[] = "\xff\xfe\x00\x80 \"unterminated\n/* open";
  const std::string junk(kJunk, sizeof(kJunk) - 1);
  for (const std::string& name : LexerNames()) {
    std::string html;
    AppendHighlightedHtml(name, junk, &html);
    EXPECT_FALSE(html.empty()) << name;
  }
}

TEST(HighlightTest, SharedAcrossThreads) {
  const std::string code = "for i in range(10):\n    print(i)\n";
  std::string expected;
  AppendHighlightedHtml("python", code, &expected);
  std::vector<std::thread> threads;
  std::vector<std::string> results(8);
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        std::string html;
        AppendHighlightedHtml(i % 2 ? "python" : "rust", code, &html);
        if (i % 2) results[t] = html;
      }
    });
  }
  for (auto& th : threads) th.join();
  for (const std::string& r : results) EXPECT_EQ(r, expected);
}

}  // namespace
}  // namespace serval::highlight
