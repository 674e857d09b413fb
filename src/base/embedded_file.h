// embedded_file.h — a file compiled into the binary (see tools/embed).
//
// The default theme's templates and assets are embedded this way, so
// `serval` works without any file beside it.
//
// Thread-safety: constant data.
#ifndef SERVAL_BASE_EMBEDDED_FILE_H_
#define SERVAL_BASE_EMBEDDED_FILE_H_

#include "absl/strings/string_view.h"

namespace serval::base {

struct EmbeddedFile {
  const char* path;            // logical path, e.g. "templates/base.html"
  absl::string_view contents;  // the bytes, NUL-terminated for convenience
};

}  // namespace serval::base

#endif  // SERVAL_BASE_EMBEDDED_FILE_H_
