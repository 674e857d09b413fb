#include "src/content/date.h"

#include <optional>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace serval::content {
namespace {
constexpr const char* kFormats[] = {
    "%Y-%m-%d%ET%H:%M:%E*S%Ez",  // RFC 3339 (Z or +hh:mm)
    "%Y-%m-%d%ET%H:%M:%E*S",     // no zone: UTC
    "%Y-%m-%d %H:%M:%E*S %z",    // 2024-03-05 14:30:00 +0100
    "%Y-%m-%d %H:%M:%E*S %Ez",
    "%Y-%m-%d %H:%M:%E*S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d%ET%H:%M",
    "%Y-%m-%d",
};
// The digits of text[at, at + n) as a number, or -1.
int Digits(absl::string_view text, size_t at, size_t n) {
  int value = 0;
  for (size_t i = at; i < at + n; ++i) {
    if (!absl::ascii_isdigit(text[i])) return -1;
    value = value * 10 + (text[i] - '0');
  }
  return value;
}

// The two forms front matter uses most, "2024-03-05" and
// "2024-03-05T14:30:00Z", read directly (absl::ParseTime tries each format
// in turn: 3,000 instructions a date); anything else, or a field out of
// range, is left to the formats.
std::optional<absl::Time> ParseCommonDate(absl::string_view text) {
  if (text.size() != 10 && text.size() != 20) return std::nullopt;
  if (text[4] != '-' || text[7] != '-') return std::nullopt;
  const int year = Digits(text, 0, 4);
  const int month = Digits(text, 5, 2);
  const int day = Digits(text, 8, 2);
  int hour = 0, minute = 0, second = 0;
  if (text.size() == 20) {
    if (text[10] != 'T' || text[13] != ':' || text[16] != ':' ||
        text[19] != 'Z') {
      return std::nullopt;
    }
    hour = Digits(text, 11, 2);
    minute = Digits(text, 14, 2);
    second = Digits(text, 17, 2);
  }
  if (year < 0 || month < 1 || month > 12 || day < 1 || hour < 0 ||
      hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) {
    return std::nullopt;
  }
  const absl::CivilSecond civil(year, month, day, hour, minute, second);
  if (civil.day() != day) return std::nullopt;  // 2024-02-30
  return absl::FromCivil(civil, absl::UTCTimeZone());
}

}  // namespace

absl::StatusOr<absl::Time> ParseDate(absl::string_view text) {
  std::string trimmed(absl::StripAsciiWhitespace(text));
  if (std::optional<absl::Time> common = ParseCommonDate(trimmed)) {
    return *common;
  }
  for (const char* format : kFormats) {
    absl::Time time;
    std::string error;
    if (absl::ParseTime(format, trimmed, absl::UTCTimeZone(), &time, &error)) {
      return time;
    }
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "cannot parse date '", text,
      "' (expected e.g. 2024-03-05, 2024-03-05T14:30:00Z or "
      "2024-03-05 14:30:00 +0100)"));
}

std::string FormatDateRfc3339(absl::Time time) {
  // Sitemaps, feeds and the search index format every page's date: the
  // digits by hand for years 1000 to 9999 (absl::FormatTime is about 2,600
  // instructions a call), absl for the rest (it writes year 33 as "33").
  const absl::CivilSecond c = absl::ToCivilSecond(time, absl::UTCTimeZone());
  if (c.year() < 1000 || c.year() > 9999) {
    return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", time, absl::UTCTimeZone());
  }
  char out[] = "0000-00-00T00:00:00Z";
  auto put = [&out](int at, int value, int digits) {
    for (int i = digits - 1; i >= 0; --i, value /= 10) {
      out[at + i] = static_cast<char>('0' + value % 10);
    }
  };
  put(0, static_cast<int>(c.year()), 4);
  put(5, c.month(), 2);
  put(8, c.day(), 2);
  put(11, c.hour(), 2);
  put(14, c.minute(), 2);
  put(17, c.second(), 2);
  return std::string(out, sizeof(out) - 1);
}

}  // namespace serval::content
