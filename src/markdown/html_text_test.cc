#include "src/markdown/html_text.h"

#include <random>
#include <string>

#include "gtest/gtest.h"
#include "src/highlight/highlight.h"

namespace serval::markdown {
namespace {

TEST(HtmlTextTest, Escapes) {
  HtmlBuffer out;
  AppendMd4cEscaped("a & b <c> \"d\" 'e'", &out);
  EXPECT_EQ(out.view(), "a &amp; b &lt;c&gt; &quot;d&quot; 'e'");
}

TEST(HtmlTextTest, CountsWordsAcrossCalls) {
  HtmlBuffer out;
  bool in_word = false;
  EXPECT_EQ(AppendEscapedCountingWords("one two thr", &out, &in_word), 3);
  EXPECT_TRUE(in_word);
  EXPECT_EQ(AppendEscapedCountingWords("ee four\t\n", &out, &in_word), 1);
  EXPECT_FALSE(in_word);
  EXPECT_EQ(out.view(), "one two three four\t\n");
  in_word = false;
  EXPECT_EQ(CountWords(" \v\f\ra\x80 b\x01 ", &in_word), 2);
}

// The 16-byte paths against the byte-table ones, on random text of every
// length up to 100 (so every tail length and block boundary), with the
// bytes that matter over-represented.
TEST(HtmlTextTest, FastPathsEqualScalar) {
  std::mt19937 rng(4);
  const std::string alphabet = "ab &<>\"'\t\n\v\f\r\x08\x0e\x1f!\x7f\x80\xff";
  for (int round = 0; round < 200; ++round) {
    for (size_t len = 0; len <= 100; ++len) {
      std::string text;
      for (size_t i = 0; i < len; ++i) {
        text.push_back(rng() % 4 == 0 ? static_cast<char>(rng() % 256)
                                      : alphabet[rng() % alphabet.size()]);
      }
      const bool start_in_word = rng() % 2 == 0;
      HtmlBuffer want, got, escaped;
      bool want_in_word = start_in_word, got_in_word = start_in_word,
           count_in_word = start_in_word;
      const int want_words = internal::AppendEscapedCountingWordsScalar(
          text, &want, &want_in_word);
      EXPECT_EQ(AppendEscapedCountingWords(text, &got, &got_in_word),
                want_words);
      EXPECT_EQ(got.view(), want.view());
      EXPECT_EQ(got_in_word, want_in_word);
      EXPECT_EQ(CountWords(text, &count_in_word), want_words);
      EXPECT_EQ(count_in_word, want_in_word);
      AppendMd4cEscaped(text, &escaped);
      EXPECT_EQ(escaped.view(), want.view());
      HtmlBuffer scalar_escaped;
      scalar_escaped.append("x");
      internal::AppendMd4cEscapedScalar(text, &scalar_escaped);
      EXPECT_EQ(scalar_escaped.view(), "x" + std::string(want.view()));
    }
  }
}

// AppendHtmlEscaped escapes as the highlighter does, ' included.
TEST(HtmlTextTest, HtmlEscapedEqualsHighlighter) {
  std::mt19937 rng(6);
  const std::string alphabet = "ab &<>\"'\t\n\x80\xff";
  for (int round = 0; round < 50; ++round) {
    for (size_t len = 0; len <= 100; ++len) {
      std::string text;
      for (size_t i = 0; i < len; ++i) {
        text.push_back(alphabet[rng() % alphabet.size()]);
      }
      std::string want = "x";
      highlight::AppendEscapedHtml(text, &want);
      HtmlBuffer got, scalar;
      got.append("x");
      scalar.append("x");
      AppendHtmlEscaped(text, &got);
      internal::AppendHtmlEscapedScalar(text, &scalar);
      EXPECT_EQ(got.view(), want);
      EXPECT_EQ(scalar.view(), want);
    }
  }
}

// Long texts: the 16-byte path sums its per-byte counters every 255 blocks.
TEST(HtmlTextTest, LongTextsEqualScalar) {
  std::mt19937 rng(8);
  for (size_t len : {4079, 4080, 4081, 4095, 4096, 4097, 20000}) {
    for (int word_len : {1, 2, 7}) {
      std::string text;
      while (text.size() < len) {
        text.append(rng() % word_len + 1, "a&<x"[rng() % 4]);
        text.push_back(" \n\t"[rng() % 3]);
      }
      text.resize(len);
      bool want_in_word = false, got_in_word = false;
      HtmlBuffer want, got;
      const int want_words = internal::AppendEscapedCountingWordsScalar(
          text, &want, &want_in_word);
      EXPECT_EQ(AppendEscapedCountingWords(text, &got, &got_in_word),
                want_words);
      EXPECT_EQ(got.view(), want.view());
      EXPECT_EQ(got_in_word, want_in_word);
    }
  }
}

}  // namespace
}  // namespace serval::markdown
