#include "src/content/date.h"

#include "gtest/gtest.h"

namespace serval::content {
namespace {

absl::Time Utc(int y, int mo, int d, int h = 0, int mi = 0, int s = 0) {
  return absl::FromCivil(absl::CivilSecond(y, mo, d, h, mi, s),
                         absl::UTCTimeZone());
}

TEST(ParseDateTest, AcceptedForms) {
  struct Case {
    const char* text;
    absl::Time want;
  } cases[] = {
      {"2024-03-05", Utc(2024, 3, 5)},
      {"2024-03-05T14:30:00Z", Utc(2024, 3, 5, 14, 30)},
      {"2024-03-05T14:30:00+01:00", Utc(2024, 3, 5, 13, 30)},
      {"2024-03-05T14:30:00-05:30", Utc(2024, 3, 5, 20, 0)},
      {"2024-03-05T14:30:00", Utc(2024, 3, 5, 14, 30)},
      {"2024-03-05 14:30:00 +0100", Utc(2024, 3, 5, 13, 30)},
      {"2024-03-05 14:30:00", Utc(2024, 3, 5, 14, 30)},
      {"2024-03-05 14:30", Utc(2024, 3, 5, 14, 30)},
      {"2024-03-05T14:30", Utc(2024, 3, 5, 14, 30)},
      {"  2024-03-05  ", Utc(2024, 3, 5)},
  };
  for (const Case& c : cases) {
    absl::StatusOr<absl::Time> t = ParseDate(c.text);
    ASSERT_TRUE(t.ok()) << c.text << ": " << t.status();
    EXPECT_EQ(*t, c.want) << c.text;
  }
  absl::StatusOr<absl::Time> frac = ParseDate("2024-03-05T14:30:00.250Z");
  ASSERT_TRUE(frac.ok());
  EXPECT_EQ(*frac, Utc(2024, 3, 5, 14, 30) + absl::Milliseconds(250));
}

TEST(ParseDateTest, RejectsGarbageWithHelpfulMessage) {
  for (const char* bad : {"", "yesterday", "2024-13-01", "2024-02-30x",
                          "05/03/2024"}) {
    absl::StatusOr<absl::Time> t = ParseDate(bad);
    EXPECT_FALSE(t.ok()) << bad;
    EXPECT_EQ(t.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(t.status().message().find("expected e.g. 2024-03-05"),
              absl::string_view::npos);
  }
}

TEST(FormatDateRfc3339Test, Utc) {
  EXPECT_EQ(FormatDateRfc3339(Utc(2024, 3, 5, 13, 30)), "2024-03-05T13:30:00Z");
}

}  // namespace
}  // namespace serval::content
