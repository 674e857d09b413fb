#include "src/highlight/simple_regex.h"

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "re2/re2.h"
#include "src/highlight/languages.h"

namespace serval::highlight {
namespace {

using Result = SimpleRegex::Result;

Result MatchEnd(const SimpleRegex& re, absl::string_view text, size_t pos,
                size_t* end) {
  return re.Match(text, pos, end);
}

TEST(SimpleRegexTest, Basics) {
  size_t end = 0;
  auto name = SimpleRegex::Compile("[a-z_]\\w*", {});
  ASSERT_TRUE(name.has_value());
  EXPECT_EQ(MatchEnd(*name, "foo bar", 0, &end), Result::kMatch);
  EXPECT_EQ(end, 3u);
  EXPECT_EQ(MatchEnd(*name, "foo bar", 3, &end), Result::kNoMatch);
  EXPECT_TRUE(name->first_bytes().Has('f'));
  EXPECT_FALSE(name->first_bytes().Has('1'));

  auto words = SimpleRegex::Compile("(?:in|int|is)\\b", {});
  ASSERT_TRUE(words.has_value());
  EXPECT_EQ(MatchEnd(*words, "int x", 0, &end), Result::kMatch);
  EXPECT_EQ(end, 3u);
  EXPECT_EQ(MatchEnd(*words, "inx", 0, &end), Result::kNoMatch);

  auto lazy = SimpleRegex::Compile("\"\"\"(?s:.)*?\"\"\"", {});
  ASSERT_TRUE(lazy.has_value());
  EXPECT_EQ(MatchEnd(*lazy, "\"\"\"a\n\"\"\"\"\"\"", 0, &end), Result::kMatch);
  EXPECT_EQ(end, 8u);
  // A non-ASCII character the pattern could take: RE2 must decide.
  EXPECT_EQ(MatchEnd(*lazy, "\"\"\"\xc3\xa9\"\"\"", 0, &end), Result::kUnknown);

  auto ci = SimpleRegex::Compile("select\\b", {.case_insensitive = true});
  ASSERT_TRUE(ci.has_value());
  EXPECT_EQ(MatchEnd(*ci, "SeLeCt 1", 0, &end), Result::kMatch);

  EXPECT_FALSE(SimpleRegex::Compile("\\p{L}+", {}).has_value());
  EXPECT_FALSE(SimpleRegex::Compile("(?i:x)", {}).has_value());
  EXPECT_FALSE(SimpleRegex::Compile("(a*)*", {}).has_value());
  EXPECT_TRUE(SimpleRegex::Compile("", {})->nullable());

  // Many literals (matched with a trie): the first in the alternation's
  // order whose continuation matches wins, not the longest.
  auto keywords = SimpleRegex::Compile("(?:for|format|fo|f|in|int)(?:\\b|m)", {});
  ASSERT_TRUE(keywords.has_value());
  EXPECT_EQ(MatchEnd(*keywords, "format(", 0, &end), Result::kMatch);
  EXPECT_EQ(end, 4u);  // "for" + "m"
  EXPECT_EQ(MatchEnd(*keywords, "fo x", 0, &end), Result::kMatch);
  EXPECT_EQ(end, 2u);
  EXPECT_EQ(MatchEnd(*keywords, "fx", 0, &end), Result::kNoMatch);
  EXPECT_EQ(MatchEnd(*keywords, "int", 0, &end), Result::kMatch);
  EXPECT_EQ(end, 3u);
  auto ci_keywords = SimpleRegex::Compile("(?:select|from|where|skip|as)\\b",
                                          {.case_insensitive = true});
  ASSERT_TRUE(ci_keywords.has_value());
  EXPECT_EQ(MatchEnd(*ci_keywords, "FrOm t", 0, &end), Result::kMatch);
  EXPECT_EQ(end, 4u);
  // RE2 folds 's' with U+017F: a non-ASCII byte where 's' could be.
  EXPECT_EQ(MatchEnd(*ci_keywords, "\xc5\xbfkip", 0, &end), Result::kUnknown);

  // Groups: numbered by '(' (nested ones too), the last iteration's span
  // inside a repeat, kNoGroup for a group the match did not use.
  auto groups = SimpleRegex::Compile("((a)|(b))+(?:c)(d)?", {.groups = true});
  ASSERT_TRUE(groups.has_value());
  EXPECT_EQ(groups->group_count(), 4);
  size_t spans[8];
  EXPECT_EQ(groups->Match("xabc", 1, &end, spans), Result::kMatch);
  EXPECT_EQ(end, 4u);
  EXPECT_EQ(spans[0], 2u);  // group 1: "b", the last iteration
  EXPECT_EQ(spans[1], 3u);
  EXPECT_EQ(spans[2], 1u);  // group 2: "a", from the first iteration
  EXPECT_EQ(spans[3], 2u);
  EXPECT_EQ(spans[4], 2u);  // group 3: "b"
  EXPECT_EQ(spans[5], 3u);
  EXPECT_EQ(spans[6], SimpleRegex::kNoGroup);  // group 4: no "d"
  EXPECT_EQ(spans[7], SimpleRegex::kNoGroup);
}

std::vector<std::string> Texts() {
  std::vector<std::string> texts;
  for (const auto& e : std::filesystem::directory_iterator("src/highlight/testdata")) {
    if (e.path().extension() != ".sample") continue;
    std::ifstream in(e.path(), std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    texts.push_back(ss.str());
    // Its first 1000 bytes with non-ASCII letters: (?i) folds U+017F
    // with 's' and U+212A with 'k'; U+0141 and U+20AC share their lead
    // bytes; the others do not.
    std::string mixed;
    for (const char c : texts.back().substr(0, 1000)) {
      switch (c) {
        case 's': mixed += "\xc5\xbf"; break;
        case 'k': mixed += "\xe2\x84\xaa"; break;
        case 'l': mixed += "\xc5\x81"; break;
        case 'u': mixed += "\xe2\x82\xac"; break;
        case 'e': mixed += "\xc3\xa9"; break;
        case 'o': mixed += "\xe4\xb8\xad"; break;
        default: mixed += c;
      }
    }
    texts.push_back(mixed);
  }
  // Random text over the bytes lexers care about, non-ASCII included.
  const std::string alphabet =
      "aAbBeEfFkKrRsSuUxX019_ \t\n\r\"'`\\/*#.-+=<>{}[]():;,$@!?%&|^~\xc3\xa9\xff";
  const char* const non_ascii[] = {"\xc5\xbf", "\xe2\x84\xaa", "\xc5\x81",
                                   "\xe2\x82\xac", "\xc5", "\xe2\x84"};
  std::mt19937 rng(4);
  for (int i = 0; i < 40; ++i) {
    std::string t;
    const int n = 20 + static_cast<int>(rng() % 200);
    for (int j = 0; j < n; ++j) {
      if (i >= 30 && rng() % 4 == 0) {
        t += non_ascii[rng() % 6];
      } else {
        t += alphabet[rng() % alphabet.size()];
      }
    }
    texts.push_back(t);
  }
  return texts;
}

// Sanitizer builds (10-50x slower) check every 7th position: the full
// sweep is about 23 million RE2 matches.
#ifdef SERVAL_SANITIZER
constexpr size_t kPositionStride = 7;
#else
constexpr size_t kPositionStride = 1;
#endif

// Every rule of every built-in lexer that SimpleRegex accepts answers as
// RE2 does (or says kUnknown) at every position of the samples.
TEST(SimpleRegexTest, AgreesWithRe2OnBuiltinRules) {
  const std::vector<std::string> texts = Texts();
  ASSERT_GT(texts.size(), 30u);
  int accepted = 0, rejected = 0;
  for (const LexerDef& def : BuiltinLanguages()) {
    RE2::Options options;
    options.set_log_errors(false);
    options.set_case_sensitive(!def.case_insensitive);
    options.set_dot_nl(def.dot_all);
    for (const StateDef& state : def.states) {
      for (const RuleDef& rule : state.rules) {
        if (rule.pattern.empty()) continue;
        std::optional<SimpleRegex> simple = SimpleRegex::Compile(
            rule.pattern, {def.case_insensitive, def.dot_all});
        if (!simple.has_value()) {
          ++rejected;
          continue;
        }
        ++accepted;
        std::optional<SimpleRegex> with_groups = SimpleRegex::Compile(
            rule.pattern, {def.case_insensitive, def.dot_all, /*groups=*/true});
        ASSERT_TRUE(with_groups.has_value()) << rule.pattern;
        const SimpleRegex::Pairs pairs = simple->FirstPairs();
        const RE2 re(absl::StrCat("(?m)(?:", rule.pattern, ")"), options);
        ASSERT_TRUE(re.ok()) << rule.pattern;
        for (const std::string& text : texts) {
          const re2::StringPiece subject(text);
          for (size_t pos = 0; pos < text.size(); pos += kPositionStride) {
            size_t end = 0;
            const Result got = simple->Match(text, pos, &end);
            if (got == Result::kUnknown) continue;
            re2::StringPiece m;
            const bool want = re.Match(subject, pos, text.size(),
                                       RE2::ANCHOR_START, &m, 1);
            ASSERT_EQ(got == Result::kMatch, want)
                << def.name << "." << state.name << " " << rule.pattern
                << " at " << pos << " of " << text.substr(pos, 40);
            if (want) {
              ASSERT_EQ(end, pos + m.size()) << def.name << " " << rule.pattern;
              const unsigned char b = static_cast<unsigned char>(text[pos]);
              ASSERT_TRUE(m.empty() || simple->first_bytes().Has(b))
                  << rule.pattern << " starts with byte " << int{b};
              ASSERT_TRUE(!m.empty() || simple->nullable()) << rule.pattern;
              // FirstPairs allows the match's first two bytes.
              if (b < 0x80) {
                if (m.size() <= 1) {
                  ASSERT_TRUE(pairs.short_match.Has(b)) << rule.pattern << " at " << pos;
                } else {
                  ASSERT_TRUE(pairs.second[b].Has(static_cast<unsigned char>(m[1])))
                      << rule.pattern << " at " << pos;
                }
              }
              // The groups, as the lexer asks RE2 for them.
              const int n = simple->group_count();
              ASSERT_EQ(n, re.NumberOfCapturingGroups()) << rule.pattern;
              if (n == 0) continue;
              std::vector<size_t> spans(2 * n);
              size_t group_end = 0;
              ASSERT_EQ(with_groups->Match(text, pos, &group_end, spans.data()),
                        Result::kMatch);
              ASSERT_EQ(group_end, end);
              std::vector<re2::StringPiece> groups(n + 1);
              ASSERT_TRUE(re.Match(subject, pos, end, RE2::ANCHOR_BOTH,
                                   groups.data(), n + 1));
              for (int g = 0; g < n; ++g) {
                const re2::StringPiece sub = groups[1 + g];
                const size_t begin =
                    sub.data() == nullptr ? SimpleRegex::kNoGroup
                                          : static_cast<size_t>(sub.data() - text.data());
                const size_t stop = sub.data() == nullptr ? SimpleRegex::kNoGroup
                                                          : begin + sub.size();
                ASSERT_EQ(spans[2 * g], begin)
                    << rule.pattern << " group " << g + 1 << " at " << pos;
                ASSERT_EQ(spans[2 * g + 1], stop)
                    << rule.pattern << " group " << g + 1 << " at " << pos;
              }
            }
          }
        }
      }
    }
  }
  std::printf("SimpleRegex accepts %d built-in patterns, leaves %d to RE2\n",
              accepted, rejected);
  EXPECT_GT(accepted, 4 * rejected);
}

// FailsBefore: every start it rules out is one where Match fails; and it
// rules out the later quotes of an unclosed string, and the later openers
// of an unclosed comment.
TEST(SimpleRegexTest, FailsBeforeOnlyRulesOutFailures) {
  std::vector<std::string> texts = Texts();
  texts.push_back("\"a\\\"a\\\"a\\\"a\\\"\n\"b\\\"\\\\\"c\" \"\\\\\"\"\"d");
  texts.push_back("/* /* /* \n /* */ /*/*/* x");
  texts.push_back("\"\"\"x\"\"'''\"\"\"\"''' \"\"\"");
  int with_prefix = 0, ruled_out = 0;
  for (const LexerDef& def : BuiltinLanguages()) {
    for (const StateDef& state : def.states) {
      for (const RuleDef& rule : state.rules) {
        if (rule.pattern.empty()) continue;
        std::optional<SimpleRegex> simple = SimpleRegex::Compile(
            rule.pattern, {def.case_insensitive, def.dot_all});
        if (!simple.has_value() || !simple->has_failure_prefix()) continue;
        ++with_prefix;
        for (const std::string& text : texts) {
          for (size_t pos = 0; pos < text.size(); ++pos) {
            size_t end = 0;
            if (simple->Match(text, pos, &end) != Result::kNoMatch) continue;
            uint64_t work = 0;
            const size_t before = simple->FailsBefore(text, pos, work);
            for (size_t later = pos + 1; later < before && later < pos + 400; ++later) {
              ++ruled_out;
              ASSERT_EQ(simple->Match(text, later, &end), Result::kNoMatch)
                  << def.name << " " << rule.pattern << " at " << later
                  << " ruled out from " << pos << " in " << text.substr(pos, 40);
            }
          }
        }
      }
    }
  }
  std::printf("%d rules with a failure prefix, %d starts ruled out\n", with_prefix,
              ruled_out);
  EXPECT_GT(with_prefix, 5);
  const auto fails_before = [](absl::string_view pattern, absl::string_view text) {
    std::optional<SimpleRegex> re = SimpleRegex::Compile(pattern, {});
    EXPECT_TRUE(re.has_value() && re->has_failure_prefix()) << pattern;
    uint64_t work = 0;
    return re.has_value() ? re->FailsBefore(text, 0, work) : 0;
  };
  // The string's run ends at the newline: quotes before it fail too.
  EXPECT_EQ(fails_before(R"("(?:\\.|[^"\\\n])*")", "\"a\\\"b\\\"\nc"), 7u);
  // The lazy body runs to the end: openers whose body starts there fail.
  EXPECT_EQ(fails_before(R"(/\*(?s:.)*?\*/)", "/* a /* b"), 8u);
}

}  // namespace
}  // namespace serval::highlight
