#include "src/content/source_position.h"

#include "absl/strings/str_cat.h"

namespace serval::content {

SourcePosition PositionOfOffset(absl::string_view text, size_t offset) {
  SourcePosition position;
  if (offset > text.size()) offset = text.size();
  for (size_t i = 0; i < offset; ++i) {
    if (text[i] == '\n') {
      ++position.line;
      position.column = 1;
    } else {
      ++position.column;
    }
  }
  return position;
}

SourcePosition Relocate(SourcePosition position, SourcePosition origin) {
  if (position.line == 1) {
    return {origin.line, origin.column + position.column - 1};
  }
  return {origin.line + position.line - 1, position.column};
}

absl::Status PositionedError(absl::StatusCode code, absl::string_view path,
                             SourcePosition position,
                             absl::string_view message) {
  return absl::Status(code, absl::StrCat(path, ":", position.line, ":",
                                         position.column, ": ", message));
}

}  // namespace serval::content
