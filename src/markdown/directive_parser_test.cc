#include "src/markdown/directive_parser.h"

#include "gtest/gtest.h"

namespace serval::markdown {
namespace {

std::string Placeholder(const SplitResult& r, int i) {
  return "<!--" + r.placeholder_prefix + std::to_string(i) + "-->\n";
}

TEST(DirectiveParserTest, NoDirectivesIsTheFastPath) {
  SplitResult r = SplitDirectives("# Title\n\nText with ::: colons\n");
  EXPECT_FALSE(r.has_directives);
  EXPECT_TRUE(r.directives.empty());
}

TEST(DirectiveParserTest, ColonFenceWithTitleAndOptions) {
  SplitResult r = SplitDirectives(
      "before\n:::{note} My title\n:class: wide\n:open:\nBody\n:::\nafter\n");
  ASSERT_EQ(r.directives.size(), 1u);
  const Directive& d = r.directives[0];
  EXPECT_EQ(d.name, "note");
  EXPECT_EQ(d.title, "My title");
  ASSERT_EQ(d.options.size(), 2u);
  EXPECT_EQ(d.Option("class"), "wide");
  EXPECT_TRUE(d.HasOption("open"));
  EXPECT_EQ(d.body, "Body\n");
  EXPECT_EQ(d.line, 2);
  EXPECT_EQ(d.body_line, 5);
  EXPECT_TRUE(d.closed);
  EXPECT_EQ(r.markdown, "before\n" + Placeholder(r, 0) + "after\n");
}

TEST(DirectiveParserTest, NestingByLongerFence) {
  SplitResult r = SplitDirectives(
      "::::{tab-set}\n:::{tab-item} A\na\n:::\n:::{tab-item} B\nb\n:::\n::::\n");
  ASSERT_EQ(r.directives.size(), 1u);
  EXPECT_EQ(r.directives[0].name, "tab-set");
  EXPECT_EQ(r.directives[0].body,
            ":::{tab-item} A\na\n:::\n:::{tab-item} B\nb\n:::\n");
  SplitResult inner = SplitDirectives(r.directives[0].body);
  ASSERT_EQ(inner.directives.size(), 2u);
  EXPECT_EQ(inner.directives[1].title, "B");
  EXPECT_EQ(inner.directives[1].body, "b\n");
}

TEST(DirectiveParserTest, NamedClosers) {
  SplitResult r = SplitDirectives(
      ":::{steps}\n:::{step} One\nx\n:::{/step}\n:::{/steps}\ntail\n");
  ASSERT_EQ(r.directives.size(), 1u);
  EXPECT_EQ(r.directives[0].body, ":::{step} One\nx\n:::{/step}\n");
  EXPECT_EQ(r.markdown, Placeholder(r, 0) + "tail\n");
}

TEST(DirectiveParserTest, SameLengthNestingClosesInnermostFirst) {
  SplitResult r = SplitDirectives(":::{note}\n:::{tip}\nx\n:::\ny\n:::\n");
  ASSERT_EQ(r.directives.size(), 1u);
  EXPECT_EQ(r.directives[0].body, ":::{tip}\nx\n:::\ny\n");
}

TEST(DirectiveParserTest, BacktickForm) {
  SplitResult r = SplitDirectives("```{warning} Careful\nHot\n```\n");
  ASSERT_EQ(r.directives.size(), 1u);
  EXPECT_EQ(r.directives[0].name, "warning");
  EXPECT_EQ(r.directives[0].body, "Hot\n");
}

TEST(DirectiveParserTest, CodeFencesHideDirectives) {
  SplitResult r = SplitDirectives("```md\n:::{note}\n:::\n```\n");
  EXPECT_FALSE(r.has_directives);
  SplitResult inside = SplitDirectives(
      ":::{note}\n```\n:::\n```\n:::\n");
  ASSERT_EQ(inside.directives.size(), 1u);
  EXPECT_EQ(inside.directives[0].body, "```\n:::\n```\n");
}

TEST(DirectiveParserTest, IndentedCodeIsNotADirective) {
  SplitResult r = SplitDirectives("    :::{note}\n    x\n    :::\n");
  EXPECT_FALSE(r.has_directives);
}

TEST(DirectiveParserTest, UnclosedRunsToTheEnd) {
  SplitResult r = SplitDirectives(":::{note}\nbody\n");
  ASSERT_EQ(r.directives.size(), 1u);
  EXPECT_FALSE(r.directives[0].closed);
  EXPECT_EQ(r.directives[0].body, "body\n");
}

TEST(DirectiveParserTest, PlaceholderPrefixAvoidsTheInput) {
  SplitResult r = SplitDirectives(
      "<!--serval-directive-0-->\n:::{note}\nx\n:::\n");
  ASSERT_EQ(r.directives.size(), 1u);
  EXPECT_NE(r.placeholder_prefix, "serval-directive-");
  EXPECT_EQ(PlaceholderIndex("<!--serval-directive-0-->\n",
                             r.placeholder_prefix), -1);
  EXPECT_EQ(PlaceholderIndex(Placeholder(r, 0), r.placeholder_prefix), 0);
}

}  // namespace
}  // namespace serval::markdown
