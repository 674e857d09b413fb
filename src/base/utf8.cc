#include "src/base/utf8.h"

#include <cstdint>
#include <cstring>

namespace serval::base {
namespace {

// Length of the valid UTF-8 sequence starting at text[i], or 0 if invalid
// (Unicode Table 3-7, "Well-Formed UTF-8 Byte Sequences").
size_t ValidSequenceLength(absl::string_view text, size_t i) {
  const auto byte = [&](size_t k) {
    return static_cast<uint8_t>(text[k]);
  };
  uint8_t b0 = byte(i);
  if (b0 < 0x80) return 1;
  size_t n;
  uint8_t lo = 0x80, hi = 0xBF;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    n = 2;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    n = 3;
    if (b0 == 0xE0) lo = 0xA0;
    if (b0 == 0xED) hi = 0x9F;  // no surrogates
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    n = 4;
    if (b0 == 0xF0) lo = 0x90;
    if (b0 == 0xF4) hi = 0x8F;  // <= U+10FFFF
  } else {
    return 0;
  }
  if (i + n > text.size()) return 0;
  uint8_t b1 = byte(i + 1);
  if (b1 < lo || b1 > hi) return 0;
  for (size_t k = 2; k < n; ++k) {
    uint8_t b = byte(i + k);
    if (b < 0x80 || b > 0xBF) return 0;
  }
  return n;
}

// Length of the maximal prefix of an invalid sequence at text[i] (at least
// one byte): the bytes that could still have started a valid sequence.
size_t InvalidSequenceLength(absl::string_view text, size_t i) {
  size_t len = 1;
  // Extend over continuation bytes while a prefix of a longer sequence could
  // be valid; for simplicity and safety, one invalid lead byte plus the
  // continuation bytes that directly follow it form one replacement.
  uint8_t b0 = static_cast<uint8_t>(text[i]);
  if (b0 >= 0xC2 && b0 <= 0xF4) {
    size_t max = b0 <= 0xDF ? 2 : b0 <= 0xEF ? 3 : 4;
    while (len < max && i + len < text.size()) {
      uint8_t b = static_cast<uint8_t>(text[i + len]);
      if (b < 0x80 || b > 0xBF) break;
      if (len == 1) {
        if (b0 == 0xE0 && b < 0xA0) break;
        if (b0 == 0xED && b > 0x9F) break;
        if (b0 == 0xF0 && b < 0x90) break;
        if (b0 == 0xF4 && b > 0x8F) break;
      }
      ++len;
    }
  }
  return len;
}

}  // namespace

size_t FindInvalidUtf8(absl::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    // Fast path over ASCII, eight bytes at a time (content files and paths
    // are mostly ASCII: this is most of the cost of checking them).
    while (i + 8 <= text.size()) {
      uint64_t word;
      std::memcpy(&word, text.data() + i, sizeof(word));
      if ((word & 0x8080808080808080ull) != 0) break;
      i += 8;
    }
    if (i >= text.size()) break;
    if (static_cast<uint8_t>(text[i]) < 0x80) {
      ++i;
      continue;
    }
    size_t n = ValidSequenceLength(text, i);
    if (n == 0) return i;
    i += n;
  }
  return text.size();
}

void AppendValidUtf8(absl::string_view text, std::string* out) {
  out->reserve(out->size() + text.size());
  size_t i = 0;
  while (i < text.size()) {
    size_t n = ValidSequenceLength(text, i);
    if (n > 0) {
      out->append(text.data() + i, n);
      i += n;
    } else {
      out->append("\xEF\xBF\xBD");
      i += InvalidSequenceLength(text, i);
    }
  }
}

}  // namespace serval::base
