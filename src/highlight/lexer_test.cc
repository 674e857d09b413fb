#include "src/highlight/lexer.h"

#include "gtest/gtest.h"

namespace serval::highlight {
namespace {

LexerDef Tiny() {
  LexerDef d;
  d.name = "tiny";
  d.states = {
      {"root",
       {{R"(\s+)", {TokenType::kWhitespace}, ""},
        {R"(")", {TokenType::kString}, "str"},
        {R"((let)( +)(\w+))", {TokenType::kKeyword, TokenType::kWhitespace, TokenType::kName}, ""},
        {R"(\d+)", {TokenType::kNumberInteger}, ""}}},
      {"str", {{R"([^"]+)", {TokenType::kString}, ""}, {R"(")", {TokenType::kString}, "#pop"}}},
  };
  return d;
}

TEST(LexerTest, RulesGroupsAndStates) {
  auto lexer = Lexer::Create(Tiny());
  ASSERT_TRUE(lexer.ok()) << lexer.status();
  std::vector<Token> tokens;
  (*lexer)->Tokenize("let x 12 \"a b\"!\n", &tokens);
  std::vector<TokenType> types;
  for (const Token& t : tokens) types.push_back(t.type);
  EXPECT_EQ(types, (std::vector<TokenType>{
                       TokenType::kKeyword, TokenType::kWhitespace, TokenType::kName,
                       TokenType::kWhitespace, TokenType::kNumberInteger,
                       TokenType::kWhitespace, TokenType::kString, TokenType::kError,
                       TokenType::kWhitespace}));
  EXPECT_EQ(tokens[6].length, 5u);  // "a b" merged with its quotes
}

TEST(LexerTest, RejectsBadTables) {
  LexerDef bad = Tiny();
  bad.states[0].rules.push_back({"(?=x)", {TokenType::kName}, ""});
  EXPECT_FALSE(Lexer::Create(bad).ok());
  LexerDef unknown = Tiny();
  unknown.states[0].rules.push_back({"x", {TokenType::kName}, "nowhere"});
  EXPECT_FALSE(Lexer::Create(unknown).ok());
}

}  // namespace
}  // namespace serval::highlight
