#include "src/assets/minify.h"

#include "gtest/gtest.h"

namespace serval::assets {
namespace {

TEST(MinifyCssTest, CollapsesWhatIsSafe) {
  EXPECT_EQ(MinifyCss("a  { color : red ; }\n"), "a{color:red}");
  EXPECT_EQ(MinifyCss("h1,\n h2 > p {\n  margin: 0 auto;\n  padding: 1px 2px;\n}\n"),
            "h1,h2>p{margin:0 auto;padding:1px 2px}");
  EXPECT_EQ(MinifyCss("/* note */ a{b:c} /*! licence */"),
            "a{b:c}/*! licence */");
}

TEST(MinifyCssTest, KeepsMeaningfulSpaces) {
  // Descendant + pseudo-class differs from a compound selector; outside
  // declaration blocks ':' keeps its neighbours.
  EXPECT_EQ(MinifyCss("a :hover { x: y }"), "a :hover{x:y}");
  EXPECT_EQ(MinifyCss("@media screen and (max-width: 600px) { a { b: c } }"),
            "@media screen and (max-width: 600px){a{b:c}}");
  EXPECT_EQ(MinifyCss("a { width: calc(100% - 2rem) }"),
            "a{width:calc(100% - 2rem)}");
}

TEST(MinifyCssTest, StringsVerbatim) {
  EXPECT_EQ(MinifyCss("a::before { content: \"  /* not */ ; }  \" }"),
            "a::before{content:\"  /* not */ ; }  \"}");
}

TEST(MinifyCssTest, UnterminatedCommentKeptNotGuessed) {
  EXPECT_EQ(MinifyCss("a{b:c} /* open"), "a{b:c}/* open");
}

TEST(MinifyJsTest, DropsCommentsAndIndentKeepsLines) {
  EXPECT_EQ(MinifyJs("// head\nfunction f() {\n    return 1; // one\n}\n\n\n"),
            "function f() {\nreturn 1;\n}\n");
  EXPECT_EQ(MinifyJs("a = 1 /* inline */ + 2;"), "a = 1 + 2;\n");
  EXPECT_EQ(MinifyJs("/*! keep me */\nx()"), "/*! keep me */\nx()\n");
}

TEST(MinifyJsTest, NewlinesKeptForAsi) {
  EXPECT_EQ(MinifyJs("let a = b\n(c)"), "let a = b\n(c)\n");
  EXPECT_EQ(MinifyJs("a /* multi\nline */ b"), "a\nb\n");
}

TEST(MinifyJsTest, StringsTemplatesAndRegexVerbatim) {
  EXPECT_EQ(MinifyJs("s = \"// not a comment\";"), "s = \"// not a comment\";\n");
  EXPECT_EQ(MinifyJs("t = `line1\n    // kept\nline3`;"),
            "t = `line1\n    // kept\nline3`;\n");
  EXPECT_EQ(MinifyJs("r = /[/]*\\/\\/x/g.test(s); // c"),
            "r = /[/]*\\/\\/x/g.test(s);\n");
  EXPECT_EQ(MinifyJs("x = a / b / c; // div"), "x = a / b / c;\n");
  EXPECT_EQ(MinifyJs("return /\\s+/.exec(s)"), "return /\\s+/.exec(s)\n");
}

TEST(MinifyJsTest, ThemeScriptKeepsItsStrings) {
  const char* js = "var s = '<li>' + x + \"</li>\"; // html\n";
  EXPECT_EQ(MinifyJs(js), "var s = '<li>' + x + \"</li>\";\n");
}

}  // namespace
}  // namespace serval::assets
