#include "src/markdown/footnotes.h"

#include "gtest/gtest.h"

namespace serval::markdown {
namespace {

TEST(FootnotesTest, ExtractsDefinitionsKeepingLines) {
  FootnoteSplit s = ExtractFootnotes(
      "Text[^a] and[^long].\n\n[^a]: First.\n[^long]: Second\n    continued.\n\n    More.\nAfter\n");
  ASSERT_TRUE(s.has_footnotes);
  ASSERT_EQ(s.definitions.size(), 2u);
  EXPECT_EQ(s.definitions[0].label, "a");
  EXPECT_EQ(s.definitions[0].body, "First.\n");
  EXPECT_EQ(s.definitions[0].line, 3);
  EXPECT_EQ(s.definitions[1].body, "Second\ncontinued.\n\nMore.\n");
  EXPECT_EQ(s.text, "Text[^a] and[^long].\n\n\n\n\n\n\nAfter\n");
}

TEST(FootnotesTest, IgnoresCodeAndBadLabels) {
  EXPECT_FALSE(ExtractFootnotes("```\n[^a]: x\n```\n").has_footnotes);
  EXPECT_FALSE(ExtractFootnotes("    [^a]: indented code\n").has_footnotes);
  EXPECT_FALSE(ExtractFootnotes("[^a b]: space\n").has_footnotes);
  EXPECT_FALSE(ExtractFootnotes("no notes\n").has_footnotes);
  EXPECT_FALSE(IsFootnoteLabel("<x>"));
  EXPECT_TRUE(IsFootnoteLabel("note-1"));
}

}  // namespace
}  // namespace serval::markdown
