#include "src/template/utf8_util.h"

#include <cstring>

#include "absl/strings/str_replace.h"

namespace serval::tmpl {
namespace {

// The length of the ASCII run at the start of `s`, read 8 bytes at a time.
size_t AsciiPrefix(absl::string_view s) {
  size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    if (w & 0x8080808080808080ULL) break;
  }
  while (i < s.size() && static_cast<unsigned char>(s[i]) < 0x80) ++i;
  return i;
}

// Length of the code point starting at s[i] (1 for a stray byte).
size_t CodepointLength(absl::string_view s, size_t i) {
  unsigned char c = static_cast<unsigned char>(s[i]);
  size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3
             : (c >> 3) == 30 ? 4 : 1;
  if (i + n > s.size()) return 1;
  for (size_t k = 1; k < n; ++k) {
    if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return 1;
  }
  return n;
}

}  // namespace

int64_t CodepointCount(absl::string_view s) {
  // ASCII runs: one code point per byte.
  size_t i = 0;
  int64_t n = 0;
  while (i < s.size()) {
    const size_t run = AsciiPrefix(s.substr(i));
    i += run;
    n += static_cast<int64_t>(run);
    if (i == s.size()) break;
    i += CodepointLength(s, i);
    ++n;
  }
  return n;
}

size_t CodepointPrefixBytes(absl::string_view s, int64_t n) {
  // ASCII: one byte per code point.
  size_t i = AsciiPrefix(
      s.substr(0, n > 0 ? static_cast<size_t>(n) : 0));
  n -= static_cast<int64_t>(i);
  for (; i < s.size() && n > 0; --n) i += CodepointLength(s, i);
  return i;
}

std::vector<std::string> SplitCodepoints(absl::string_view s) {
  std::vector<std::string> out;
  for (size_t i = 0; i < s.size();) {
    size_t n = CodepointLength(s, i);
    out.emplace_back(s.substr(i, n));
    i += n;
  }
  return out;
}

void AppendCodepoint(uint32_t cp, std::string* out) {
  if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) cp = 0xFFFD;
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

namespace {

uint32_t Decode(absl::string_view s, size_t i, size_t n) {
  unsigned char c = static_cast<unsigned char>(s[i]);
  if (n == 1) return c;
  uint32_t cp = c & (0xFF >> (n + 1));
  for (size_t k = 1; k < n; ++k) cp = (cp << 6) | (s[i + k] & 0x3F);
  return cp;
}

uint32_t LowerCp(uint32_t c) {
  if (c >= 'A' && c <= 'Z') return c + 32;
  if ((c >= 0xC0 && c <= 0xDE && c != 0xD7)) return c + 32;
  if (c >= 0x100 && c <= 0x17F && c % 2 == 0 && c != 0x130 && c != 0x138)
    return c + 1;
  if (c >= 0x391 && c <= 0x3AB && c != 0x3A2) return c + 32;
  if (c >= 0x410 && c <= 0x42F) return c + 32;
  if (c >= 0x400 && c <= 0x40F) return c + 80;
  return c;
}

uint32_t UpperCp(uint32_t c) {
  if (c >= 'a' && c <= 'z') return c - 32;
  if ((c >= 0xE0 && c <= 0xFE && c != 0xF7)) return c - 32;
  if (c == 0xFF) return 0x178;
  if (c >= 0x101 && c <= 0x17F && c % 2 == 1 && c != 0x131 && c != 0x149)
    return c - 1;
  if (c >= 0x3B1 && c <= 0x3CB && c != 0x3C2) return c - 32;
  if (c == 0x3C2) return 0x3A3;
  if (c >= 0x430 && c <= 0x44F) return c - 32;
  if (c >= 0x450 && c <= 0x45F) return c - 80;
  return c;
}

std::string MapCase(absl::string_view s, uint32_t (*fn)(uint32_t)) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    size_t n = CodepointLength(s, i);
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (n == 1 && c >= 0x80) {
      out.push_back(s[i]);  // stray byte: kept as is
    } else {
      AppendCodepoint(fn(Decode(s, i, n)), &out);
    }
    i += n;
  }
  return out;
}

}  // namespace

std::string Utf8Lower(absl::string_view s) { return MapCase(s, LowerCp); }
std::string Utf8Upper(absl::string_view s) {
  std::string out = MapCase(s, UpperCp);
  // The one special casing templates meet: 'ß'.upper() == 'SS'.
  if (out.find("\xC3\x9F") == std::string::npos) return out;
  return absl::StrReplaceAll(out, {{"\xC3\x9F", "SS"}});
}

}  // namespace serval::tmpl
