#include "src/content/date.h"

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
}  // namespace

absl::StatusOr<absl::Time> ParseDate(absl::string_view text) {
  std::string trimmed(absl::StripAsciiWhitespace(text));
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
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", time, absl::UTCTimeZone());
}

}  // namespace serval::content
