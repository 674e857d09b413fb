// slug.h — URL slugs for paths, taxonomy terms and heading ids.
//
//   Slugify("Hello, World!")      == "hello-world"
//   Slugify("C++ & Rust")         == "c-rust"
//   Slugify("Ünïcödé Straße")     == "ünïcödé-straße"  (non-ASCII letters kept)
//   Slugify("  --a  b--  ")       == "a-b"
//
// ASCII letters are lowercased, ASCII digits, '_' and non-ASCII UTF-8 are
// kept, every other run of characters becomes one '-', and leading and
// trailing '-' are dropped. Invalid UTF-8 is repaired first. The result
// contains no '/', '.', '%' or whitespace, so it is safe as one path segment.
//
// Thread-safe: a pure function.
#ifndef SERVAL_BASE_SLUG_H_
#define SERVAL_BASE_SLUG_H_

#include <string>

#include "absl/strings/string_view.h"

namespace serval::base {

std::string Slugify(absl::string_view text);

}  // namespace serval::base

#endif  // SERVAL_BASE_SLUG_H_
