// mime_types.h — the Content-Type the dev server sends for a file name.
//
// Example:
//   MimeTypeForPath("css/site.css")  // "text/css; charset=utf-8"
//   MimeTypeForPath("a.unknown")     // "application/octet-stream"
//
// Thread-safety: a pure function over a constant table.
#ifndef SERVAL_SERVE_MIME_TYPES_H_
#define SERVAL_SERVE_MIME_TYPES_H_

#include "absl/strings/string_view.h"

namespace serval::serve {

// By the extension of the last path segment, case-insensitively. Text
// types carry "; charset=utf-8" (Serval writes UTF-8). Unknown or missing
// extensions give "application/octet-stream".
absl::string_view MimeTypeForPath(absl::string_view path);

}  // namespace serval::serve

#endif  // SERVAL_SERVE_MIME_TYPES_H_
