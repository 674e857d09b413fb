#include "src/markdown/html_text.h"

#include <cstddef>
#include <cstdint>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace serval::markdown {
namespace {

// Byte classes: table lookups rather than chains of comparisons, which
// mispredict on prose.
struct ByteClasses {
  bool html_escape[256] = {};  // md4c-html escapes &, <, > and "
  bool space[256] = {};        // word separators
  constexpr ByteClasses() {
    for (char c : {'&', '<', '>', '"'}) html_escape[static_cast<unsigned char>(c)] = true;
    for (char c : {' ', '\t', '\n', '\r', '\f', '\v'}) space[static_cast<unsigned char>(c)] = true;
  }
};
constexpr ByteClasses kBytes;

inline void AppendEntity(char c, std::string* out) {
  switch (c) {
    case '&': out->append("&amp;", 5); break;
    case '<': out->append("&lt;", 4); break;
    case '>': out->append("&gt;", 4); break;
    default: out->append("&quot;", 6); break;
  }
}

// Escapes text[from, size) into `out` unless it is null (text[begin, from)
// is still to be appended); counts words when `words` is not null. Returns
// the new `begin`: everything before it has been appended.
inline size_t ScalarTail(const char* text, size_t from, size_t size,
                         size_t begin, std::string* out, int* words,
                         bool* in_word) {
  bool w = *in_word;
  int n = 0;
  for (size_t i = from; i < size; ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (words != nullptr) {
      // Branch-free: a word starts at each non-space byte after a space.
      const bool space = kBytes.space[c];
      n += !space & !w;
      w = !space;
    }
    if (out == nullptr || !kBytes.html_escape[c]) continue;
    out->append(text + begin, i - begin);
    AppendEntity(static_cast<char>(c), out);
    begin = i + 1;
  }
  if (words != nullptr) {
    *words += n;
    *in_word = w;
  }
  return begin;
}

#if defined(__SSE2__)
// Bit i of the result is set when byte i of `v` is &, <, > or ".
inline unsigned EscapeMask(__m128i v) {
  const __m128i amp = _mm_cmpeq_epi8(v, _mm_set1_epi8('&'));
  const __m128i lt = _mm_cmpeq_epi8(v, _mm_set1_epi8('<'));
  const __m128i gt = _mm_cmpeq_epi8(v, _mm_set1_epi8('>'));
  const __m128i quot = _mm_cmpeq_epi8(v, _mm_set1_epi8('"'));
  return static_cast<unsigned>(_mm_movemask_epi8(
      _mm_or_si128(_mm_or_si128(amp, lt), _mm_or_si128(gt, quot))));
}

// Bit i of the result is set when byte i of `v` is ASCII whitespace:
// ' ', or \t..\r (9..13).
inline unsigned SpaceMask(__m128i v) {
  const __m128i shifted = _mm_sub_epi8(v, _mm_set1_epi8(9));
  const __m128i control =
      _mm_cmpeq_epi8(_mm_min_epu8(shifted, _mm_set1_epi8(4)), shifted);
  const __m128i blank = _mm_cmpeq_epi8(v, _mm_set1_epi8(' '));
  return static_cast<unsigned>(_mm_movemask_epi8(_mm_or_si128(control, blank)));
}

// Appends the escaped bytes whose bits are set in `mask` (bit i: byte
// text[base + i]) and the text before each; returns the new `begin`.
inline size_t EscapeBlock(const char* text, size_t base, unsigned mask,
                          size_t begin, std::string* out) {
  while (mask != 0) {
    const size_t i = base + static_cast<size_t>(__builtin_ctz(mask));
    out->append(text + begin, i - begin);
    AppendEntity(text[i], out);
    begin = i + 1;
    mask &= mask - 1;
  }
  return begin;
}

// The word-count step for one block: `word` has bit i set when byte i is
// part of a word (bits past the block's end clear); `carry` is whether the
// byte before the block was. Returns the number of words starting in it.
inline int WordStarts(unsigned word, unsigned carry) {
  return __builtin_popcount(word & ~((word << 1) | carry));
}

template <bool kCountWords, bool kEscape>
int Scan(const char* text, size_t size, std::string* out, bool* in_word) {
  size_t begin = 0;
  size_t i = 0;
  unsigned carry = *in_word ? 1 : 0;  // was the byte before i in a word?
  int words = 0;
  for (; i + 16 <= size; i += 16) {
    const __m128i v =
        _mm_loadu_si128(reinterpret_cast<const __m128i*>(text + i));
    if (kCountWords) {
      const unsigned word = ~SpaceMask(v) & 0xffffu;
      words += WordStarts(word, carry);
      carry = word >> 15;
    }
    if (kEscape) begin = EscapeBlock(text, i, EscapeMask(v), begin, out);
  }
  if (i < size) {
    // The last 1..15 bytes, copied into a block padded with spaces (neither
    // a word byte nor escaped), so that no load reads past the text.
    const size_t n = size - i;
    alignas(16) char block[16];
    _mm_store_si128(reinterpret_cast<__m128i*>(block), _mm_set1_epi8(' '));
    std::memcpy(block, text + i, n);
    const __m128i v = _mm_load_si128(reinterpret_cast<const __m128i*>(block));
    if (kCountWords) {
      const unsigned word = ~SpaceMask(v) & 0xffffu;
      words += WordStarts(word, carry);
      carry = (word >> (n - 1)) & 1;
    }
    if (kEscape) begin = EscapeBlock(text, i, EscapeMask(v), begin, out);
  }
  if (kCountWords) *in_word = carry != 0;
  if (kEscape) out->append(text + begin, size - begin);
  return words;
}
#endif  // __SSE2__

}  // namespace

namespace internal {

void AppendMd4cEscapedScalar(absl::string_view text, std::string* out) {
  const size_t begin =
      ScalarTail(text.data(), 0, text.size(), 0, out, nullptr, nullptr);
  out->append(text.data() + begin, text.size() - begin);
}

int AppendEscapedCountingWordsScalar(absl::string_view text, std::string* out,
                                     bool* in_word) {
  int words = 0;
  const size_t begin =
      ScalarTail(text.data(), 0, text.size(), 0, out, &words, in_word);
  out->append(text.data() + begin, text.size() - begin);
  return words;
}

int CountWordsScalar(absl::string_view text, bool* in_word) {
  int words = 0;
  ScalarTail(text.data(), 0, text.size(), 0, nullptr, &words, in_word);
  return words;
}

}  // namespace internal

void AppendMd4cEscaped(absl::string_view text, std::string* out) {
#if defined(__SSE2__)
  bool unused = false;
  Scan</*kCountWords=*/false, /*kEscape=*/true>(text.data(), text.size(), out,
                                                &unused);
#else
  internal::AppendMd4cEscapedScalar(text, out);
#endif
}

int AppendEscapedCountingWords(absl::string_view text, std::string* out,
                               bool* in_word) {
#if defined(__SSE2__)
  return Scan</*kCountWords=*/true, /*kEscape=*/true>(text.data(), text.size(),
                                                      out, in_word);
#else
  return internal::AppendEscapedCountingWordsScalar(text, out, in_word);
#endif
}

int CountWords(absl::string_view text, bool* in_word) {
#if defined(__SSE2__)
  return Scan</*kCountWords=*/true, /*kEscape=*/false>(text.data(), text.size(),
                                                       nullptr, in_word);
#else
  return internal::CountWordsScalar(text, in_word);
#endif
}

}  // namespace serval::markdown
