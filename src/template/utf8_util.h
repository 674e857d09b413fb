// utf8_util.h — the few code-point operations Jinja2's Python strings need
// (len, indexing, slicing, reversing are by code point, not by byte).
//
// Invalid UTF-8 bytes count as one code point each, so every function is
// total. Thread-safe: pure functions.
#ifndef SERVAL_TEMPLATE_UTF8_UTIL_H_
#define SERVAL_TEMPLATE_UTF8_UTIL_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace serval::tmpl {

// Number of code points in `s`.
int64_t CodepointCount(absl::string_view s);
// The byte length of the first `n` code points of `s` (all of `s` when it
// has fewer).
size_t CodepointPrefixBytes(absl::string_view s, int64_t n);
// `s` cut into one string per code point.
std::vector<std::string> SplitCodepoints(absl::string_view s);
// Python str.lower()/upper() for ASCII, Latin-1, Latin Extended-A pairs,
// Greek and Cyrillic, plus 'ß'.upper() == 'SS' (other scripts and other
// special casings are returned unchanged: a documented deviation).
std::string Utf8Lower(absl::string_view s);
std::string Utf8Upper(absl::string_view s);
// Appends the UTF-8 encoding of `cp` (U+FFFD when out of range).
void AppendCodepoint(uint32_t cp, std::string* out);

}  // namespace serval::tmpl

#endif  // SERVAL_TEMPLATE_UTF8_UTIL_H_
