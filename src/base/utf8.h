// utf8.h — UTF-8 validation and repair.
//
// Serval treats all text as UTF-8. Input that is not (a content file, a log
// message built from a file name) is either rejected with its byte offset or
// repaired by replacing each maximal invalid subsequence with U+FFFD, the
// WHATWG / Unicode "best practice" for decoders.
//
// Thread-safe: pure functions.
#ifndef SERVAL_BASE_UTF8_H_
#define SERVAL_BASE_UTF8_H_

#include <cstddef>
#include <string>

#include "absl/strings/string_view.h"

namespace serval::base {

// Byte offset of the first invalid sequence, or text.size() if all valid.
// Rejects overlong forms, surrogates and code points above U+10FFFF.
size_t FindInvalidUtf8(absl::string_view text);

inline bool IsValidUtf8(absl::string_view text) {
  return FindInvalidUtf8(text) == text.size();
}

// Appends `text` to `out` with each invalid sequence replaced by U+FFFD.
void AppendValidUtf8(absl::string_view text, std::string* out);

}  // namespace serval::base

#endif  // SERVAL_BASE_UTF8_H_
