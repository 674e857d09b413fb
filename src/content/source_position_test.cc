#include "src/content/source_position.h"

#include "gtest/gtest.h"

namespace serval::content {
namespace {

TEST(PositionOfOffsetTest, CountsLinesAndColumns) {
  absl::string_view text = "ab\ncde\n\nf";
  EXPECT_EQ(PositionOfOffset(text, 0), (SourcePosition{1, 1}));
  EXPECT_EQ(PositionOfOffset(text, 2), (SourcePosition{1, 3}));
  EXPECT_EQ(PositionOfOffset(text, 3), (SourcePosition{2, 1}));
  EXPECT_EQ(PositionOfOffset(text, 8), (SourcePosition{4, 1}));
  EXPECT_EQ(PositionOfOffset(text, 999), (SourcePosition{4, 2}));  // clamped
}

TEST(RelocateTest, FirstLineShiftsColumnOtherLinesShiftLine) {
  EXPECT_EQ(Relocate({1, 5}, {3, 2}), (SourcePosition{3, 6}));
  EXPECT_EQ(Relocate({4, 5}, {3, 2}), (SourcePosition{6, 5}));
}

TEST(PositionedErrorTest, Format) {
  absl::Status s = PositionedError(absl::StatusCode::kInvalidArgument,
                                   "content/a.md", {3, 7}, "bad");
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "content/a.md:3:7: bad");
}

}  // namespace
}  // namespace serval::content
