#include "src/content/date.h"

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
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

// ParseDate reads 2024-03-05 and 2024-03-05T14:30:00Z itself: for every
// month and day (valid or not) and edge times, it must give absl's answer.
TEST(ParseDateTest, CommonFormsAgreeWithAbsl) {
  auto absl_parse = [](const std::string& text,
                       const char* format) -> std::optional<absl::Time> {
    absl::Time time;
    std::string error;
    if (!absl::ParseTime(format, text, absl::UTCTimeZone(), &time, &error)) {
      return std::nullopt;
    }
    return time;
  };
  for (int year : {1, 1969, 2000, 2023, 2024, 2100, 9999}) {
    for (int month = 0; month <= 13; ++month) {
      for (int day = 0; day <= 32; ++day) {
        const std::string date =
            absl::StrFormat("%04d-%02d-%02d", year, month, day);
        std::optional<absl::Time> want = absl_parse(date, "%Y-%m-%d");
        absl::StatusOr<absl::Time> got = ParseDate(date);
        ASSERT_EQ(got.ok(), want.has_value()) << date;
        if (want) EXPECT_EQ(*got, *want) << date;
        for (const char* time : {"00:00:00", "23:59:59", "14:30:07",
                                 "24:00:00", "12:60:00", "12:00:60"}) {
          const std::string stamp = absl::StrCat(date, "T", time, "Z");
          std::optional<absl::Time> want_stamp =
              absl_parse(stamp, "%Y-%m-%d%ET%H:%M:%E*S%Ez");
          absl::StatusOr<absl::Time> got_stamp = ParseDate(stamp);
          ASSERT_EQ(got_stamp.ok(), want_stamp.has_value()) << stamp;
          if (want_stamp) EXPECT_EQ(*got_stamp, *want_stamp) << stamp;
        }
      }
    }
  }
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

// The hand-written digits against absl::FormatTime: every year edge, leap
// days, fractional and negative times, and a spread of instants.
TEST(FormatDateRfc3339Test, SameAsAbslFormatTime) {
  auto absl_format = [](absl::Time t) {
    return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", t, absl::UTCTimeZone());
  };
  std::vector<absl::Time> times = {
      absl::UnixEpoch(),
      absl::UnixEpoch() - absl::Nanoseconds(1),
      absl::UnixEpoch() + absl::Milliseconds(999),
      absl::FromCivil(absl::CivilSecond(0, 1, 1, 0, 0, 0), absl::UTCTimeZone()),
      absl::FromCivil(absl::CivilSecond(0, 1, 1, 0, 0, 0), absl::UTCTimeZone()) -
          absl::Seconds(1),
      absl::FromCivil(absl::CivilSecond(1000, 1, 1, 0, 0, 0), absl::UTCTimeZone()),
      absl::FromCivil(absl::CivilSecond(1000, 1, 1, 0, 0, 0), absl::UTCTimeZone()) -
          absl::Nanoseconds(1),
      absl::FromCivil(absl::CivilSecond(9999, 12, 31, 23, 59, 59),
                      absl::UTCTimeZone()),
      absl::FromCivil(absl::CivilSecond(10000, 1, 1, 0, 0, 0),
                      absl::UTCTimeZone()),
      absl::FromCivil(absl::CivilSecond(2024, 2, 29, 23, 59, 59),
                      absl::UTCTimeZone()) + absl::Milliseconds(500),
      absl::FromCivil(absl::CivilSecond(-5, 6, 7, 8, 9, 10), absl::UTCTimeZone()),
  };
  for (int64_t s = -70000000000; s < 300000000000; s += 987654321) {
    times.push_back(absl::FromUnixSeconds(s) + absl::Nanoseconds(s % 1000));
  }
  for (absl::Time t : times) {
    EXPECT_EQ(FormatDateRfc3339(t), absl_format(t)) << absl::ToUnixNanos(t);
  }
}

}  // namespace
}  // namespace serval::content
