#include "src/markdown/html_text.h"

#include <algorithm>
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
  bool html_escape_apos[256] = {};  // and AppendHtmlEscaped ' too
  bool space[256] = {};        // word separators
  constexpr ByteClasses() {
    for (char c : {'&', '<', '>', '"'}) html_escape[static_cast<unsigned char>(c)] = true;
    for (char c : {'&', '<', '>', '"', '\''}) {
      html_escape_apos[static_cast<unsigned char>(c)] = true;
    }
    for (char c : {' ', '\t', '\n', '\r', '\f', '\v'}) space[static_cast<unsigned char>(c)] = true;
  }
};
constexpr ByteClasses kBytes;

inline void AppendEntity(char c, HtmlBuffer* out) {
  switch (c) {
    case '&': out->append("&amp;", 5); break;
    case '<': out->append("&lt;", 4); break;
    case '>': out->append("&gt;", 4); break;
    case '"': out->append("&quot;", 6); break;
    default: out->append("&#39;", 5); break;
  }
}

// Escapes text[from, size) into `out` unless it is null (text[begin, from)
// is still to be appended), ' too with kApos; counts words when `words` is
// not null. Returns the new `begin`: everything before it has been appended.
template <bool kApos = false>
inline size_t ScalarTail(const char* text, size_t from, size_t size,
                         size_t begin, HtmlBuffer* out, int* words,
                         bool* in_word) {
  bool w = words != nullptr && *in_word;  // in_word may be null without words
  int n = 0;
  for (size_t i = from; i < size; ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (words != nullptr) {
      // Branch-free: a word starts at each non-space byte after a space.
      const bool space = kBytes.space[c];
      n += !space & !w;
      w = !space;
    }
    if (out == nullptr ||
        !(kApos ? kBytes.html_escape_apos : kBytes.html_escape)[c]) {
      continue;
    }
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
// 0xff in each byte of `v` that is &, <, > or " (or ' with kApos); 0
// elsewhere.
template <bool kApos = false>
inline __m128i EscapeBytes(__m128i v) {
  const __m128i amp = _mm_cmpeq_epi8(v, _mm_set1_epi8('&'));
  const __m128i lt = _mm_cmpeq_epi8(v, _mm_set1_epi8('<'));
  const __m128i gt = _mm_cmpeq_epi8(v, _mm_set1_epi8('>'));
  const __m128i quot = _mm_cmpeq_epi8(v, _mm_set1_epi8('"'));
  const __m128i any =
      _mm_or_si128(_mm_or_si128(amp, lt), _mm_or_si128(gt, quot));
  if (!kApos) return any;
  return _mm_or_si128(any, _mm_cmpeq_epi8(v, _mm_set1_epi8('\'')));
}

// 0xff in each byte of `v` that is ASCII whitespace: ' ', or \t..\r
// (9..13); 0 elsewhere.
inline __m128i SpaceBytes(__m128i v) {
  const __m128i shifted = _mm_sub_epi8(v, _mm_set1_epi8(9));
  const __m128i control =
      _mm_cmpeq_epi8(_mm_min_epu8(shifted, _mm_set1_epi8(4)), shifted);
  return _mm_or_si128(control, _mm_cmpeq_epi8(v, _mm_set1_epi8(' ')));
}

inline __m128i Load(const char* p) {
  return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
}

inline void Store(char* p, __m128i v) {
  _mm_storeu_si128(reinterpret_cast<__m128i*>(p), v);
}

// The sum of the 16 bytes of `v`.
inline int SumBytes(__m128i v) {
  const __m128i sums = _mm_sad_epu8(v, _mm_setzero_si128());
  return _mm_cvtsi128_si32(sums) +
         _mm_cvtsi128_si32(_mm_unpackhi_epi64(sums, sums));
}

// 16 zero bytes then 16 0xff bytes: 16 bytes loaded from kTailMask + n have
// their last n bytes set.
alignas(16) constexpr char kTailMask[32] = {
    0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1};

// Counts the words starting in `text` and tells whether it holds a byte to
// escape; the loop keeps its state in registers. A word starts at each
// non-space byte whose predecessor is a space; per-byte counters in a
// vector are summed every 255 blocks, before they can overflow.
// With kCopy, also stores the text at `copy` as it goes (so text without
// escapes is appended in the same pass); REQUIRES: size + 16 bytes there.
template <bool kCopy>
int ScanWords(const char* text, size_t size, bool* in_word, bool* escapes,
              char* copy) {
  // Byte 15 of `previous`: whether the byte before the next block is a space.
  __m128i previous = *in_word ? _mm_setzero_si128() : _mm_set1_epi8(-1);
  __m128i escape = _mm_setzero_si128();
  int words = 0;
  const size_t blocks = size / 16;
  for (size_t b = 0; b < blocks;) {
    const size_t end = std::min(blocks, b + 255);
    __m128i counts = _mm_setzero_si128();
    for (; b < end; ++b) {
      const __m128i v = Load(text + 16 * b);
      if (kCopy) Store(copy + 16 * b, v);
      const __m128i space = SpaceBytes(v);
      const __m128i before = _mm_or_si128(_mm_slli_si128(space, 1),
                                          _mm_srli_si128(previous, 15));
      counts = _mm_sub_epi8(counts, _mm_andnot_si128(space, before));
      escape = _mm_or_si128(escape, EscapeBytes(v));
      previous = space;
    }
    words += SumBytes(counts);
  }
  const size_t n = size % 16;  // bytes left
  if (n != 0) {
    __m128i v, valid, before_last;
    if (size >= 16) {
      // The text's last 16 bytes, of which the first 16 - n were counted;
      // every new byte's predecessor is in the block.
      v = Load(text + size - 16);
      if (kCopy) Store(copy + size - 16, v);
      valid = Load(kTailMask + n);
      before_last = _mm_setzero_si128();
    } else {
      // A short text, copied into a block padded with spaces (neither a
      // word byte nor escaped), so that no load reads past it.
      alignas(16) char block[16];
      _mm_store_si128(reinterpret_cast<__m128i*>(block), _mm_set1_epi8(' '));
      std::memcpy(block, text, n);
      v = _mm_load_si128(reinterpret_cast<const __m128i*>(block));
      if (kCopy) Store(copy, v);  // n bytes of text, then padding
      valid = _mm_set1_epi8(-1);
      before_last = _mm_srli_si128(previous, 15);
    }
    const __m128i space = SpaceBytes(v);
    const __m128i before =
        _mm_or_si128(_mm_slli_si128(space, 1), before_last);
    const __m128i starts = _mm_andnot_si128(space, before);
    words += SumBytes(_mm_and_si128(starts, _mm_and_si128(valid, _mm_set1_epi8(1))));
    escape = _mm_or_si128(escape, _mm_and_si128(EscapeBytes(v), valid));
    if (size >= 16) {
      previous = space;  // its byte 15 is the text's last byte
    } else {
      const bool last_is_space = (_mm_movemask_epi8(space) >> (n - 1)) & 1;
      previous = last_is_space ? _mm_set1_epi8(-1) : _mm_setzero_si128();
    }
  }
  *in_word = (_mm_movemask_epi8(previous) & 0x8000) == 0;
  *escapes = _mm_movemask_epi8(escape) != 0;
  return words;
}

// md4c-html's escaping (with ' too when kApos), 16 bytes at a time.
template <bool kApos = false>
void Escape(const char* text, size_t size, HtmlBuffer* out) {
  size_t begin = 0;
  size_t i = 0;
  for (; i + 16 <= size; i += 16) {
    unsigned mask = _mm_movemask_epi8(EscapeBytes<kApos>(Load(text + i)));
    while (mask != 0) {
      const size_t at = i + static_cast<size_t>(__builtin_ctz(mask));
      out->append(text + begin, at - begin);
      AppendEntity(text[at], out);
      begin = at + 1;
      mask &= mask - 1;
    }
  }
  begin = ScalarTail<kApos>(text, i, size, begin, out, nullptr, nullptr);
  out->append(text + begin, size - begin);
}
#endif  // __SSE2__

}  // namespace

namespace internal {

void AppendMd4cEscapedScalar(absl::string_view text, HtmlBuffer* out) {
  const size_t begin =
      ScalarTail(text.data(), 0, text.size(), 0, out, nullptr, nullptr);
  out->append(text.data() + begin, text.size() - begin);
}

int AppendEscapedCountingWordsScalar(absl::string_view text, HtmlBuffer* out,
                                     bool* in_word) {
  int words = 0;
  const size_t begin =
      ScalarTail(text.data(), 0, text.size(), 0, out, &words, in_word);
  out->append(text.data() + begin, text.size() - begin);
  return words;
}

void AppendHtmlEscapedScalar(absl::string_view text, HtmlBuffer* out) {
  const size_t begin = ScalarTail</*kApos=*/true>(text.data(), 0, text.size(),
                                                  0, out, nullptr, nullptr);
  out->append(text.data() + begin, text.size() - begin);
}

int CountWordsScalar(absl::string_view text, bool* in_word) {
  int words = 0;
  ScalarTail(text.data(), 0, text.size(), 0, nullptr, &words, in_word);
  return words;
}

}  // namespace internal

void AppendMd4cEscaped(absl::string_view text, HtmlBuffer* out) {
#if defined(__SSE2__)
  Escape(text.data(), text.size(), out);
#else
  internal::AppendMd4cEscapedScalar(text, out);
#endif
}

void AppendHtmlEscaped(absl::string_view text, HtmlBuffer* out) {
#if defined(__SSE2__)
  Escape</*kApos=*/true>(text.data(), text.size(), out);
#else
  internal::AppendHtmlEscapedScalar(text, out);
#endif
}

int AppendEscapedCountingWords(absl::string_view text, HtmlBuffer* out,
                               bool* in_word) {
#if defined(__SSE2__)
  // Scanned and copied in one pass; text with a byte to escape is then
  // written again, escaped, over the copy.
  bool escapes = false;
  char* copy = out->PrepareAppend(text.size() + 16);
  const int words =
      ScanWords<true>(text.data(), text.size(), in_word, &escapes, copy);
  if (escapes) {
    Escape(text.data(), text.size(), out);
  } else {
    out->CommitAppend(text.size());
  }
  return words;
#else
  return internal::AppendEscapedCountingWordsScalar(text, out, in_word);
#endif
}

int CountWords(absl::string_view text, bool* in_word) {
#if defined(__SSE2__)
  bool escapes = false;
  return ScanWords<false>(text.data(), text.size(), in_word, &escapes,
                         nullptr);
#else
  return internal::CountWordsScalar(text, in_word);
#endif
}

}  // namespace serval::markdown
