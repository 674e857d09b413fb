// date.h — parsing front matter dates.
//
// Accepted, in the order tried (times without a zone are UTC, so builds do
// not depend on the machine's time zone):
//   2024-03-05T14:30:00Z   2024-03-05T14:30:00.123+01:00   (RFC 3339)
//   2024-03-05T14:30:00    2024-03-05 14:30:00 +0100       2024-03-05 14:30:00
//   2024-03-05 14:30       2024-03-05T14:30                2024-03-05
//
// Example:
//   absl::StatusOr<absl::Time> t = ParseDate("2024-03-05");
//
// Thread-safe: a pure function.
#ifndef SERVAL_CONTENT_DATE_H_
#define SERVAL_CONTENT_DATE_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace serval::content {

// InvalidArgument naming the accepted forms when `text` matches none.
absl::StatusOr<absl::Time> ParseDate(absl::string_view text);

// RFC 3339 in UTC with seconds, e.g. "2024-03-05T13:30:00Z".
std::string FormatDateRfc3339(absl::Time time);

}  // namespace serval::content

#endif  // SERVAL_CONTENT_DATE_H_
