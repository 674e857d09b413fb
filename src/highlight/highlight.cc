#include "src/highlight/highlight.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <cstdio>
#include <cstdlib>
#include <memory>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "absl/base/call_once.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "src/highlight/languages.h"

namespace serval::highlight {
namespace {

// The table of names is built once (thread-safe static initialization)
// and never modified after. Each language's lexer is compiled on its first
// lookup, once (absl::call_once), so a build pays only for the languages
// its pages use; after that a lookup is a hash probe and an acquire load,
// with no lock.
struct Slot {
  LexerDef def;  // moved into the lexer when it is compiled
  absl::once_flag compiled;
  std::unique_ptr<Lexer> lexer;
};

struct Registry {
  std::vector<std::unique_ptr<Slot>> slots;
  absl::flat_hash_map<std::string, Slot*> by_name;
};

const Registry& GetRegistry() {
  static const Registry* const registry = [] {
    auto* r = new Registry();
    for (LexerDef& def : BuiltinLanguages()) {
      auto slot = std::make_unique<Slot>();
      r->by_name[def.name] = slot.get();
      for (const std::string& alias : def.aliases) r->by_name[alias] = slot.get();
      slot->def = std::move(def);
      r->slots.push_back(std::move(slot));
    }
    return r;
  }();
  return *registry;
}

const Lexer* Compiled(Slot& slot) {
  absl::call_once(slot.compiled, [&slot] {
    const std::string name = slot.def.name;
    absl::StatusOr<std::unique_ptr<Lexer>> lexer = Lexer::Create(std::move(slot.def));
    if (!lexer.ok()) {
      // A broken built-in table is a programming error caught by tests
      // (highlight_test compiles every language).
      std::fprintf(stderr, "highlight: %s: %s\n", name.c_str(),
                   std::string(lexer.status().message()).c_str());
      std::abort();
    }
    slot.lexer = *std::move(lexer);
  });
  return slot.lexer.get();
}

}  // namespace

const Lexer* FindLexer(absl::string_view name) {
  if (name.empty() || name.size() > 64) return nullptr;
  const Registry& r = GetRegistry();
  auto it = r.by_name.find(absl::AsciiStrToLower(name));
  return it == r.by_name.end() ? nullptr : Compiled(*it->second);
}

std::vector<std::string> LexerNames() {
  std::vector<std::string> names;
  for (const auto& slot : GetRegistry().slots) {
    names.push_back(Compiled(*slot)->name());
  }
  std::sort(names.begin(), names.end());
  return names;
}

namespace {

// The replacement of each byte HTML escaping changes, else nullptr.
struct EscapeTable {
  const char* replacement[256] = {};
  constexpr EscapeTable() {
    replacement[static_cast<unsigned char>('&')] = "&amp;";
    replacement[static_cast<unsigned char>('<')] = "&lt;";
    replacement[static_cast<unsigned char>('>')] = "&gt;";
    replacement[static_cast<unsigned char>('"')] = "&quot;";
    replacement[static_cast<unsigned char>('\'')] = "&#39;";
  }
};
constexpr EscapeTable kEscape;

// How many bytes escaping adds to each byte (0 for most).
struct EscapeGrowth {
  uint8_t extra[256] = {};
  constexpr EscapeGrowth() {
    for (int c = 0; c < 256; ++c) {
      const char* rep = kEscape.replacement[c];
      if (rep == nullptr) continue;
      int n = 0;
      while (rep[n] != '\0') ++n;
      extra[c] = static_cast<uint8_t>(n - 1);
    }
  }
};
constexpr EscapeGrowth kEscapeGrowth;

// Each replacement of kEscape in 8 bytes, NUL-padded.
struct EscapeBytes {
  char bytes[256][8] = {};
  constexpr EscapeBytes() {
    for (int c = 0; c < 256; ++c) {
      const char* rep = kEscape.replacement[c];
      for (int n = 0; rep != nullptr && rep[n] != '\0'; ++n) bytes[c][n] = rep[n];
    }
  }
};
constexpr EscapeBytes kEscapeBytes;

// How many bytes escaping `text` adds: the sum of kEscapeGrowth over its
// bytes, 16 at a time where SSE2 is there (the per-byte table loop was a
// tenth of highlighting's own instructions).
size_t EscapeGrowthOf(absl::string_view text) {
  size_t size = 0;
  size_t i = 0;
#if defined(__SSE2__)
  // Per-byte sums of the growth, added up every 50 blocks (at most 5 a
  // byte, so 250 at most: no byte overflows).
  while (i + 16 <= text.size()) {
    const size_t end = std::min(text.size() - 15, i + 16 * 50);
    __m128i counts = _mm_setzero_si128();
    for (; i < end; i += 16) {
      const __m128i v =
          _mm_loadu_si128(reinterpret_cast<const __m128i*>(text.data() + i));
      // &amp; +4, &lt; +3, &gt; +3, &quot; +5, &#39; +4.
      const __m128i g =
          _mm_or_si128(
              _mm_or_si128(
                  _mm_and_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('&')),
                                _mm_set1_epi8(4)),
                  _mm_and_si128(_mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('<')),
                                             _mm_cmpeq_epi8(v, _mm_set1_epi8('>'))),
                                _mm_set1_epi8(3))),
              _mm_or_si128(
                  _mm_and_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')),
                                _mm_set1_epi8(5)),
                  _mm_and_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('\'')),
                                _mm_set1_epi8(4))));
      counts = _mm_add_epi8(counts, g);
    }
    const __m128i sums = _mm_sad_epu8(counts, _mm_setzero_si128());
    size += static_cast<size_t>(_mm_cvtsi128_si32(sums)) +
            static_cast<size_t>(_mm_cvtsi128_si32(_mm_unpackhi_epi64(sums, sums)));
  }
