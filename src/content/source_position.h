// source_position.h — where something is in a source file, and the
// "path:line:col: message" errors every user-facing diagnostic uses.
//
// Example:
//   return PositionedError(absl::StatusCode::kInvalidArgument,
//                          "content/a.md", {3, 7}, "date: cannot parse 'x'");
//   // -> INVALID_ARGUMENT: content/a.md:3:7: date: cannot parse 'x'
//
// Thread-safe: value types and pure functions.
#ifndef SERVAL_CONTENT_SOURCE_POSITION_H_
#define SERVAL_CONTENT_SOURCE_POSITION_H_

#include <cstddef>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace serval::content {

// 1-based line and column (columns count bytes, as compilers do).
struct SourcePosition {
  int line = 1;
  int column = 1;
  bool operator==(const SourcePosition& other) const {
    return line == other.line && column == other.column;
  }
};

// The position of byte `offset` of `text`.
SourcePosition PositionOfOffset(absl::string_view text, size_t offset);

// `position` moved by the first line/column of an embedded region: a
// position inside front matter that starts at `origin` in the file.
SourcePosition Relocate(SourcePosition position, SourcePosition origin);

// A Status whose message is "path:line:col: message".
absl::Status PositionedError(absl::StatusCode code, absl::string_view path,
                             SourcePosition position,
                             absl::string_view message);

}  // namespace serval::content

#endif  // SERVAL_CONTENT_SOURCE_POSITION_H_