#endif
  for (; i < text.size(); ++i) {
    size += kEscapeGrowth.extra[static_cast<unsigned char>(text[i])];
  }
  return size;
}

// Writes text[begin, end) escaped at `p`; returns the new end of output.
// REQUIRES: 8 bytes of slack past the escaped text's end.
char* WriteEscaped(const char* text, size_t begin, size_t end, char* p) {
  for (size_t i = begin; i < end; ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (kEscapeGrowth.extra[c] == 0) {
      *p++ = static_cast<char>(c);
      continue;
    }
    // The replacement is copied whole (8 bytes, padded): the caller's
    // buffer has the slack.
    std::memcpy(p, kEscapeBytes.bytes[c], 8);
    p += kEscapeGrowth.extra[c] + 1;
  }
  return p;
}

// "<span class=\"k\">" for each token type (size 0 for plain text), in a
// fixed-size buffer, so writing one is a copy of constant size.
constexpr size_t kOpenTagCapacity = 32;
struct OpenTag {
  char bytes[kOpenTagCapacity];
  size_t size;
};
const OpenTag* OpenTags() {
  static const OpenTag* const tags = [] {
    auto* t = new OpenTag[static_cast<int>(TokenType::kCount)]();
    for (int i = 0; i < static_cast<int>(TokenType::kCount); ++i) {
      const absl::string_view css = CssClass(static_cast<TokenType>(i));
      if (css.empty()) continue;
      const std::string tag = absl::StrCat("<span class=\"", css, "\">");
      if (tag.size() > kOpenTagCapacity) std::abort();  // token.h's classes are short
      std::memcpy(t[i].bytes, tag.data(), tag.size());
      t[i].size = tag.size();
    }
    return t;
  }();
  return tags;
}

}  // namespace

void AppendEscapedHtml(absl::string_view text, std::string* out) {
  size_t begin = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (kEscapeGrowth.extra[c] == 0) continue;
    out->append(text.data() + begin, i - begin);
    // The replacement's length is known: no strlen.
    out->append(kEscapeBytes.bytes[c], kEscapeGrowth.extra[c] + 1u);
    begin = i + 1;
  }
  out->append(text.data() + begin, text.size() - begin);
}

bool AppendHighlightedHtml(absl::string_view language, absl::string_view code,
                           std::string* out) {
  const Lexer* lexer = FindLexer(language);
  if (lexer == nullptr) {
    AppendEscapedHtml(code, out);
    return false;
  }
  AppendHighlightedHtml(*lexer, code, out);
  return true;
}

void AppendHighlightedHtml(const Lexer& lexer, absl::string_view code,
                           std::string* out) {
  std::vector<Token> tokens;
  tokens.reserve(code.size() / 2 + 16);  // code averages a token per 3 bytes
  lexer.Tokenize(code, &tokens);
  const OpenTag* tags = OpenTags();
  // The exact size first, then one resize and plain writes (appending
  // each token's few bytes cost more than lexing them). The tags are
  // copied whole (kOpenTagCapacity bytes, and "</span>" with its NUL), so
  // the buffer has that much slack past the end, cut off below.
  size_t size = code.size() + EscapeGrowthOf(code);
  for (const Token& t : tokens) {
    const size_t open = tags[static_cast<int>(t.type)].size;
    if (open != 0) size += open + 7;
  }
  const size_t start = out->size();
  out->resize(start + size + kOpenTagCapacity);
  char* p = &(*out)[start];
  for (const Token& t : tokens) {
    const OpenTag& open = tags[static_cast<int>(t.type)];
    std::memcpy(p, open.bytes, kOpenTagCapacity);
    p += open.size;
    p = WriteEscaped(code.data(), t.begin, t.begin + t.length, p);
    if (open.size != 0) {
      std::memcpy(p, "</span>", 8);
      p += 7;
    }
  }
  // Tokenize covers the code exactly once, so p is at the end; should a
  // lexer ever leave a gap, the output is cut there, never left padded.
  out->resize(static_cast<size_t>(p - out->data()));
}

}  // namespace serval::highlight
