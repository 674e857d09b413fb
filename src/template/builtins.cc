#include "src/template/builtins.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "absl/base/config.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "src/template/interpreter.h"
#include "src/template/utf8_util.h"

namespace serval::tmpl {

// `lhs` names the value inside the StatusOr (no move out of it); return it
// with std::move(lhs).
#define TRY(lhs, expr)                          \
  auto lhs##_or = (expr);                       \
  if (!lhs##_or.ok()) return lhs##_or.status(); \
  auto& lhs = *lhs##_or

namespace {

// Argument `index` (positional) or `name` (keyword), or null.
const Value* Arg(const CallArgs& args, size_t index, absl::string_view name) {
  if (index < args.positional.size()) return &args.positional[index];
  for (const auto& [k, v] : args.named) {
    if (k == name) return &v;
  }
  return nullptr;
}
Value ArgOr(const CallArgs& args, size_t index, absl::string_view name,
            Value fallback) {
  const Value* v = Arg(args, index, name);
  return v != nullptr ? *v : fallback;
}

// str() of argument `index` / `name`, or `fallback`.
std::string ArgStr(const CallArgs& args, size_t index, absl::string_view name,
                   absl::string_view fallback) {
  const Value* v = Arg(args, index, name);
  return v != nullptr ? v->Str() : std::string(fallback);
}

// A string result that keeps Markup-ness of the input (markupsafe's
// methods return Markup).
Value Like(const Value& input, std::string s) {
  return input.is_safe() ? Value::Safe(std::move(s)) : Value(std::move(s));
}

std::string Lower(absl::string_view s) { return Utf8Lower(s); }
std::string Upper(absl::string_view s) { return Utf8Upper(s); }

bool IsPySpace(char c) { return absl::ascii_isspace(c); }

// The byte length of the code point that starts at s[i] (one for a byte
// that does not start a valid sequence).
size_t CodepointBytes(absl::string_view s, size_t i) {
  const unsigned char c = s[i];
  size_t n = c < 0xC0 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : c < 0xF8 ? 4 : 1;
  if (i + n > s.size()) return 1;
  for (size_t k = 1; k < n; ++k) {
    if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return 1;
  }
  return n;
}

// Appends the code point `cp` upper- or lower-cased.
void AppendCased(absl::string_view cp, bool upper, std::string* out) {
  if (cp.size() == 1) {
    out->push_back(upper ? absl::ascii_toupper(cp[0])
                         : absl::ascii_tolower(cp[0]));
  } else {
    *out += upper ? Utf8Upper(cp) : Utf8Lower(cp);
  }
}

// Jinja2's `title` filter: the first code point of each word (words are
// split at whitespace, - ( { [ <) upper-cased, the rest lower-cased.
std::string JinjaTitle(absl::string_view s) {
  std::string out;
  out.reserve(s.size());
  bool start = true;
  for (size_t i = 0; i < s.size();) {
    const size_t n = CodepointBytes(s, i);
    const char c = s[i];
    if (n == 1 && (IsPySpace(c) || c == '-' || c == '(' || c == '{' ||
                   c == '[' || c == '<')) {
      out.push_back(c);
      start = true;
    } else {
      AppendCased(s.substr(i, n), start, &out);
      start = false;
    }
    i += n;
  }
  return out;
}

// Python's str.title(): a code point that follows a cased one (a letter
// with case) is lower-cased, any other upper-cased (title-cased: 'ß' ->
// 'Ss'). So '%s!' -> '%S!' and '3rd' -> '3Rd', unlike the filter.
std::string PyTitle(absl::string_view s) {
  std::string out;
  out.reserve(s.size());
  bool after_cased = false;
  for (size_t i = 0; i < s.size();) {
    const size_t n = CodepointBytes(s, i);
    const absl::string_view cp = s.substr(i, n);
    if (!after_cased && cp == "\xc3\x9f") {
      out += "Ss";
    } else {
      AppendCased(cp, !after_cased, &out);
    }
    after_cased = n == 1 ? absl::ascii_isalpha(cp[0])
                         : Utf8Lower(cp) != cp || Utf8Upper(cp) != cp;
    i += n;
  }
  return out;
}

// Python's hash(): lists and dicts have none, a tuple has one when all its
// items do.
bool IsHashable(const Value& v) {
  if (v.is_tuple()) {
    for (const Value& item : v.items()) {
      if (!IsHashable(item)) return false;
    }
    return true;
  }
  return !v.is_list() && !v.is_dict();
}
// The type Python's "unhashable type" error names for `v`.
std::string UnhashableTypeName(const Value& v) {
  if (v.is_tuple()) {
    for (const Value& item : v.items()) {
      if (!IsHashable(item)) return UnhashableTypeName(item);
    }
  }
  return v.is_dict() ? "dict" : "list";
}

// Strict weak order for sort/min/max (Python <); errors on mixed types.
absl::StatusOr<bool> Less(Interpreter* interp, const Value& a,
                          const Value& b) {
  if (a.is_number() && b.is_number()) {
    if (!a.is_float() && !b.is_float()) return a.int_value() < b.int_value();
    return a.AsDouble() < b.AsDouble();
  }
  if (a.is_string() && b.is_string()) return a.str() < b.str();
  if (a.is_list() && b.is_list() && a.is_tuple() == b.is_tuple()) {
    const auto& x = a.items();
    const auto& y = b.items();
    for (size_t i = 0; i < x.size() && i < y.size(); ++i) {
      if (x[i].Equals(y[i])) continue;
      return Less(interp, x[i], y[i]);
    }
    return x.size() < y.size();
  }
  return interp->Error(absl::StrCat("'<' not supported between instances of '",
                                    a.TypeName(), "' and '", b.TypeName(),
                                    "'"));
}

// True when Utf8Lower(s) == s without looking further: ASCII, no capitals.
bool IsAsciiLower(absl::string_view s) {
  for (char c : s) {
    if ((c >= 'A' && c <= 'Z') || (c & 0x80)) return false;
  }
  return true;
}

// Sorts `keys` stably (Python's sort is stable) and returns the order as
// indices into `keys`; the first failed comparison is the error.
// The eight bytes at `p` as a big-endian word: two words compare as their
// bytes do, in order.
inline uint64_t BigEndianWord(const char* p) {
  uint64_t w;
  std::memcpy(&w, p, sizeof(w));
#ifdef ABSL_IS_LITTLE_ENDIAN
  w = __builtin_bswap64(w);
#endif
  return w;
}

absl::StatusOr<std::vector<uint32_t>> StableOrder(
    Interpreter* interp, const std::vector<Value>& keys, bool reverse) {
  std::vector<uint32_t> order(keys.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = static_cast<uint32_t>(i);
  // All strings (the common case: titles, dates, sections): compare the
  // bytes directly, as Python compares str.
  if (std::all_of(keys.begin(), keys.end(),
                  [](const Value& k) { return k.is_string(); })) {
    std::vector<absl::string_view> strs;
    strs.reserve(keys.size());
    for (const Value& k : keys) strs.emplace_back(k.str());
    // Byte order, as absl::string_view's operator<, inline: sort keys are
    // short and often equal, where a memcmp call costs more than the bytes.
    // Eight bytes at a time while both have them (dates, URLs and titles
    // share long prefixes), compared as big-endian words.
    auto less = [](absl::string_view a, absl::string_view b) {
      const size_t n = std::min(a.size(), b.size());
      size_t i = 0;
      for (; i + 8 <= n; i += 8) {
        const uint64_t x = BigEndianWord(a.data() + i);
        const uint64_t y = BigEndianWord(b.data() + i);
        if (x != y) return x < y;
      }
      for (; i < n; ++i) {
        if (a[i] != b[i]) {
          return static_cast<unsigned char>(a[i]) <
                 static_cast<unsigned char>(b[i]);
        }
      }
      return a.size() < b.size();
    };
    std::stable_sort(order.begin(), order.end(),
                     [&](uint32_t xi, uint32_t yi) {
                       return reverse ? less(strs[yi], strs[xi])
                                      : less(strs[xi], strs[yi]);
                     });
    return order;
  }
  absl::Status error;
  std::stable_sort(order.begin(), order.end(), [&](uint32_t xi, uint32_t yi) {
    if (!error.ok()) return false;
    const Value& x = reverse ? keys[yi] : keys[xi];
    const Value& y = reverse ? keys[xi] : keys[yi];
    absl::StatusOr<bool> r = Less(interp, x, y);
    if (!r.ok()) {
      error = r.status();
      return false;
    }
    return *r;
  });
  if (!error.ok()) return error;
  return order;
}

Value SortKey(const Value& v, bool case_sensitive) {
  if (!case_sensitive && v.is_string() && !IsAsciiLower(v.str())) {
    return Value(Lower(v.str()));
  }
  return v;
}

// Jinja2's attribute path "a.b.0".
Value GetPathPart(const Value& v, absl::string_view part) {
  int64_t idx;
  if (v.is_list() && absl::SimpleAtoi(part, &idx)) return v.GetItem(Value(idx));
  return v.GetAttr(part);
}

Value GetPath(const Value& v, absl::string_view path) {
  // The common case, one attribute: no split, no copy of `v`. (Paths are
  // short: an inline scan beats a memchr call.)
  if (std::find(path.begin(), path.end(), '.') == path.end()) {
    return GetPathPart(v, path);
  }
  Value cur = v;
  for (absl::string_view part : absl::StrSplit(path, '.')) {
    int64_t idx;
    if (absl::SimpleAtoi(part, &idx) && cur.is_list()) {
      cur = cur.GetItem(Value(idx));
    } else {
      cur = cur.GetAttr(part);
    }
  }
  return cur;
}

// Jinja2's make_attrgetter: the `attribute` argument of a filter (none:
// the item itself; an int: item[i]; else a path "a.b.0"), read from each
// item the filter goes through. The path is looked at once, not per item.
class AttrGetter {
 public:
  explicit AttrGetter(const Value* attribute) : attribute_(attribute) {
    if (attribute == nullptr || attribute->is_none() || attribute->is_int()) {
      return;
    }
    if (attribute->is_string()) {
      path_ = attribute->str();
    } else {
      owned_ = attribute->Str();
      path_ = owned_;
    }
    // A one-attribute path (the common case: no split, no copy of items).
    // Paths are short: an inline scan beats a memchr call.
    one_name_ = std::find(path_.begin(), path_.end(), '.') == path_.end();
    if (one_name_) {
      tag_ = NameTag(path_);
      numeric_ = absl::SimpleAtoi(path_, &index_);
    }
  }

  // path_ may point into owned_: not copied or moved.
  AttrGetter(const AttrGetter&) = delete;
  AttrGetter& operator=(const AttrGetter&) = delete;

  Value operator()(const Value& v) const {
    if (attribute_ == nullptr || attribute_->is_none()) return v;
    if (attribute_->is_int()) return v.GetItem(*attribute_);
    if (!one_name_) return GetPath(v, path_);
    if (numeric_ && v.is_list()) return v.GetItem(Value(index_));
    return v.GetAttr(path_, tag_);
  }

  // The attribute of a dict item in place, when the path is one name and
  // the item has it; null otherwise (operator() then decides).
  // Items mostly have one shape: the entry of the last hit is looked at
  // first (DictData::FindHinted). Inline: it is called for every item.
  ABSL_ATTRIBUTE_ALWAYS_INLINE const Value* InPlace(const Value& v) const {
    if (!one_name_ || !v.is_dict()) return nullptr;
    return v.dict().FindHinted(path_, tag_, &hint_);
  }

 private:
  const Value* attribute_;
  std::string owned_;  // the path's text, when it is not a string
  absl::string_view path_;
  bool one_name_ = false;
  uint64_t tag_ = 0;      // one name: its NameTag
  bool numeric_ = false;  // one name that is an integer (a list index)
  int64_t index_ = 0;
  mutable uint32_t hint_ = 0;  // InPlace's DictData::FindHinted hint
};

absl::StatusOr<std::vector<Value>> SortValues(Interpreter* interp,
                                              std::vector<Value> items,
                                              bool reverse,
                                              bool case_sensitive,
                                              const Value* attribute) {
  std::vector<Value> keys;
  keys.reserve(items.size());
  // attribute="a,b" sorts by several attributes (a list key).
  std::vector<std::string> paths;
  if (attribute != nullptr && attribute->is_string() &&
      attribute->str().find(',') != std::string::npos) {
    paths = absl::StrSplit(attribute->str(), ',');
  }
  const AttrGetter get(attribute);
  for (const Value& v : items) {
    if (paths.empty()) {
      keys.push_back(SortKey(get(v), case_sensitive));
    } else {
      std::vector<Value> parts;
      for (const std::string& path : paths) {
        parts.push_back(SortKey(GetPath(v, path), case_sensitive));
      }
      keys.push_back(Value::List(std::move(parts)));
    }
  }
  TRY(order, StableOrder(interp, keys, reverse));
  std::vector<Value> out;
  out.reserve(items.size());
  for (uint32_t i : order) out.push_back(std::move(items[i]));
  return out;
}

// Python int(s, base) for base 0 (prefix decides) and 2..36; underscores
// already removed.
bool ParsePyInt(absl::string_view s, int64_t base, int64_t* out) {
  bool neg = false;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    neg = s[0] == '-';
    s.remove_prefix(1);
  }
  auto prefixed = [&](char p) {
    return s.size() > 2 && s[0] == '0' && absl::ascii_tolower(s[1]) == p;
  };
  if ((base == 16 || base == 0) && prefixed('x')) {
    base = 16;
    s.remove_prefix(2);
  } else if ((base == 8 || base == 0) && prefixed('o')) {
    base = 8;
    s.remove_prefix(2);
  } else if ((base == 2 || base == 0) && prefixed('b')) {
    base = 2;
    s.remove_prefix(2);
  } else if (base == 0) {
    if (s.size() > 1 && s[0] == '0' &&
        s.find_first_not_of('0') != absl::string_view::npos) {
      return false;
    }
    base = 10;
  }
  if (base < 2 || base > 36 || s.empty()) return false;
  int64_t n = 0;
  for (char c : s) {
    int d = absl::ascii_isdigit(c)   ? c - '0'
            : absl::ascii_isalpha(c) ? absl::ascii_tolower(c) - 'a' + 10
                                     : 99;
    if (d >= base) return false;
    if (n > (INT64_MAX - d) / base) return false;
    n = n * base + d;
  }
  *out = neg ? -n : n;
  return true;
}

absl::StatusOr<int64_t> ToInt(Interpreter* interp, const Value& v) {
  if (v.is_number()) {
    return v.is_float() ? static_cast<int64_t>(v.float_value())
                        : v.int_value();
  }
  return interp->Error(absl::StrCat("'", v.TypeName(),
                                    "' object cannot be interpreted as an "
                                    "integer"));
}

// Writes the UTF-8 encoding of `cp` at `w` (as AppendCodepoint) and
// returns the end.
char* PutCodepoint(uint32_t cp, char* w) {
  if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) cp = 0xFFFD;
  if (cp < 0x80) {
    *w++ = static_cast<char>(cp);
  } else if (cp < 0x800) {
    *w++ = static_cast<char>(0xC0 | (cp >> 6));
    *w++ = static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    *w++ = static_cast<char>(0xE0 | (cp >> 12));
    *w++ = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    *w++ = static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    *w++ = static_cast<char>(0xF0 | (cp >> 18));
    *w++ = static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    *w++ = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    *w++ = static_cast<char>(0x80 | (cp & 0x3F));
  }
  return w;
}

// html.unescape for numeric references and the common named entities
// (documented deviation: the rarer HTML5 names are left as written), of
// *text from its first '&' at `from`, in place: no reference decodes to
// more bytes than it is written with (the shortest, `&#0`, takes three
// and gives U+FFFD's three), so the write position never passes the read
// position, and each reference is read whole before its bytes are
// written.
void HtmlUnescapeInPlace(std::string* text, size_t from) {
  static const auto* const kNamed =
      new absl::flat_hash_map<std::string, uint32_t>{
          {"amp", '&'},     {"lt", '<'},       {"gt", '>'},
          {"quot", '"'},    {"apos", '\''},    {"nbsp", 0xA0},
          {"copy", 0xA9},   {"reg", 0xAE},     {"trade", 0x2122},
          {"hellip", 0x2026}, {"mdash", 0x2014}, {"ndash", 0x2013},
          {"laquo", 0xAB},  {"raquo", 0xBB},   {"lsquo", 0x2018},
          {"rsquo", 0x2019}, {"ldquo", 0x201C}, {"rdquo", 0x201D},
          {"bull", 0x2022}, {"middot", 0xB7},  {"deg", 0xB0},
          {"times", 0xD7},  {"divide", 0xF7},  {"euro", 0x20AC},
          {"pound", 0xA3},  {"yen", 0xA5},     {"cent", 0xA2},
          {"sect", 0xA7},   {"para", 0xB6},
          // Upper-case spellings HTML5 also has: `upper` of escaped text.
          {"AMP", '&'},     {"LT", '<'},       {"GT", '>'},
          {"QUOT", '"'},    {"COPY", 0xA9},    {"REG", 0xAE},
          {"TRADE", 0x2122}, {"Lt", 0x226A},   {"Gt", 0x226B}};
  // Names HTML5 also accepts without the semicolon.
  static constexpr absl::string_view kLegacy[] = {
      "amp",  "lt",  "gt",   "quot", "nbsp", "copy", "reg",  "laquo",
      "raquo", "middot", "deg", "times", "divide", "pound", "yen", "cent",
      "sect", "para", "AMP",  "LT",   "GT",   "QUOT", "COPY", "REG"};
  char* const base = text->data();
  const absl::string_view s(base, text->size());
  char* w = base + from;
  size_t i = from;
  while (i < s.size()) {
    if (s[i] != '&') {
      size_t amp = s.find('&', i);
      if (amp == absl::string_view::npos) amp = s.size();
      std::memmove(w, s.data() + i, amp - i);
      w += amp - i;
      i = amp;
      continue;
    }
    size_t j = i + 1;
    if (j < s.size() && s[j] == '#') {
      bool hex = j + 1 < s.size() && (s[j + 1] == 'x' || s[j + 1] == 'X');
      size_t k = j + (hex ? 2 : 1);
      uint64_t cp = 0;
      size_t digits = 0;
      while (k < s.size() && (hex ? absl::ascii_isxdigit(s[k])
                                  : absl::ascii_isdigit(s[k]))) {
        if (cp < 0x110000) {
          cp = cp * (hex ? 16 : 10) +
               (absl::ascii_isdigit(s[k]) ? s[k] - '0'
                                          : absl::ascii_tolower(s[k]) - 'a' +
                                                10);
        }
        ++k;
        ++digits;
      }
      if (digits == 0) {
        *w++ = s[i++];
        continue;
      }
      if (k < s.size() && s[k] == ';') ++k;
      if (cp == 0 || cp >= 0x110000 || (cp >= 0xD800 && cp <= 0xDFFF)) {
        cp = 0xFFFD;
      }
      w = PutCodepoint(static_cast<uint32_t>(cp), w);
      i = k;
      continue;
    }
    size_t k = j;
    while (k < s.size() && absl::ascii_isalnum(s[k]) && k - j < 32) ++k;
    const absl::string_view name = s.substr(j, k - j);
    if (name.empty()) {  // a bare '&'
      *w++ = s[i++];
      continue;
    }
    auto it = kNamed->find(name);
    if (it != kNamed->end() && k < s.size() && s[k] == ';') {
      w = PutCodepoint(it->second, w);
      i = k + 1;
      continue;
    }
    bool done = false;
    for (absl::string_view legacy : kLegacy) {
      if (absl::StartsWith(name, legacy)) {
        w = PutCodepoint(kNamed->find(legacy)->second, w);
        i = j + legacy.size();
        done = true;
        break;
      }
    }
    if (!done) *w++ = s[i++];
  }
  text->resize(w - base);
}

#if defined(__SSE2__)
// Bit i set when byte i of `w` is <= 0x20 (whitespace is among them) or
// '<': where StripTagsImpl's plain copy stops.
inline unsigned StripTagsSpecial16(__m128i w) {
  const __m128i low =
      _mm_cmpeq_epi8(_mm_min_epu8(w, _mm_set1_epi8(0x20)), w);
  const __m128i lt = _mm_cmpeq_epi8(w, _mm_set1_epi8('<'));
  return static_cast<unsigned>(_mm_movemask_epi8(_mm_or_si128(low, lt)));
}
#endif

// markupsafe 2.1's striptags: comments (<!--.*?-->), then tags (<.*?>)
// removed, whitespace runs joined by one space (leading and trailing ones
// dropped), entities decoded.
std::string StripTagsImpl(absl::string_view s) {
  std::string no_comments;
  absl::string_view src = s;
  // Whether there is a comment: a memchr for each '<' (a tag or two in a
  // typical summary) is cheaper than a substring search.
  bool has_comment = false;
  for (size_t at = 0; at < s.size();) {
    const void* lt = std::memchr(s.data() + at, '<', s.size() - at);
    if (lt == nullptr) break;
    at = static_cast<const char*>(lt) - s.data();
    if (s.substr(at, 4) == "<!--") {
      has_comment = true;
      break;
    }
    ++at;
  }
  if (has_comment) {
    size_t i = 0;
    while (i < s.size()) {
      size_t open = s.find("<!--", i);
      size_t close =
          open == absl::string_view::npos ? open : s.find("-->", open + 4);
      if (close == absl::string_view::npos) {
        no_comments.append(s.data() + i, s.size() - i);
        break;
      }
      no_comments.append(s.data() + i, open - i);
      i = close + 3;
    }
    src = no_comments;
  }
  // One pass: text outside tags, whitespace runs collapsed. The result is
  // never longer than `src`: write into a buffer of that size.
  // 1: whitespace (str.split()'s ASCII set), 2: '<', 0: other.
  static constexpr auto kClass = [] {
    std::array<uint8_t, 256> t{};
    for (unsigned char c : {' ', '\t', '\n', '\r', '\f', '\v', '\x1c', '\x1d',
                            '\x1e', '\x1f'}) {
      t[c] = 1;
    }
    t['<'] = 2;
    return t;
  }();
  std::string text(src.size(), '\0');
  char* out = text.data();
  char* const begin = out;
  bool pending_space = false;
  const char* p = src.data();
  const char* const end = p + src.size();
  // The `plain` bytes at p that need nothing, after a pending space: copied
  // as a whole word of `width` bytes (which fits: `out` never runs ahead
  // of `p`), of which `plain` count.
  [[maybe_unused]] auto take_plain = [&](size_t plain, size_t width) {
    if (pending_space) {
      *out++ = ' ';
      pending_space = false;
    }
    std::memcpy(out, p, width);
    out += plain;
    p += plain;
  };
  while (p < end) {
#if defined(__SSE2__)
    // Sixteen bytes at a time up to the first '<' or byte <= 0x20, as
    // below, except that a space between two bytes that are neither is
    // copied as is (the output has it too): in prose every word ends in
    // one, and stopping there cost about 10 instructions a byte. A space
    // at the first position is left to the loop below (the byte before it
    // is in no mask). Seventeen bytes must be there (the next byte of the
    // last); the copy of sixteen fits, as below.
    if (end - p >= 17) {
      const __m128i w = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
      const __m128i w_next =
          _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 1));
      const unsigned special = StripTagsSpecial16(w);
      const unsigned special_next = StripTagsSpecial16(w_next);
      const unsigned space = static_cast<unsigned>(
          _mm_movemask_epi8(_mm_cmpeq_epi8(w, _mm_set1_epi8(' '))));
      const unsigned single_space =
          space & ~(special << 1) & ~special_next & ~1u;
      const unsigned stop = special & ~single_space;
      const size_t plain =
          stop == 0 ? 16 : static_cast<size_t>(__builtin_ctz(stop));
      if (plain > 0) {
        take_plain(plain, 16);
        if (stop == 0) continue;
      }
      // *p is the special byte found: it goes through the loop below now.
    } else
#endif
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    // Eight bytes at a time up to the first byte <= 0x20 (whitespace is
    // among them) or '<'; that byte goes through the loop below. The copy
    // of all eight fits: `out` never runs ahead of `p`.
    if (end - p >= 8) {
      constexpr uint64_t kOnes = 0x0101010101010101ULL;
      constexpr uint64_t kHigh = 0x8080808080808080ULL;
      uint64_t w;
      std::memcpy(&w, p, 8);
      const uint64_t lt = w ^ (kOnes * '<');
      const uint64_t special = (((w - kOnes * 0x21) & ~w) |
                                ((lt - kOnes) & ~lt)) & kHigh;
      const size_t plain =
          special == 0 ? 8 : static_cast<size_t>(__builtin_ctzll(special)) / 8;
      if (plain > 0) {
        take_plain(plain, 8);
        if (special == 0) continue;
      }
      // *p is the special byte found: it goes through the loop below now,
      // not after another look at the same eight bytes.
    }
#endif
    const char c = *p;
    const uint8_t cls = kClass[static_cast<unsigned char>(c)];
    if (cls == 0) {
      if (pending_space) {
        *out++ = ' ';
        pending_space = false;
      }
      *out++ = c;
      ++p;
      continue;
    }
    if (cls == 2) {
      const void* close = std::memchr(p + 1, '>', end - p - 1);
      if (close != nullptr) {  // a tag: dropped
        p = static_cast<const char*>(close) + 1;
        continue;
      }
      // An unclosed '<' and the rest are text.
    }
    if (cls == 1) {
      pending_space = out != begin;
    } else {
      if (pending_space) {
        *out++ = ' ';
        pending_space = false;
      }
      *out++ = c;
    }
    ++p;
  }
  text.resize(out - begin);
  const size_t amp = text.find('&');
  if (amp != std::string::npos) HtmlUnescapeInPlace(&text, amp);
  return text;
}

// json.dumps(sort_keys=True) with Jinja2's HTML-safe escapes; `indent`
// >= 0 pretty-prints like json.dumps(indent=N).
void AppendJson(const Value& v, std::string* out, int indent = -1,
                int level = 0) {
  auto newline = [&](int lvl) {
    out->push_back('\n');
    out->append(static_cast<size_t>(indent) * lvl, ' ');
  };
  switch (v.kind()) {
    case Value::Kind::kNone:
    case Value::Kind::kUndefined: out->append("null"); return;
    case Value::Kind::kBool: out->append(v.bool_value() ? "true" : "false");
      return;
    case Value::Kind::kInt: absl::StrAppend(out, v.int_value()); return;
    case Value::Kind::kFloat: {
      double d = v.float_value();
      if (std::isnan(d)) out->append("NaN");
      else if (std::isinf(d)) out->append(d > 0 ? "Infinity" : "-Infinity");
      else out->append(FormatFloat(d));
      return;
    }
    case Value::Kind::kString: {
      out->push_back('"');
      const std::string& s = v.str();
      for (size_t i = 0; i < s.size(); ++i) {
        unsigned char c = s[i];
        switch (c) {
          case '"': out->append("\\\""); break;
          case '\\': out->append("\\\\"); break;
          case '\n': out->append("\\n"); break;
          case '\r': out->append("\\r"); break;
          case '\t': out->append("\\t"); break;
          case '\b': out->append("\\b"); break;
          case '\f': out->append("\\f"); break;
          case '<': out->append("\\u003c"); break;
          case '>': out->append("\\u003e"); break;
          case '&': out->append("\\u0026"); break;
          case '\'': out->append("\\u0027"); break;
          default:
            if (c < 0x20) {
              char buf[8];
              std::snprintf(buf, sizeof buf, "\\u%04x", c);
              out->append(buf);
            } else if (c < 0x80) {
              out->push_back(c);
            } else {
              // Decode one code point; ensure_ascii escapes it.
              uint32_t cp = 0;
              int n = (c >> 5) == 6 ? 1 : (c >> 4) == 14 ? 2 : 3;
              cp = c & (0x3F >> n);
              for (int k = 0; k < n && i + 1 < s.size(); ++k) {
                cp = (cp << 6) | (s[++i] & 0x3F);
              }
              char buf[16];
              if (cp >= 0x10000) {
                cp -= 0x10000;
                std::snprintf(buf, sizeof buf, "\\u%04x\\u%04x",
                              0xD800 + (cp >> 10), 0xDC00 + (cp & 0x3FF));
              } else {
                std::snprintf(buf, sizeof buf, "\\u%04x", cp);
              }
              out->append(buf);
            }
        }
      }
      out->push_back('"');
      return;
    }
    case Value::Kind::kList: {
      out->push_back('[');
      bool first = true;
      for (const Value& item : v.items()) {
        if (!first) out->append(indent >= 0 ? "," : ", ");
        if (indent >= 0) newline(level + 1);
        first = false;
        AppendJson(item, out, indent, level + 1);
      }
      if (indent >= 0 && !first) newline(level);
      out->push_back(']');
      return;
    }
    case Value::Kind::kDict: {
      // sort_keys=True, as Jinja2's default policy.
      std::vector<std::pair<std::string, const Value*>> entries;
      for (const auto& [k, val] : v.dict().entries()) {
        entries.emplace_back(k.Str(), &val);
      }
      std::sort(entries.begin(), entries.end(),
                [](const auto& a, const auto& b) { return a.first < b.first; });
      out->push_back('{');
      bool first = true;
      for (const auto& [k, val] : entries) {
        if (!first) out->append(indent >= 0 ? "," : ", ");
        if (indent >= 0) newline(level + 1);
        first = false;
        AppendJson(Value(k), out);
        out->append(": ");
        AppendJson(*val, out, indent, level + 1);
      }
      if (indent >= 0 && !first) newline(level);
      out->push_back('}');
      return;
    }
    default:
      AppendJson(Value(v.Str()), out);
  }
}

std::string UrlQuote(absl::string_view s, bool for_qs) {
  std::string out;
  for (unsigned char c : s) {
    if (absl::ascii_isalnum(c) || c == '_' || c == '.' || c == '-' ||
        c == '~' || (!for_qs && c == '/')) {
      out.push_back(c);
    } else if (for_qs && c == ' ') {
      out.push_back('+');
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out.append(buf);
    }
  }
  return out;
}

std::string PyCenter(const std::string& s, int64_t width) {
  int64_t n = CodepointCount(s);
  if (width <= n) return s;
  int64_t pad = width - n;
  int64_t left = pad / 2 + (pad & width & 1);
  return std::string(left, ' ') + s + std::string(pad - left, ' ');
}

// Python round(x, digits): correctly rounded on the exact binary value,
// half to even (printf does the same).
double PyRound(double x, int64_t digits) {
  if (digits < 0 || digits > 300 || !std::isfinite(x)) {
    double p = std::pow(10.0, static_cast<double>(digits));
    return std::nearbyint(x * p) / p;
  }
  char buf[400];
  std::snprintf(buf, sizeof buf, "%.*f", static_cast<int>(digits), x);
  return std::strtod(buf, nullptr);
}

std::vector<std::string> SplitLines(const std::string& s) {
  std::vector<std::string> lines;
  size_t start = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\n') {
      lines.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  if (start < s.size()) lines.push_back(s.substr(start));
  return lines;
}

// str.splitlines() (the line breaks templates meet: \n, \r\n, \r).
std::vector<std::string> PySplitLines(const std::string& s) {
  std::vector<std::string> lines;
  size_t start = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\n' || s[i] == '\r' || s[i] == '\v' || s[i] == '\f' ||
        (s[i] >= 0x1c && s[i] <= 0x1e)) {
      lines.push_back(s.substr(start, i - start));
      if (s[i] == '\r' && i + 1 < s.size() && s[i + 1] == '\n') ++i;
      start = i + 1;
    }
  }
  if (start < s.size()) lines.push_back(s.substr(start));
  return lines;
}

// Python textwrap.wrap(text, width, expand_tabs=False,
// replace_whitespace=False, break_long_words, break_on_hyphens). Chunks
// are whitespace runs and words; a word is also split after a hyphen
// between letters (textwrap's wordsep_re, simplified).
std::vector<std::string> TextWrap(const std::string& text, int64_t width,
                                  bool break_long, bool hyphens) {
  auto is_ws = [](const std::string& c) {
    return c.size() == 1 && absl::ascii_isspace(c[0]);
  };
  std::vector<std::string> cps = SplitCodepoints(text);
  auto is_letter = [&](size_t i) {
    return i < cps.size() &&
           (cps[i].size() > 1 || absl::ascii_isalpha(cps[i][0]));
  };
  // Chunks as code point vectors.
  std::vector<std::vector<std::string>> chunks;
  for (size_t i = 0; i < cps.size();) {
    std::vector<std::string> chunk;
    bool ws = is_ws(cps[i]);
    while (i < cps.size() && is_ws(cps[i]) == ws) {
      chunk.push_back(cps[i]);
      ++i;
      if (!ws && hyphens && chunk.back() == "-" && chunk.size() >= 3 &&
          is_letter(i - 2) && is_letter(i - 3) && is_letter(i)) {
        break;
      }
    }
    chunks.push_back(std::move(chunk));
  }
  auto blank = [&](const std::vector<std::string>& c) {
    for (const std::string& cp : c) {
      if (!is_ws(cp)) return false;
    }
    return true;
  };
  std::reverse(chunks.begin(), chunks.end());
  std::vector<std::string> lines;
  while (!chunks.empty()) {
    std::vector<std::vector<std::string>> cur;
    int64_t cur_len = 0;
    if (blank(chunks.back()) && !lines.empty()) chunks.pop_back();
    while (!chunks.empty()) {
      int64_t l = static_cast<int64_t>(chunks.back().size());
      if (cur_len + l > width) break;
      cur.push_back(std::move(chunks.back()));
      chunks.pop_back();
      cur_len += l;
    }
    if (!chunks.empty() &&
        static_cast<int64_t>(chunks.back().size()) > width) {
      int64_t space_left = width < 1 ? 1 : width - cur_len;
      std::vector<std::string>& chunk = chunks.back();
      if (break_long) {
        int64_t end = space_left;
        if (hyphens && static_cast<int64_t>(chunk.size()) > space_left) {
          int64_t hyphen = -1;
          for (int64_t k = space_left - 1; k >= 0; --k) {
            if (chunk[k] == "-") {
              hyphen = k;
              break;
            }
          }
          bool non_hyphen = false;
          for (int64_t k = 0; k < hyphen; ++k) {
            non_hyphen = non_hyphen || chunk[k] != "-";
          }
          if (hyphen > 0 && non_hyphen) end = hyphen + 1;
        }
        cur.emplace_back(chunk.begin(), chunk.begin() + end);
        chunk.erase(chunk.begin(), chunk.begin() + end);
      } else if (cur.empty()) {
        cur.push_back(std::move(chunks.back()));
        chunks.pop_back();
      }
    }
    if (!cur.empty() && blank(cur.back())) cur.pop_back();
    if (!cur.empty()) {
      std::string line;
      for (const auto& c : cur) {
        for (const std::string& cp : c) line += cp;
      }
      lines.push_back(std::move(line));
    }
  }
  return lines;
}

// Markup % args escapes every argument that is not Markup itself.
Value EscapeOne(const Value& v) {
  if (v.is_string() && !v.is_safe()) return Value::Safe(EscapeString(v.str()));
  if (v.is_list() || v.is_dict() || v.is_none() || v.is_undefined()) {
    return Value::Safe(EscapeString(v.Str()));
  }
  return v;
}
using FilterMap = absl::flat_hash_map<std::string, FilterFn>;
using TestMap = absl::flat_hash_map<std::string, TestFn>;

absl::StatusOr<Value> SelectOrReject(Interpreter* interp, const Value& input,
                                     CallArgs& args, bool select,
                                     bool by_attr) {
  // Jinja2 skips a falsy input (none, undefined, empty) without iterating.
  if (!input.Truthy()) return Value::List();
  // A list is read in place (tests and attribute reads never change it).
  std::vector<Value> iterated;
  if (!input.is_list()) {
    TRY(it, interp->Iterate(input));
    iterated = std::move(it);
  }
  const std::vector<Value>& items = input.is_list() ? input.items() : iterated;
  size_t next = 0;
  Value attr;
  if (by_attr) {
    if (args.positional.empty()) return interp->Error("missing attribute");
    attr = args.positional[next++];
  }
  std::string test;
  if (next < args.positional.size()) test = args.positional[next++].Str();
  CallArgs test_args;
  test_args.positional.assign(args.positional.begin() + next,
                              args.positional.end());
  const TestFn* test_fn = test.empty() ? nullptr : FindBuiltinTest(test);
  // `equalto` and `!=` (the common selectattr('section', 'equalto', x))
  // are Value::Equals, called here without RunTest and the test's
  // std::function per item; in strict mode, where an undefined operand
  // fails, they go through RunTest.
  enum class Eq { kNo, kEqual, kNotEqual };
  Eq eq = Eq::kNo;
  if (!interp->strict() && test_args.positional.size() <= 1) {
    if (test == "eq" || test == "equalto" || test == "==") {
      eq = Eq::kEqual;
    } else if (test == "ne" || test == "!=") {
      eq = Eq::kNotEqual;
    }
  }
  const Value missing;
  const Value& other =
      test_args.positional.empty() ? missing : test_args.positional[0];
  std::vector<Value> out;
  out.reserve(items.size());
  // attribute='name' of dict items (the common case) is read in place.
  const AttrGetter get(&attr);
  for (const Value& item : items) {
    const Value* in_place = by_attr ? get.InPlace(item) : &item;
    Value read;
    if (in_place == nullptr) read = get(item);
    const Value& v = in_place != nullptr ? *in_place : read;
    bool keep;
    if (test.empty()) {
      keep = v.Truthy();
    } else if (eq != Eq::kNo) {
      keep = v.Equals(other) == (eq == Eq::kEqual);
    } else {
      // Built-in tests read their arguments and never change them, so
      // every item shares one CallArgs.
      TRY(r, interp->RunTest(test, test_fn, v, test_args));
      keep = r;
    }
    if (keep == select) out.push_back(item);
  }
  return Value::List(std::move(out));
}

FilterMap MakeFilters() {
  FilterMap f;
  f["abs"] = [](Interpreter* in, const Value& v, CallArgs&)
      -> absl::StatusOr<Value> {
    if (v.is_float()) return Value(std::fabs(v.float_value()));
    if (v.is_number()) return Value(std::abs(v.int_value()));
    return in->Error(absl::StrCat("bad operand type for abs(): '",
                                  v.TypeName(), "'"));
  };
  f["attr"] = [](Interpreter*, const Value& v, CallArgs& a)
      -> absl::StatusOr<Value> {
    const Value* name = Arg(a, 0, "name");
    if (name == nullptr) return Value();
    // attr() reads attributes only, never items (so not dict keys).
    if (v.is_object()) return v.GetAttr(name->Str());
    return Value::Undefined(absl::StrCat("'", v.TypeName(),
                                         "' has no attribute '",
                                         name->Str(), "'"));
  };
  f["batch"] = [](Interpreter* in, const Value& v, CallArgs& a)
      -> absl::StatusOr<Value> {
    TRY(items, in->Iterate(v));
    TRY(n, ToInt(in, ArgOr(a, 0, "linecount", Value(1))));
    if (n <= 0) return in->Error("batch size must be positive");
    const Value* fill = Arg(a, 1, "fill_with");
    std::vector<Value> out, cur;
    for (Value& item : items) {
      cur.push_back(std::move(item));
      if (static_cast<int64_t>(cur.size()) == n) {
        out.push_back(Value::List(std::move(cur)));
        cur.clear();
      }
    }
    if (!cur.empty()) {
      if (fill != nullptr && !fill->is_none()) {
        while (static_cast<int64_t>(cur.size()) < n) cur.push_back(*fill);
      }
      out.push_back(Value::List(std::move(cur)));
    }
    return Value::List(std::move(out));
  };
  f["capitalize"] = [](Interpreter*, const Value& v, CallArgs&)
      -> absl::StatusOr<Value> {
    std::vector<std::string> cps = SplitCodepoints(v.Str());
    if (cps.empty()) return Like(v, "");
    std::string rest;
    for (size_t i = 1; i < cps.size(); ++i) rest += cps[i];
    return Like(v, Upper(cps[0]) + Lower(rest));
  };
  f["center"] = [](Interpreter* in, const Value& v, CallArgs& a)
      -> absl::StatusOr<Value> {
    TRY(w, ToInt(in, ArgOr(a, 0, "width", Value(80))));
    return Like(v, PyCenter(v.Str(), w));
  };
  f["default"] = [](Interpreter*, const Value& v, CallArgs& a)
      -> absl::StatusOr<Value> {
    Value fallback = ArgOr(a, 0, "default_value", Value(""));
    bool boolean = ArgOr(a, 1, "boolean", Value(false)).Truthy();
    if (v.is_undefined() || (boolean && !v.Truthy())) return fallback;
    return v;
  };
  f["d"] = f["default"];
  f["dictsort"] = [](Interpreter* in, const Value& v, CallArgs& a)
      -> absl::StatusOr<Value> {
    if (!v.is_dict()) return in->Error("dictsort requires a dict");
    bool cs = ArgOr(a, 0, "case_sensitive", Value(false)).Truthy();
    std::string by = ArgStr(a, 1, "by", "key");
    bool reverse = ArgOr(a, 2, "reverse", Value(false)).Truthy();
    std::vector<Value> pairs;
    for (const auto& [k, val] : v.dict().entries()) {
      pairs.push_back(Value::Tuple({k, val}));
    }
    Value idx(by == "value" ? 1 : 0);
    TRY(sorted, SortValues(in, std::move(pairs), reverse, cs, &idx));
    return Value::List(std::move(sorted));
  };
  f["escape"] = [](Interpreter*, const Value& v, CallArgs&)
      -> absl::StatusOr<Value> {
    if (v.is_safe()) return v;
    return Value::Safe(EscapeString(v.Str()));
  };
  f["e"] = f["escape"];
  f["forceescape"] = [](Interpreter*, const Value& v, CallArgs&)
      -> absl::StatusOr<Value> {
    return Value::Safe(EscapeString(v.Str()));
  };
  f["filesizeformat"] = [](Interpreter* in, const Value& v, CallArgs& a)
      -> absl::StatusOr<Value> {
    bool binary = ArgOr(a, 0, "binary", Value(false)).Truthy();
    double bytes = 0;
    if (v.is_number()) {
      bytes = v.AsDouble();
    } else if (!v.is_string() ||
               !absl::SimpleAtod(absl::StripAsciiWhitespace(v.str()),
                                 &bytes)) {
      return in->Error(absl::StrCat("float() argument must be a string or a "
                                    "real number, not '", v.TypeName(),
                                    "'"));
    }
    double base = binary ? 1024 : 1000;
    static const char* kDec[] = {"kB", "MB", "GB", "TB", "PB", "EB", "ZB",
                                 "YB"};
    static const char* kBin[] = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB",
                                 "ZiB", "YiB"};
    if (bytes == 1) return Value("1 Byte");
    if (bytes < base) {
      return Value(absl::StrCat(static_cast<int64_t>(bytes), " Bytes"));
    }
    char buf[64];
    for (int i = 0; i < 8; ++i) {
      // Python compares the float with the exact integer base**(i+2).
      __int128 exact = 1;
      for (int k = 0; k < i + 2; ++k) exact *= binary ? 1024 : 1000;
      double unit = static_cast<double>(exact);
      bool less = bytes < unit ||
                  (bytes == unit && static_cast<__int128>(bytes) < exact);
      if (less || i == 7) {
        std::snprintf(buf, sizeof buf, "%.1f %s", base * bytes / unit,
                      binary ? kBin[i] : kDec[i]);
        break;
      }
    }
    return Value(std::string(buf));
  };
  f["first"] = [](Interpreter* in, const Value& v, CallArgs&)
      -> absl::StatusOr<Value> {
    TRY(items, in->Iterate(v));
    if (items.empty()) return Value::Undefined("No first item, sequence was "
                                               "empty.");
    return items.front();
  };
  f["last"] = [](Interpreter* in, const Value& v, CallArgs&)
      -> absl::StatusOr<Value> {
    TRY(items, in->Iterate(v));
    if (items.empty()) return Value::Undefined("No last item, sequence was "
                                               "empty.");
    return items.back();
  };
  f["float"] = [](Interpreter* in, const Value& v, CallArgs& a)
      -> absl::StatusOr<Value> {
    if (v.is_undefined()) return in->Error(v.undefined_hint());
    if (v.is_number()) return Value(v.AsDouble());
    double d;
    if (v.is_string() &&
        absl::SimpleAtod(absl::StripAsciiWhitespace(v.str()), &d)) {
      return Value(d);
    }
    return ArgOr(a, 0, "default", Value(0.0));
  };
  f["int"] = [](Interpreter* in, const Value& v, CallArgs& a)
      -> absl::StatusOr<Value> {
    if (v.is_undefined()) return in->Error(v.undefined_hint());
    if (v.is_float()) return Value(static_cast<int64_t>(v.float_value()));
    if (v.is_number()) return Value(v.int_value());
    if (v.is_string()) {
      std::string s(absl::StripAsciiWhitespace(v.str()));
      s.erase(std::remove(s.begin(), s.end(), '_'), s.end());
      int64_t base = 10;
      if (const Value* b = Arg(a, 1, "base"); b != nullptr && b->is_number()) {
        base = b->int_value();
      }
      int64_t i;
      if (base != 10 && ParsePyInt(s, base, &i)) return Value(i);
      if (absl::SimpleAtoi(s, &i)) return Value(i);
      double d;
      if (absl::SimpleAtod(s, &d) && std::isfinite(d)) {
        return Value(static_cast<int64_t>(d));
      }
    }
    return ArgOr(a, 0, "default", Value(0));
  };
  f["format"] = [](Interpreter* in, const Value& v, CallArgs& a)
      -> absl::StatusOr<Value> {
    // Jinja2: value % (kwargs or args) — positional arguments are always
    // a tuple, even a single dict.
    Value args = Value::Tuple(
        std::vector<Value>(a.positional.begin(), a.positional.end()));
    if (!a.named.empty()) {
      auto d = std::make_shared<DictData>();
      for (auto& [k, val] : a.named) d->Set(Value(k), val);
      args = Value::FromDict(d);
    }
    TRY(s, PyPercentFormat(in, v.Str(), args, v.is_safe()));
    return Like(v, std::move(s));
  };
  f["groupby"] = [](Interpreter* in, const Value& v, CallArgs& a)
      -> absl::StatusOr<Value> {
    // A list is read in place (its items are copied into the groups).
    std::vector<Value> iterated;
    if (!v.is_list()) {
      TRY(it, in->Iterate(v));
      iterated = std::move(it);
    }
    const std::vector<Value>& items = v.is_list() ? v.items() : iterated;
    Value attr = ArgOr(a, 0, "attribute", Value());
    const Value* dflt = Arg(a, 1, "default");
    bool cs = ArgOr(a, 2, "case_sensitive", Value(false)).Truthy();
    // Sorted (stably) by the normalised key (SortKey); each group is named
    // by the key of its first item.
    // Each item's key: a dict item's attribute in place (the common case),
    // else made into `made`, which is reserved for every item at once so
    // that the pointers into it stay valid.
    std::vector<const Value*> keys(items.size());
    std::vector<Value> made;
    const AttrGetter get(&attr);
    for (size_t i = 0; i < items.size(); ++i) {
      const Value* key = get.InPlace(items[i]);
      if (key == nullptr || key->is_undefined()) {
        Value k = get(items[i]);
        if (k.is_undefined() && dflt != nullptr) k = *dflt;
        if (made.empty()) made.reserve(items.size());
        made.push_back(std::move(k));
        key = &made.back();
      }
      keys[i] = key;
    }
    // String keys, few of them (the common case: a section, a tag, a
    // year): the items in first-seen order per distinct key, the distinct
    // keys in byte order. The same groups, in the same order and with the
    // same members in the same order, as the stable sort below, without
    // sorting every item.
    constexpr size_t kMaxBuckets = 32;
    std::vector<std::string> lowered;  // normalised keys SortKey would copy
    // Per bucket (at most kMaxBuckets, kept inline): its normalised key,
    // that key's NameTag (compared first, as names are), an item of it
    // (for its key) and its size.
    absl::InlinedVector<absl::string_view, 8> bucket_keys;
    absl::InlinedVector<uint64_t, 8> bucket_tags;
    absl::InlinedVector<uint32_t, 8> bucket_first;
    absl::InlinedVector<uint32_t, 8> bucket_size;
    std::vector<uint8_t> bucket_of(items.size());
    bool bucketed = std::all_of(keys.begin(), keys.end(), [](const Value* k) {
      return k->is_string();
    });
    for (size_t i = 0; bucketed && i < keys.size(); ++i) {
      // The same text as a bucket's first key: that bucket, without
      // normalising the key (equal texts normalise alike).
      absl::string_view k = keys[i]->str();
      size_t b = 0;
      while (b < bucket_first.size() &&
             !SameKey(keys[bucket_first[b]]->str(), k)) {
        ++b;
      }
      if (b < bucket_first.size()) {
        bucket_of[i] = static_cast<uint8_t>(b);
        ++bucket_size[b];
        continue;
      }
      // SortKey's text, without making a Value of it.
      if (!cs && !IsAsciiLower(k)) {
        // Never regrown, so the views into it stay valid.
        if (lowered.empty()) lowered.reserve(keys.size());
        lowered.push_back(Lower(k));
        k = lowered.back();
      }
      const uint64_t tag = NameTag(k);
      b = 0;
      while (b < bucket_keys.size() &&
             !SameName(bucket_tags[b], bucket_keys[b], tag, k)) {
        ++b;
      }
      if (b == bucket_keys.size()) {
        if (b == kMaxBuckets) {
          bucketed = false;
          break;
        }
        bucket_keys.push_back(k);
        bucket_tags.push_back(tag);
        bucket_first.push_back(static_cast<uint32_t>(i));
        bucket_size.push_back(0);
      }
      bucket_of[i] = static_cast<uint8_t>(b);
      ++bucket_size[b];
    }
    if (bucketed) {
      std::vector<std::vector<Value>> buckets(bucket_keys.size());
      for (size_t b = 0; b < buckets.size(); ++b) {
        buckets[b].reserve(bucket_size[b]);
      }
      for (size_t i = 0; i < items.size(); ++i) {
        buckets[bucket_of[i]].push_back(items[i]);
      }
      std::vector<uint32_t> by_key(bucket_keys.size());
      for (size_t b = 0; b < by_key.size(); ++b) {
        by_key[b] = static_cast<uint32_t>(b);
      }
      std::sort(by_key.begin(), by_key.end(), [&](uint32_t x, uint32_t y) {
        return bucket_keys[x] < bucket_keys[y];
      });
      std::vector<Value> groups;
      groups.reserve(by_key.size());
      for (uint32_t b : by_key) {
        groups.push_back(Value::Tuple({*keys[bucket_first[b]],
                                       Value::List(std::move(buckets[b]))}));
      }
      return Value::List(std::move(groups));
    }
    std::vector<Value> norms;
    norms.reserve(keys.size());
    for (const Value* key : keys) norms.push_back(SortKey(*key, cs));
    TRY(order, StableOrder(in, norms, false));
    std::vector<Value> groups;
    for (size_t begin = 0; begin < order.size();) {
      const Value& group_norm = norms[order[begin]];
      size_t end = begin + 1;
      while (end < order.size() && group_norm.Equals(norms[order[end]])) {
        ++end;
      }
      std::vector<Value> members;
      members.reserve(end - begin);
      for (size_t k = begin; k < end; ++k) members.push_back(items[order[k]]);
      groups.push_back(Value::Tuple(
          {*keys[order[begin]], Value::List(std::move(members))}));
      begin = end;
    }
    return Value::List(std::move(groups));
  };
  f["indent"] = [](Interpreter* in, const Value& v, CallArgs& a)
      -> absl::StatusOr<Value> {
    if (!v.is_string()) {
      return in->Error(absl::StrCat("unsupported operand type(s) for +=: '",
                                    v.TypeName(), "' and 'str'"));
    }
    Value width = ArgOr(a, 0, "width", Value(4));
    bool first = ArgOr(a, 1, "first", Value(false)).Truthy();
    bool blank = ArgOr(a, 2, "blank", Value(false)).Truthy();
    std::string ind;
    if (width.is_string()) {
      ind = width.str();
    } else {
      TRY(w, ToInt(in, width));
      ind = std::string(std::max<int64_t>(w, 0), ' ');
    }
    std::string s = v.Str() + "\n";
    std::vector<std::string> lines = SplitLines(s);
    std::string rv;
    if (blank) {
      rv = absl::StrJoin(lines, "\n" + ind);
    } else {
      rv = lines.empty() ? "" : lines[0];
      for (size_t i = 1; i < lines.size(); ++i) {
        rv += "\n";
        if (!lines[i].empty()) rv += ind;
        rv += lines[i];
      }
    }
    if (first) rv = ind + rv;
    return Like(v, std::move(rv));
  };
  f["items"] = [](Interpreter* in, const Value& v, CallArgs&)
      -> absl::StatusOr<Value> {
    if (v.is_undefined()) return Value::List();
    if (!v.is_dict()) return in->Error("can only get item pairs from a "
                                       "mapping.");
    std::vector<Value> out;
    for (const auto& [k, val] : v.dict().entries()) {
      out.push_back(Value::Tuple({k, val}));
    }
    return Value::List(std::move(out));
  };
  f["join"] = [](Interpreter* in, const Value& v, CallArgs& a)
      -> absl::StatusOr<Value> {
    Value sep = ArgOr(a, 0, "d", Value(""));
    const Value* attr = Arg(a, 1, "attribute");
    // A list without `attribute` is read in place.
    std::vector<Value> iterated;
    if (!v.is_list() || attr != nullptr) {
      TRY(it, in->Iterate(v));
      iterated = std::move(it);
      if (attr != nullptr) {
        const AttrGetter get(attr);
        for (Value& item : iterated) item = get(item);
      }
    }
    const std::vector<Value>& items =
        v.is_list() && attr == nullptr ? v.items() : iterated;
    bool markup = sep.is_safe();
    for (const Value& item : items) markup = markup || item.is_safe();
    const std::string sep_text = sep.Str();
    std::string out;
    for (size_t i = 0; i < items.size(); ++i) {
      if (i) {
        if (markup && in->autoescape() && !sep.is_safe()) {
          AppendEscaped(sep_text, &out);
        } else {
          out += sep_text;
        }
      }
      if (markup && in->autoescape() && !items[i].is_safe()) {
        AppendEscaped(items[i].Str(), &out);
      } else {
        items[i].AppendStr(&out);
      }
    }
    if (markup && in->autoescape()) return Value::Safe(std::move(out));
    return Value(std::move(out));
  };
  f["length"] = [](Interpreter* in, const Value& v, CallArgs&)
      -> absl::StatusOr<Value> {
    std::optional<int64_t> n = v.Length();
    if (!n.has_value()) {
      return in->Error(absl::StrCat("object of type '", v.TypeName(),
                                    "' has no len()"));
    }
    return Value(*n);
  };
  f["count"] = f["length"];
  f["list"] = [](Interpreter* in, const Value& v, CallArgs&)
      -> absl::StatusOr<Value> {
    TRY(items, in->Iterate(v));
    return Value::List(std::move(items));
  };
  f["lower"] = [](Interpreter*, const Value& v, CallArgs&)
      -> absl::StatusOr<Value> { return Like(v, Lower(v.Str())); };
  f["upper"] = [](Interpreter*, const Value& v, CallArgs&)
      -> absl::StatusOr<Value> { return Like(v, Upper(v.Str())); };
  f["map"] = [](Interpreter* in, const Value& v, CallArgs& a)
      -> absl::StatusOr<Value> {
    if (!v.Truthy()) return Value::List();
    TRY(items, in->Iterate(v));
    const Value* attr = nullptr;
    for (const auto& [k, val] : a.named) {
      if (k == "attribute") attr = &val;
    }
    std::vector<Value> out;
    if (attr != nullptr) {
      const Value* dflt = nullptr;
      for (const auto& [k, val] : a.named) {
        if (k == "default") dflt = &val;
      }
      const AttrGetter get(attr);
      for (const Value& item : items) {
        Value r = get(item);
        if (r.is_undefined() && dflt != nullptr) r = *dflt;
        out.push_back(std::move(r));
      }
      return Value::List(std::move(out));
    }
    if (a.positional.empty()) return in->Error("map requires a filter");
    std::string name = a.positional[0].Str();
    for (const Value& item : items) {
      CallArgs fa;
      fa.positional.assign(a.positional.begin() + 1, a.positional.end());
      fa.named = a.named;
      TRY(r, in->ApplyFilter(name, item, fa));
      out.push_back(std::move(r));
    }
    return Value::List(std::move(out));
  };
  auto minmax = [](bool want_max) {
    return [want_max](Interpreter* in, const Value& v, CallArgs& a)
               -> absl::StatusOr<Value> {
      TRY(items, in->Iterate(v));
      bool cs = ArgOr(a, 0, "case_sensitive", Value(false)).Truthy();
      const Value* attr = Arg(a, 1, "attribute");
      if (items.empty()) {
        return Value::Undefined("No aggregated item, sequence was empty.");
      }
      Value best = items[0];
      const AttrGetter get(attr);
      for (size_t i = 1; i < items.size(); ++i) {
        Value x = SortKey(get(items[i]), cs);
        Value y = SortKey(get(best), cs);
        TRY(less, want_max ? Less(in, y, x) : Less(in, x, y));
        if (less) best = items[i];
      }
      return best;
    };
  };
  f["max"] = minmax(true);
  f["min"] = minmax(false);
  f["select"] = [](Interpreter* in, const Value& v, CallArgs& a) {
    return SelectOrReject(in, v, a, true, false);
  };
  f["reject"] = [](Interpreter* in, const Value& v, CallArgs& a) {
    return SelectOrReject(in, v, a, false, false);
  };
  f["selectattr"] = [](Interpreter* in, const Value& v, CallArgs& a) {
    return SelectOrReject(in, v, a, true, true);
  };
  f["rejectattr"] = [](Interpreter* in, const Value& v, CallArgs& a) {
    return SelectOrReject(in, v, a, false, true);
  };
  f["replace"] = [](Interpreter* in, const Value& v, CallArgs& a)
      -> absl::StatusOr<Value> {
    Value old_v = ArgOr(a, 0, "old", Value(""));
    Value new_v = ArgOr(a, 1, "new", Value(""));
    TRY(count, ToInt(in, ArgOr(a, 2, "count", Value(-1))));
    std::string s = v.Str();
    std::string o = old_v.Str(), n = new_v.Str();
    if (v.is_safe() && in->autoescape()) {
      if (!old_v.is_safe()) o = EscapeString(o);
      if (!new_v.is_safe()) n = EscapeString(n);
    }
    std::string out;
    if (o.empty()) {
      std::vector<std::string> cps = SplitCodepoints(s);
      int64_t done = 0;
      for (size_t i = 0; i <= cps.size(); ++i) {
        if (count < 0 || done < count) {
          out += n;
          ++done;
        }
        if (i < cps.size()) out += cps[i];
      }
    } else {
      size_t pos = 0;
      int64_t done = 0;
      while (count < 0 || done < count) {
        size_t hit = s.find(o, pos);
        if (hit == std::string::npos) break;
        out.append(s, pos, hit - pos);
        out += n;
        pos = hit + o.size();
        ++done;
      }
      out.append(s, pos, std::string::npos);
    }
    if (v.is_safe() && in->autoescape()) return Value::Safe(std::move(out));
    return Value(std::move(out));
  };
  f["reverse"] = [](Interpreter* in, const Value& v, CallArgs&)
      -> absl::StatusOr<Value> {
    if (v.is_string()) {
      std::vector<std::string> cps = SplitCodepoints(v.str());
      std::string out;
      for (size_t i = cps.size(); i-- > 0;) out += cps[i];
      return Like(v, std::move(out));
    }
    TRY(items, in->Iterate(v));
    std::reverse(items.begin(), items.end());
    return Value::List(std::move(items));
  };
  f["round"] = [](Interpreter* in, const Value& v, CallArgs& a)
      -> absl::StatusOr<Value> {
    if (!v.is_number()) {
      return in->Error(absl::StrCat("type ", v.TypeName(),
                                    " doesn't define __round__ method"));
    }
    TRY(precision, ToInt(in, ArgOr(a, 0, "precision", Value(0))));
    std::string method = ArgStr(a, 1, "method", "common");
    double x = v.AsDouble();
    double p = std::pow(10.0, static_cast<double>(precision));
    if (method == "common") {
      if (!v.is_float()) return Value(v.int_value());
      return Value(PyRound(x, precision));
    }
    if (method == "ceil") return Value(std::ceil(x * p) / p);
    if (method == "floor") return Value(std::floor(x * p) / p);
    return in->Error("method must be common, ceil or floor");
  };
  f["safe"] = [](Interpreter*, const Value& v, CallArgs&)
      -> absl::StatusOr<Value> {
    if (v.is_safe()) return v;
    return Value::Safe(v.Str());
  };
  f["slice"] = [](Interpreter* in, const Value& v, CallArgs& a)
      -> absl::StatusOr<Value> {
    TRY(items, in->Iterate(v));
    TRY(slices, ToInt(in, ArgOr(a, 0, "slices", Value(1))));
    if (slices <= 0) return in->Error("slices must be positive");
    const Value* fill = Arg(a, 1, "fill_with");
    int64_t n = static_cast<int64_t>(items.size());
    int64_t per = n / slices, extra = n % slices, offset = 0;
    std::vector<Value> out;
    for (int64_t i = 0; i < slices; ++i) {
      int64_t start = offset + i * per;
      if (i < extra) ++offset;
      int64_t end = offset + (i + 1) * per;
      std::vector<Value> part(items.begin() + start, items.begin() + end);
      if (fill != nullptr && !fill->is_none() && i >= extra && extra > 0) {
        part.push_back(*fill);
      }
      out.push_back(Value::List(std::move(part)));
    }
    return Value::List(std::move(out));
  };
  f["sort"] = [](Interpreter* in, const Value& v, CallArgs& a)
      -> absl::StatusOr<Value> {
    TRY(items, in->Iterate(v));
    bool reverse = ArgOr(a, 0, "reverse", Value(false)).Truthy();
    bool cs = ArgOr(a, 1, "case_sensitive", Value(false)).Truthy();
    const Value* attr = Arg(a, 2, "attribute");
    TRY(sorted, SortValues(in, std::move(items), reverse, cs, attr));
    return Value::List(std::move(sorted));
  };
  f["string"] = [](Interpreter*, const Value& v, CallArgs&)
      -> absl::StatusOr<Value> {
    if (v.is_string()) return v;
    return Value(v.Str());
  };
  f["striptags"] = [](Interpreter*, const Value& v, CallArgs&)
      -> absl::StatusOr<Value> {
    if (v.is_string()) return Value(StripTagsImpl(v.str()));
    return Value(StripTagsImpl(v.Str()));
  };
  f["sum"] = [](Interpreter* in, const Value& v, CallArgs& a)
      -> absl::StatusOr<Value> {
    TRY(items, in->Iterate(v));
    const Value* attr = Arg(a, 0, "attribute");
    Value total = ArgOr(a, 1, "start", Value(0));
    const AttrGetter get(attr);
    for (const Value& item : items) {
      TRY(next, BinaryOp(in, "+", total, get(item)));
      total = std::move(next);
    }
    return total;
  };
  f["title"] = [](Interpreter*, const Value& v, CallArgs&)
      -> absl::StatusOr<Value> {
    // A plain string even for Markup: Jinja2 joins the pieces re.split
    // made, which are str, so the result is escaped again when printed.
    return Value(JinjaTitle(v.Str()));
  };
  f["tojson"] = [](Interpreter* in, const Value& v, CallArgs& a)
      -> absl::StatusOr<Value> {
    if (v.is_undefined()) return in->Error(v.undefined_hint());
    std::string out;
    Value indent = ArgOr(a, 0, "indent", Value::None());
    int64_t n = -1;
    if (!indent.is_none()) {
      TRY(i, ToInt(in, indent));
      n = std::max<int64_t>(0, std::min<int64_t>(i, 64));
    }
    AppendJson(v, &out, static_cast<int>(n));
    return Value::Safe(std::move(out));
  };
  f["trim"] = [](Interpreter*, const Value& v, CallArgs& a)
      -> absl::StatusOr<Value> {
    const Value* chars = Arg(a, 0, "chars");
    std::string s = v.Str();
    if (chars == nullptr || chars->is_none()) {
      return Like(v, std::string(absl::StripAsciiWhitespace(s)));
    }
    std::string cs = chars->Str();
    size_t b = s.find_first_not_of(cs);
    if (b == std::string::npos) return Like(v, "");
    size_t e = s.find_last_not_of(cs);
    return Like(v, s.substr(b, e - b + 1));
  };
  f["truncate"] = [](Interpreter* in, const Value& v, CallArgs& a)
      -> absl::StatusOr<Value> {
    TRY(length, ToInt(in, ArgOr(a, 0, "length", Value(255))));
    bool killwords = ArgOr(a, 1, "killwords", Value(false)).Truthy();
    std::string end = ArgStr(a, 2, "end", "...");
    TRY(leeway, ToInt(in, ArgOr(a, 3, "leeway", Value(5))));
    std::string owned;
    if (!v.is_string()) owned = v.Str();
    const absl::string_view s = v.is_string() ? v.str() : owned;
    int64_t n = CodepointCount(s);
    if (n <= length + leeway) return v.is_string() ? v : Value(owned);
    int64_t keep = std::max<int64_t>(
        0, length - static_cast<int64_t>(CodepointCount(end)));
    std::string head(s.substr(0, CodepointPrefixBytes(s, keep)));
    if (!killwords) {
      size_t sp = head.rfind(' ');
      if (sp != std::string::npos) head.resize(sp);
    }
    head += end;
    return Value(std::move(head));
  };
  f["unique"] = [](Interpreter* in, const Value& v, CallArgs& a)
      -> absl::StatusOr<Value> {
    TRY(items, in->Iterate(v));
    bool cs = ArgOr(a, 0, "case_sensitive", Value(false)).Truthy();
    const Value* attr = Arg(a, 1, "attribute");
    std::vector<Value> out, seen;
    const AttrGetter get(attr);
    for (const Value& item : items) {
      Value key = SortKey(get(item), cs);
      // Jinja2 keeps the keys seen in a Python set.
      if (!IsHashable(key)) {
        return in->Error(absl::StrCat("unhashable type: '",
                                      UnhashableTypeName(key), "'"));
      }
      bool dup = false;
      for (const Value& s : seen) dup = dup || s.Equals(key);
      if (!dup) {
        seen.push_back(key);
        out.push_back(item);
      }
    }
    return Value::List(std::move(out));
  };
  f["urlencode"] = [](Interpreter* in, const Value& v, CallArgs&)
      -> absl::StatusOr<Value> {
    if (v.is_dict()) {
      std::vector<std::string> parts;
      for (const auto& [k, val] : v.dict().entries()) {
        parts.push_back(UrlQuote(k.Str(), true) + "=" +
                        UrlQuote(val.Str(), true));
      }
      return Value(absl::StrJoin(parts, "&"));
    }
    if (v.is_list()) {
      std::vector<std::string> parts;
      for (const Value& pair : v.items()) {
        if (!pair.is_list() || pair.items().size() != 2) {
          return in->Error("urlencode expects (key, value) pairs");
        }
        parts.push_back(UrlQuote(pair.items()[0].Str(), true) + "=" +
                        UrlQuote(pair.items()[1].Str(), true));
      }
      return Value(absl::StrJoin(parts, "&"));
    }
    return Value(UrlQuote(v.Str(), false));
  };
  f["wordwrap"] = [](Interpreter* in, const Value& v, CallArgs& a)
      -> absl::StatusOr<Value> {
    if (!v.is_string()) {
      return in->Error(absl::StrCat("'", v.TypeName(),
                                    "' object has no attribute 'splitlines'"));
    }
    TRY(width, ToInt(in, ArgOr(a, 0, "width", Value(79))));
    if (width <= 0) return in->Error(absl::StrCat("invalid width ", width,
                                                  " (must be > 0)"));
    bool break_long = ArgOr(a, 1, "break_long_words", Value(true)).Truthy();
    Value wrap = ArgOr(a, 2, "wrapstring", Value::None());
    bool hyphens = ArgOr(a, 3, "break_on_hyphens", Value(true)).Truthy();
    std::string sep = wrap.is_none() ? "\n" : wrap.Str();
    std::vector<std::string> out;
    for (const std::string& line : PySplitLines(v.Str())) {
      out.push_back(absl::StrJoin(TextWrap(line, width, break_long, hyphens),
                                  sep));
    }
    return Value(absl::StrJoin(out, sep));
  };
  f["wordcount"] = [](Interpreter*, const Value& v, CallArgs&)
      -> absl::StatusOr<Value> {
    int64_t n = 0;
    bool in_word = false;
    for (char c : v.Str()) {
      bool w = absl::ascii_isalnum(c) || c == '_' || (c & 0x80);
      if (w && !in_word) ++n;
      in_word = w;
    }
    return Value(n);
  };
  f["xmlattr"] = [](Interpreter* in, const Value& v, CallArgs& a)
      -> absl::StatusOr<Value> {
    if (!v.is_dict()) return in->Error("xmlattr requires a dict");
    bool autospace = ArgOr(a, 0, "autospace", Value(true)).Truthy();
    std::vector<std::string> parts;
    for (const auto& [k, val] : v.dict().entries()) {
      if (val.is_none() || val.is_undefined()) continue;
      parts.push_back(EscapeString(k.Str()) + "=\"" +
                      (val.is_safe() ? val.str() : EscapeString(val.Str())) +
                      "\"");
    }
    std::string s = absl::StrJoin(parts, " ");
    if (autospace && !s.empty()) s = " " + s;
    return Value::Safe(std::move(s));
  };
  return f;
}

TestMap MakeTests() {
  TestMap t;
  auto simple = [&t](const char* name, bool (*fn)(const Value&)) {
    t[name] = [fn, name](Interpreter* in, const Value& v, CallArgs& a)
                  -> absl::StatusOr<bool> {
      if (!a.positional.empty() || !a.named.empty()) {
        return in->Error(absl::StrCat("test_", name,
                                      "() takes 1 positional argument"));
      }
      return fn(v);
    };
  };
  simple("defined", [](const Value& v) { return !v.is_undefined(); });
  simple("undefined", [](const Value& v) { return v.is_undefined(); });
  simple("none", [](const Value& v) { return v.is_none(); });
  simple("boolean", [](const Value& v) { return v.is_bool(); });
  simple("true", [](const Value& v) { return v.is_bool() && v.bool_value(); });
  simple("false",
         [](const Value& v) { return v.is_bool() && !v.bool_value(); });
  simple("integer", [](const Value& v) { return v.is_int(); });
  simple("float", [](const Value& v) { return v.is_float(); });
  simple("number", [](const Value& v) { return v.is_number(); });
  simple("string", [](const Value& v) { return v.is_string(); });
  simple("mapping", [](const Value& v) { return v.is_dict(); });
  // Jinja2's Undefined has __iter__, __len__, __getitem__ and __call__, so
  // it is an iterable, callable sequence. A StrictUndefined's raise: it
  // fails `iterable` (Interpreter::RunTest), and is no sequence because
  // test_sequence catches the error.
  simple("iterable", [](const Value& v) {
    return v.is_string() || v.is_list() || v.is_dict() || v.is_undefined() ||
           (v.is_object() && v.object().Iterate().has_value());
  });
  t["sequence"] = [](Interpreter* in, const Value& v,
                     CallArgs& a) -> absl::StatusOr<bool> {
    if (!a.positional.empty() || !a.named.empty()) {
      return in->Error("test_sequence() takes 1 positional argument");
    }
    if (v.is_undefined()) return !in->strict();
    return v.is_string() || v.is_list() || v.is_dict();
  };
  simple("callable",
         [](const Value& v) { return v.is_callable() || v.is_undefined(); });
  simple("escaped", [](const Value& v) { return v.is_safe(); });
  simple("lower", [](const Value& v) {
    std::string s = v.Str();
    return Lower(s) == s && Upper(s) != s;
  });
  simple("upper", [](const Value& v) {
    std::string s = v.Str();
    return Upper(s) == s && Lower(s) != s;
  });
  // Jinja2: value % 2 == 1 (odd) / == 0 (even), with Python's %: a float
  // keeps its fraction, a string is %-formatted (never equal to a number).
  auto parity = [](int want) {
    return [want](Interpreter* in, const Value& v, CallArgs&)
               -> absl::StatusOr<bool> {
      if (v.is_string()) {
        TRY(formatted, PyPercentFormat(in, v.str(), Value(2), false));
        (void)formatted;
        return false;
      }
      if (v.is_float()) {
        TRY(r, BinaryOp(in, "%", v, Value(2)));
        return r.AsDouble() == want;
      }
      TRY(i, ToInt(in, v));
      return ((i % 2) + 2) % 2 == want;
    };
  };
  t["odd"] = parity(1);
  t["even"] = parity(0);
  t["divisibleby"] = [](Interpreter* in, const Value& v, CallArgs& a)
      -> absl::StatusOr<bool> {
    // Jinja2: value % num == 0, with Python's % (floats keep their
    // fraction: -0.5 is not divisible by 3).
    const Value* num = Arg(a, 0, "num");
    if (num == nullptr) return in->Error("test_divisibleby() needs num");
    TRY(rest, BinaryOp(in, "%", v, *num));
    return rest.Equals(Value(0));
  };
  auto cmp = [&t](std::vector<const char*> names, absl::string_view op) {
    for (const char* name : names) {
      t[name] = [op](Interpreter* in, const Value& v, CallArgs& a)
                    -> absl::StatusOr<bool> {
        // `other` read in place (selectattr calls this once per item).
        const Value* other = Arg(a, 0, "other");
        const Value missing;
        return Compare(in, op, v, other != nullptr ? *other : missing);
      };
    }
  };
  cmp({"eq", "equalto", "=="}, "==");
  cmp({"ne", "!="}, "!=");
  cmp({"lt", "lessthan", "<"}, "<");
  cmp({"le", "<="}, "<=");
  cmp({"gt", "greaterthan", ">"}, ">");
  cmp({"ge", ">="}, ">=");
  cmp({"in"}, "in");
  t["sameas"] = [](Interpreter*, const Value& v, CallArgs& a)
      -> absl::StatusOr<bool> {
    Value o = ArgOr(a, 0, "other", Value());
    if (v.is_none() || v.is_bool() || v.is_undefined()) {
      return v.kind() == o.kind() && v.Equals(o);
    }
    return false;
  };
  t["filter"] = [](Interpreter* in, const Value& v, CallArgs&)
      -> absl::StatusOr<bool> {
    return v.is_string() && (FindBuiltinFilter(v.str()) != nullptr ||
                             in->env().FindFilter(v.str()) != nullptr);
  };
  t["test"] = [](Interpreter*, const Value& v, CallArgs&)
      -> absl::StatusOr<bool> {
    return v.is_string() && FindBuiltinTest(v.str()) != nullptr;
  };
  return t;
}

// --- globals -----------------------------------------------------------

class FnCallable : public Callable {
 public:
  using Fn = std::function<absl::StatusOr<Value>(Interpreter*, CallArgs&)>;
  FnCallable(std::string name, Fn fn)
      : name_(std::move(name)), fn_(std::move(fn)) {}
  absl::StatusOr<Value> Call(Interpreter* interp,
                             CallArgs& args) const override {
    return fn_(interp, args);
  }
  std::string_view Name() const override { return name_; }

 private:
  std::string name_;
  Fn fn_;
};

Value MakeFn(std::string name, FnCallable::Fn fn) {
  return Value::FromCallable(
      std::make_shared<FnCallable>(std::move(name), std::move(fn)));
}

// cycler(items...): next(), reset() and `current`. Built by one render
// and used by that render's thread only.
class Cycler : public Object {
 public:
  explicit Cycler(std::vector<Value> items)
      : state_(std::make_shared<State>(State{std::move(items), 0})) {}
  std::string TypeName() const override { return "Cycler"; }
  std::optional<Value> GetAttr(absl::string_view name) const override {
    std::shared_ptr<State> st = state_;
    if (name == "current") {
      if (st->items.empty()) return Value::Undefined("empty cycler");
      return st->items[st->pos];
    }
    if (name == "items") return Value::List(st->items);
    if (name == "next" || name == "__next__") {
      return MakeFn("next", [st](Interpreter* in, CallArgs&)
                                -> absl::StatusOr<Value> {
        if (st->items.empty()) {
          return in->Error("integer division or modulo by zero");
        }
        Value v = st->items[st->pos];
        st->pos = (st->pos + 1) % st->items.size();
        return v;
      });
    }
    if (name == "reset") {
      return MakeFn("reset", [st](Interpreter*, CallArgs&)
                                 -> absl::StatusOr<Value> {
        st->pos = 0;
        return Value::None();
      });
    }
    return std::nullopt;
  }

 private:
  struct State {
    std::vector<Value> items;
    size_t pos;
  };
  const std::shared_ptr<State> state_;
};

absl::flat_hash_map<std::string, Value> MakeGlobals() {
  absl::flat_hash_map<std::string, Value> g;
  g["range"] = MakeFn("range", [](Interpreter* in, CallArgs& a)
                                   -> absl::StatusOr<Value> {
    absl::InlinedVector<int64_t, 3> n;
    for (const Value& v : a.positional) {
      TRY(i, ToInt(in, v));
      n.push_back(i);
    }
    int64_t start = 0, stop = 0, step = 1;
    if (n.size() == 1) {
      stop = n[0];
    } else if (n.size() >= 2) {
      start = n[0];
      stop = n[1];
      if (n.size() >= 3) step = n[2];
    } else {
      return in->Error("range expected at least 1 argument, got 0");
    }
    if (step == 0) return in->Error("range() arg 3 must not be zero");
    int64_t count = step > 0 ? (stop - start + step - 1) / step
                             : (start - stop - step - 1) / -step;
    if (count > 100000) {
      return in->Error("range too big, maximum size for range is 100000");
    }
    std::vector<Value> out;
    out.reserve(static_cast<size_t>(std::max<int64_t>(count, 0)));
    for (int64_t i = start; step > 0 ? i < stop : i > stop; i += step) {
      out.emplace_back(i);
    }
    return Value::List(std::move(out));
  });
  g["dict"] = MakeFn("dict", [](Interpreter*, CallArgs& a)
                                 -> absl::StatusOr<Value> {
    auto d = std::make_shared<DictData>();
    if (!a.positional.empty() && a.positional[0].is_dict()) {
      for (const auto& [k, v] : a.positional[0].dict().entries()) d->Set(k, v);
    }
    for (auto& [k, v] : a.named) d->Set(Value(k), v);
    return Value::FromDict(std::move(d));
  });
  g["namespace"] = MakeFn("namespace", [](Interpreter*, CallArgs& a)
                                           -> absl::StatusOr<Value> {
    auto d = std::make_shared<DictData>();
    d->is_namespace = true;
    if (!a.positional.empty() && a.positional[0].is_dict()) {
      for (const auto& [k, v] : a.positional[0].dict().entries()) d->Set(k, v);
    }
    for (auto& [k, v] : a.named) d->Set(Value(k), v);
    return Value::FromDict(std::move(d));
  });
  g["cycler"] = MakeFn("cycler", [](Interpreter*, CallArgs& a)
                                     -> absl::StatusOr<Value> {
    return Value::FromObject(std::make_shared<Cycler>(
        std::vector<Value>(a.positional.begin(), a.positional.end())));
  });
  g["joiner"] = MakeFn("joiner", [](Interpreter*, CallArgs& a)
                                     -> absl::StatusOr<Value> {
    std::string sep = ArgStr(a, 0, "sep", ", ");
    auto used = std::make_shared<bool>(false);
    return MakeFn("joiner", [sep, used](Interpreter*, CallArgs&)
                                -> absl::StatusOr<Value> {
      if (!*used) {
        *used = true;
        return Value("");
      }
      return Value(sep);
    });
  });
  return g;
}

}  // namespace

const FilterFn* FindBuiltinFilter(absl::string_view name) {
  static const FilterMap* const kFilters = new FilterMap(MakeFilters());
  auto it = kFilters->find(name);
  return it == kFilters->end() ? nullptr : &it->second;
}

const TestFn* FindBuiltinTest(absl::string_view name) {
  static const TestMap* const kTests = new TestMap(MakeTests());
  auto it = kTests->find(name);
  return it == kTests->end() ? nullptr : &it->second;
}

Value BuiltinGlobal(absl::string_view name) {
  static const auto* const kGlobals =
      new absl::flat_hash_map<std::string, Value>(MakeGlobals());
  auto it = kGlobals->find(name);
  return it == kGlobals->end() ? Value() : it->second;
}

absl::StatusOr<Value> Slice(Interpreter* interp, const Value& obj,
                            const Value& start_v, const Value& stop_v,
                            const Value& step_v) {
  std::vector<Value> items;
  std::vector<std::string> cps;
  int64_t n;
  if (obj.is_string()) {
    cps = SplitCodepoints(obj.str());
    n = static_cast<int64_t>(cps.size());
  } else if (obj.is_list()) {
    n = static_cast<int64_t>(obj.items().size());
  } else {
    return interp->Error(absl::StrCat("'", obj.TypeName(),
                                      "' is not subscriptable"));
  }
  int64_t step = 1;
  if (!step_v.is_undefined() && !step_v.is_none()) {
    TRY(s, ToInt(interp, step_v));
    step = s;
  }
  if (step == 0) return interp->Error("slice step cannot be zero");
  auto bound = [&](const Value& v, int64_t dflt) -> absl::StatusOr<int64_t> {
    if (v.is_undefined() || v.is_none()) return dflt;
    TRY(i, ToInt(interp, v));
    if (i < 0) i += n;
    if (step > 0) return std::clamp<int64_t>(i, 0, n);
    return std::clamp<int64_t>(i, -1, n - 1);
  };
  TRY(start, bound(start_v, step > 0 ? 0 : n - 1));
  TRY(stop, bound(stop_v, step > 0 ? n : -1));
  if (obj.is_list() && (step > 0 ? start < stop : start > stop)) {
    // The number of items taken, made room for at once.
    const uint64_t span = step > 0 ? stop - start : start - stop;
    const uint64_t abs_step = step > 0 ? uint64_t(step) : 0 - uint64_t(step);
    items.reserve(1 + (span - 1) / abs_step);
  }
  std::string s;
  for (int64_t i = start; step > 0 ? i < stop : i > stop; i += step) {
    if (obj.is_string()) {
      s += cps[i];
    } else {
      items.push_back(obj.items()[i]);
    }
  }
  if (obj.is_string()) return Like(obj, std::move(s));
  return obj.is_tuple() ? Value::Tuple(std::move(items))
                        : Value::List(std::move(items));
}

namespace {

int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}
int64_t PyMod(int64_t a, int64_t b) {
  int64_t r = a % b;
  if (r != 0 && ((r < 0) != (b < 0))) r += b;
  return r;
}

}  // namespace

absl::StatusOr<Value> BinaryOp(Interpreter* in, absl::string_view op,
                               const Value& a, const Value& b) {
  auto type_error = [&]() {
    return in->Error(absl::StrCat("unsupported operand type(s) for ", op,
                                  ": '", a.TypeName(), "' and '",
                                  b.TypeName(), "'"));
  };
  if (a.is_number() && b.is_number()) {
    bool ints = !a.is_float() && !b.is_float();
    int64_t x = a.int_value(), y = b.int_value();
    double dx = a.AsDouble(), dy = b.AsDouble();
    if (op == "+") return ints ? Value(x + y) : Value(dx + dy);
    if (op == "-") return ints ? Value(x - y) : Value(dx - dy);
    if (op == "*") return ints ? Value(x * y) : Value(dx * dy);
    if (op == "/") {
      if (dy == 0) return in->Error("division by zero");
      return Value(dx / dy);
    }
    if (op == "//") {
      if (dy == 0) return in->Error("integer division or modulo by zero");
      return ints ? Value(FloorDiv(x, y)) : Value(std::floor(dx / dy));
    }
    if (op == "%") {
      if (dy == 0) return in->Error("integer division or modulo by zero");
      if (ints) return Value(PyMod(x, y));
      // CPython's float_rem: the result has the divisor's sign, zero too
      // (0 % -0.5 is -0.0).
      double r = std::fmod(dx, dy);
      if (r == 0) {
        r = std::copysign(0.0, dy);
      } else if ((r < 0) != (dy < 0)) {
        r += dy;
      }
      return Value(r);
    }
    if (op == "**") {
      if (ints && y >= 0) {
        int64_t r = 1;
        for (int64_t i = 0; i < y && i < 64; ++i) r *= x;
        return Value(r);
      }
      return Value(std::pow(dx, dy));
    }
    return type_error();
  }
  if (op == "+") {
    if (a.is_string() && b.is_string()) {
      if (a.is_safe() || b.is_safe()) {
        std::string s = a.is_safe() ? a.str() : EscapeString(a.str());
        s += b.is_safe() ? b.str() : EscapeString(b.str());
        return Value::Safe(std::move(s));
      }
      return Value(a.str() + b.str());
    }
    if (a.is_list() && b.is_list() && a.is_tuple() == b.is_tuple()) {
      std::vector<Value> items = a.items();
      items.insert(items.end(), b.items().begin(), b.items().end());
      return a.is_tuple() ? Value::Tuple(std::move(items))
                          : Value::List(std::move(items));
    }
    return type_error();
  }
  if (op == "*") {
    const Value& seq = a.is_number() ? b : a;
    const Value& num = a.is_number() ? a : b;
    if (!num.is_number() || num.is_float()) return type_error();
    int64_t times = std::max<int64_t>(num.int_value(), 0);
    if (seq.is_string()) {
      if (times * static_cast<int64_t>(seq.str().size()) > (1 << 24)) {
        return in->Error("repeated string too large");
      }
      std::string s;
      for (int64_t i = 0; i < times; ++i) s += seq.str();
      return Like(seq, std::move(s));
    }
    if (seq.is_list()) {
      if (times * static_cast<int64_t>(seq.items().size()) > (1 << 20)) {
        return in->Error("repeated list too large");
      }
      std::vector<Value> items;
      for (int64_t i = 0; i < times; ++i) {
        items.insert(items.end(), seq.items().begin(), seq.items().end());
      }
      return seq.is_tuple() ? Value::Tuple(std::move(items))
                            : Value::List(std::move(items));
    }
    return type_error();
  }
  if (op == "%" && a.is_string()) {
    TRY(s, PyPercentFormat(in, a.str(), b, a.is_safe()));
    return Like(a, std::move(s));
  }
  return type_error();
}

absl::StatusOr<bool> Compare(Interpreter* in, absl::string_view op,
                             const Value& a, const Value& b) {
  if (in->strict()) {
    if (a.is_undefined()) return in->Error(a.undefined_hint());
    if (b.is_undefined()) return in->Error(b.undefined_hint());
  }
  if (a.is_int() && b.is_int() && op.size() <= 2) {
    // Two ints (loop.index >= 10, i == current): compared here, without
    // Equals or Less.
    const int64_t x = a.int_value(), y = b.int_value();
    const bool or_equal = op.size() == 2;
    switch (op[0]) {
      case '=': return x == y;
      case '!': return x != y;
      case '<': return or_equal ? x <= y : x < y;
      case '>': return or_equal ? x >= y : x > y;
      default: break;  // in, notin
    }
  }
  if (op == "==") return a.Equals(b);
  if (op == "!=") return !a.Equals(b);
  if (op == "in" || op == "notin") {
    bool found = false;
    if (b.is_string()) {
      if (!a.is_string()) {
        return in->Error(absl::StrCat("'in <string>' requires string as left "
                                      "operand, not ", a.TypeName()));
      }
      found = b.str().find(a.str()) != std::string::npos;
    } else if (b.is_dict()) {
      if (a.is_list() && !a.is_tuple()) return in->Error("unhashable type: 'list'");
      if (a.is_dict()) return in->Error("unhashable type: 'dict'");
      found = b.dict().Find(a) != nullptr;
    } else {
      TRY(items, in->Iterate(b));
      for (const Value& item : items) {
        if (item.Equals(a)) {
          found = true;
          break;
        }
      }
    }
    return op == "in" ? found : !found;
  }
  if (a.is_undefined() || b.is_undefined()) {
    return in->Error(a.is_undefined() ? a.undefined_hint()
                                      : b.undefined_hint());
  }
  if (op == "<") return Less(in, a, b);
  if (op == ">") return Less(in, b, a);
  if (op == "<=") {
    TRY(r, Less(in, b, a));
    return !r;
  }
  if (op == ">=") {
    TRY(r, Less(in, a, b));
    return !r;
  }
  return in->Error(absl::StrCat("unknown comparison ", op));
}

absl::StatusOr<std::string> PyPercentFormat(Interpreter* in,
                                            const std::string& fmt,
                                            const Value& args, bool markup) {
  // As CPython's str % args: a tuple gives the positional arguments; any
  // other value is the one positional argument. A value with __getitem__
  // that is neither a tuple nor a string (a dict, a list, an Undefined) is
  // also the mapping for `%(key)s`, and leaving it unused is no error.
  std::vector<Value> positional;
  if (args.is_tuple()) {
    positional = args.items();
  } else {
    positional.push_back(args);
  }
  const bool mapping =
      !args.is_tuple() &&
      (args.is_dict() || args.is_list() || args.is_undefined());
  size_t next = 0;
  std::string out;
  for (size_t i = 0; i < fmt.size(); ++i) {
    if (fmt[i] != '%') {
      out.push_back(fmt[i]);
      continue;
    }
    if (++i >= fmt.size()) return in->Error("incomplete format");
    Value arg;
    bool keyed = false;
    if (fmt[i] == '(') {
      size_t close = fmt.find(')', i);
      if (close == std::string::npos || !mapping) {
        return in->Error("format requires a mapping");
      }
      if (!args.is_dict()) {  // a list's or an Undefined's __getitem__
        return in->Error(args.is_undefined() ? args.undefined_hint()
                                             : "list indices must be "
                                               "integers or slices, not str");
      }
      const Value* v = args.dict().Find(
          absl::string_view(fmt).substr(i + 1, close - i - 1));
      if (v == nullptr) return in->Error("format key not found");
      arg = *v;
      keyed = true;
      i = close + 1;
    }
    std::string spec = "%";
    while (i < fmt.size() && std::strchr("-+ #0123456789.", fmt[i])) {
      spec.push_back(fmt[i++]);
    }
    if (i >= fmt.size()) return in->Error("incomplete format");
    char conv = fmt[i];
    if (conv == '%') {
      out.push_back('%');
      continue;
    }
    if (!keyed) {
      if (next >= positional.size()) {
        return in->Error("not enough arguments for format string");
      }
      arg = positional[next++];
    }
    if (arg.is_undefined() && in->strict()) {
      return in->Error(arg.undefined_hint());
    }
    if (markup) arg = EscapeOne(arg);
    char buf[512];
    switch (conv) {
      case 's':
      case 'r': {
        std::string s = conv == 's' ? arg.Str() : arg.Repr();
        spec += "s";
        std::snprintf(buf, sizeof buf, spec.c_str(), s.c_str());
        out += (spec == "%s") ? s : std::string(buf);
        break;
      }
      case 'd':
      case 'i':
      case 'x':
      case 'X':
      case 'o': {
        if (!arg.is_number()) {
          return in->Error(absl::StrCat("%", std::string(1, conv),
                                        " format: a number is required"));
        }
        spec += "ll";
        spec.push_back(conv == 'i' ? 'd' : conv);
        std::snprintf(buf, sizeof buf, spec.c_str(),
                      static_cast<long long>(arg.is_float()  // NOLINT
                                                 ? arg.float_value()
                                                 : arg.int_value()));
        out += buf;
        break;
      }
      case 'f':
      case 'F':
      case 'e':
      case 'E':
      case 'g':
      case 'G': {
        if (!arg.is_number()) {
          return in->Error("a real number is required");
        }
        spec.push_back(conv);
        std::snprintf(buf, sizeof buf, spec.c_str(), arg.AsDouble());
        out += buf;
        break;
      }
      default:
        return in->Error(absl::StrCat("unsupported format character '",
                                      std::string(1, conv), "'"));
    }
  }
  if (!mapping && next < positional.size()) {
    return in->Error("not all arguments converted during string formatting");
  }
  return out;
}

// --- methods -------------------------------------------------------------

// format(value, spec) for the common format-spec mini-language:
// [[fill]align][sign][0][width][,|_][.precision][type].
absl::StatusOr<std::string> FormatSpec(Interpreter* in, const Value& v,
                                       const std::string& spec) {
  std::vector<std::string> cps = SplitCodepoints(spec);
  size_t i = 0;
  std::string fill = " ";
  char align = 0;
  auto is_align = [](const std::string& c) {
    return c == "<" || c == ">" || c == "^" || c == "=";
  };
  if (cps.size() >= 2 && is_align(cps[1])) {
    fill = cps[0];
    align = cps[1][0];
    i = 2;
  } else if (!cps.empty() && is_align(cps[0])) {
    align = cps[0][0];
    i = 1;
  }
  std::string rest;
  for (size_t k = i; k < cps.size(); ++k) rest += cps[k];
  size_t k = 0;
  char sign = '-';
  if (k < rest.size() && (rest[k] == '+' || rest[k] == '-' || rest[k] == ' ')) {
    sign = rest[k++];
  }
  if (k < rest.size() && rest[k] == '0') {
    if (align == 0) {
      fill = "0";
      align = '=';
    }
    ++k;
  }
  int64_t width = 0;
  while (k < rest.size() && absl::ascii_isdigit(rest[k])) {
    width = std::min<int64_t>(width * 10 + (rest[k++] - '0'), 10000);
  }
  char grouping = 0;
  if (k < rest.size() && (rest[k] == ',' || rest[k] == '_')) {
    grouping = rest[k++];
  }
  int precision = -1;
  if (k < rest.size() && rest[k] == '.') {
    ++k;
    precision = 0;
    while (k < rest.size() && absl::ascii_isdigit(rest[k])) {
      precision = std::min(precision * 10 + (rest[k++] - '0'), 100);
    }
  }
  char type = k < rest.size() ? rest[k++] : 0;
  if (k != rest.size()) return in->Error("Invalid format specifier");
  std::string body, sign_str;
  bool numeric = v.is_number() && !(type == 's');
  if (v.is_string() || v.is_none() || v.is_list() || v.is_dict() ||
      v.is_undefined()) {
    if (type != 0 && type != 's') {
      return in->Error(absl::StrCat("Unknown format code '",
                                    std::string(1, type),
                                    "' for object of type '", v.TypeName(),
                                    "'"));
    }
    if (sign != '-' || align == '=' || grouping != 0) {
      return in->Error("Sign not allowed in string format specifier");
    }
    body = v.Str();
    if (precision >= 0) {
      std::vector<std::string> parts = SplitCodepoints(body);
      if (static_cast<int64_t>(parts.size()) > precision) {
        parts.resize(precision);
        body = absl::StrJoin(parts, "");
      }
    }
    numeric = false;
  } else if (numeric) {
    bool is_float = v.is_float();
    double d = v.AsDouble();
    int64_t n = v.int_value();
    bool neg = is_float ? std::signbit(d) : n < 0;
    char buf[512];
    if (type == 0 && !is_float && precision < 0) type = 'd';
    switch (type) {
      case 'd':
        if (is_float) return in->Error("Unknown format code 'd' for float");
        body = std::to_string(n < 0 ? -static_cast<uint64_t>(n)
                                    : static_cast<uint64_t>(n));
        break;
      case 'x': case 'X': case 'o': case 'b': {
        if (is_float) return in->Error("Unknown format code for float");
        uint64_t u = n < 0 ? -static_cast<uint64_t>(n) : n;
        int base = type == 'o' ? 8 : type == 'b' ? 2 : 16;
        if (u == 0) body = "0";
        while (u > 0) {
          int digit = u % base;
          body.insert(body.begin(), digit < 10 ? '0' + digit
                                    : (type == 'X' ? 'A' : 'a') + digit - 10);
          u /= base;
        }
        break;
      }
      case 'f': case 'F': case 'e': case 'E': case 'g': case 'G': case '%': {
        double x = std::fabs(d);
        if (type == '%') x *= 100;
        std::snprintf(buf, sizeof buf,
                      type == '%' ? "%.*f" : std::string("%.*").append(1, type).c_str(),
                      precision < 0 ? 6 : precision, x);
        body = buf;
        if (type == '%') body += "%";
        break;
      }
      case 0:  // float without a type: str(), or 'g'-like with a precision
        if (precision >= 0) {
          std::snprintf(buf, sizeof buf, "%.*g", std::max(precision, 1),
                        std::fabs(d));
          body = buf;
        } else {
          body = FormatFloat(std::fabs(d));
        }
        break;
      default:
        return in->Error(absl::StrCat("Unknown format code '",
                                      std::string(1, type), "'"));
    }
    if (grouping != 0 && (type == 'd' || type == 'f' || type == 'F' ||
                          type == 0)) {
      size_t digits_end = body.find_first_not_of("0123456789");
      if (digits_end == std::string::npos) digits_end = body.size();
      std::string grouped;
      for (size_t g = 0; g < digits_end; ++g) {
        if (g > 0 && (digits_end - g) % 3 == 0) grouped.push_back(grouping);
        grouped.push_back(body[g]);
      }
      body = grouped + body.substr(digits_end);
    }
    sign_str = neg ? "-" : sign == '+' ? "+" : sign == ' ' ? " " : "";
  } else {
    body = v.Str();
  }
  if (align == 0) align = numeric ? '>' : '<';
  int64_t len = CodepointCount(body) + CodepointCount(sign_str);
  int64_t pad = std::max<int64_t>(0, width - len);
  auto fills = [&](int64_t count) {
    std::string out;
    for (int64_t c = 0; c < count; ++c) out += fill;
    return out;
  };
  switch (align) {
    case '<': return sign_str + body + fills(pad);
    case '>': return fills(pad) + sign_str + body;
    case '^': return fills(pad / 2) + sign_str + body + fills(pad - pad / 2);
    default: return sign_str + fills(pad) + body;  // '='
  }
}

absl::StatusOr<Value> CallBuiltinMethod(Interpreter* in, const Value& obj,
                                        absl::string_view name,
                                        CallArgs& a, bool* found) {
  *found = true;
  if (obj.is_dict()) {
    const DictData& d = obj.dict();
    if (name == "items" || name == "keys" || name == "values") {
      std::vector<Value> out;
      for (const auto& [k, v] : d.entries()) {
        out.push_back(name == "items" ? Value::Tuple({k, v})
                      : name == "keys" ? k : v);
      }
      return Value::List(std::move(out));
    }
    if (name == "get") {
      const Value* key = Arg(a, 0, "key");
      if (key == nullptr) return in->Error("get expected at least 1 argument");
      const Value* v = d.Find(*key);
      return v != nullptr ? *v : ArgOr(a, 1, "default", Value::None());
    }
    if (name == "copy" && a.positional.empty()) {
      auto copy = std::make_shared<DictData>();
      for (const auto& [k, v] : d.entries()) copy->Set(k, v);
      return Value::FromDict(std::move(copy));
    }
    if (name == "setdefault" && !d.is_namespace && !a.positional.empty()) {
      const Value* v = d.Find(a.positional[0]);
      if (v != nullptr) return *v;
      Value dflt = ArgOr(a, 1, "default", Value::None());
      obj.mutable_dict()->Set(a.positional[0], dflt);
      return dflt;
    }
    if (name == "pop" && !d.is_namespace && !a.positional.empty()) {
      const Value* v = d.Find(a.positional[0]);
      if (v == nullptr) {
        if (a.positional.size() > 1) return a.positional[1];
        return in->Error(absl::StrCat("KeyError: ", a.positional[0].Repr()));
      }
      Value found_value = *v;
      auto rest = std::make_shared<DictData>();
      for (const auto& [k, val] : d.entries()) {
        if (!k.Equals(a.positional[0])) rest->Set(k, val);
      }
      *obj.mutable_dict() = std::move(*rest);
      return found_value;
    }
    if (name == "update" && !d.is_namespace) {
      if (!a.positional.empty() && a.positional[0].is_dict()) {
        for (const auto& [k, v] : a.positional[0].dict().entries()) {
          obj.mutable_dict()->Set(k, v);
        }
      }
      for (auto& [k, v] : a.named) obj.mutable_dict()->Set(Value(k), v);
      return Value::None();
    }
  }
  if (obj.is_list() && !obj.is_tuple()) {
    if (name == "append" && a.positional.size() == 1) {
      obj.mutable_items()->push_back(a.positional[0]);
      return Value::None();
    }
    if (name == "extend" && a.positional.size() == 1) {
      TRY(items, in->Iterate(a.positional[0]));
      obj.mutable_items()->insert(obj.mutable_items()->end(), items.begin(),
                                  items.end());
      return Value::None();
    }
    auto* list = obj.mutable_items();
    if (name == "insert" && a.positional.size() == 2) {
      TRY(idx, ToInt(in, a.positional[0]));
      int64_t n = static_cast<int64_t>(list->size());
      if (idx < 0) idx = std::max<int64_t>(0, idx + n);
      idx = std::min(idx, n);
      list->insert(list->begin() + idx, a.positional[1]);
      return Value::None();
    }
    if (name == "remove" && a.positional.size() == 1) {
      for (auto it = list->begin(); it != list->end(); ++it) {
        if (it->Equals(a.positional[0])) {
          list->erase(it);
          return Value::None();
        }
      }
      return in->Error("list.remove(x): x not in list");
    }
    if (name == "reverse" && a.positional.empty()) {
      std::reverse(list->begin(), list->end());
      return Value::None();
    }
    if (name == "sort" && a.positional.empty()) {
      bool reverse = ArgOr(a, 99, "reverse", Value(false)).Truthy();
      TRY(sorted, SortValues(in, *list, reverse, true, nullptr));
      *list = std::move(sorted);
      return Value::None();
    }
    if (name == "clear" && a.positional.empty()) {
      list->clear();
      return Value::None();
    }
    if (name == "copy" && a.positional.empty()) return Value::List(*list);
    if (name == "pop") {
      auto* items = obj.mutable_items();
      if (items->empty()) return in->Error("pop from empty list");
      int64_t i = static_cast<int64_t>(items->size()) - 1;
      if (!a.positional.empty()) {
        TRY(idx, ToInt(in, a.positional[0]));
        i = idx < 0 ? idx + static_cast<int64_t>(items->size()) : idx;
      }
      if (i < 0 || i >= static_cast<int64_t>(items->size())) {
        return in->Error("pop index out of range");
      }
      Value v = (*items)[i];
      items->erase(items->begin() + i);
      return v;
    }
  }
  if (obj.is_list() && (name == "index" || name == "count") &&
      a.positional.size() == 1) {
    int64_t count = 0;
    for (size_t i = 0; i < obj.items().size(); ++i) {
      if (obj.items()[i].Equals(a.positional[0])) {
        if (name == "index") return Value(static_cast<int64_t>(i));
        ++count;
      }
    }
    if (name == "index") return in->Error("value is not in list");
    return Value(count);
  }
  if (obj.is_string()) {
    const std::string& s = obj.str();
    if (name == "upper") return Like(obj, Upper(s));
    if (name == "lower") return Like(obj, Lower(s));
    if (name == "strip" || name == "lstrip" || name == "rstrip") {
      const Value* chars = Arg(a, 0, "chars");
      std::string cs = chars == nullptr || chars->is_none()
                           ? std::string(" \t\n\r\f\v")
                           : chars->Str();
      size_t b = name == "rstrip" ? 0 : s.find_first_not_of(cs);
      if (b == std::string::npos) return Like(obj, "");
      size_t e = name == "lstrip" ? s.size() - 1 : s.find_last_not_of(cs);
      return Like(obj, s.substr(b, e - b + 1));
    }
    if (name == "startswith" || name == "endswith") {
      const Value* p = Arg(a, 0, "prefix");
      if (p == nullptr) return in->Error("startswith takes 1 argument");
      std::vector<Value> options =
          p->is_list() ? p->items() : std::vector<Value>{*p};
      std::vector<std::string> cps = SplitCodepoints(s);
      int64_t n = static_cast<int64_t>(cps.size());
      auto bound = [n](const Value* b, int64_t dflt) {
        if (b == nullptr || b->is_none() || !b->is_number()) return dflt;
        int64_t i = b->int_value();
        if (i < 0) i += n;
        return std::clamp<int64_t>(i, 0, n);
      };
      int64_t from = bound(Arg(a, 1, "start"), 0);
      int64_t to = bound(Arg(a, 2, "end"), n);
      std::string window;
      for (int64_t i = from; i < to; ++i) window += cps[i];
      for (const Value& o : options) {
        if (name == "startswith" ? absl::StartsWith(window, o.Str())
                                 : absl::EndsWith(window, o.Str())) {
          return Value(true);
        }
      }
      return Value(false);
    }
    if (name == "split" || name == "rsplit") {
      const Value* sep = Arg(a, 0, "sep");
      int64_t maxsplit = -1;
      if (const Value* m = Arg(a, 1, "maxsplit")) {
        TRY(i, ToInt(in, *m));
        maxsplit = i;
      }
      std::vector<Value> out;
      if (sep == nullptr || sep->is_none()) {
        std::vector<absl::string_view> parts =
            absl::StrSplit(s, absl::ByAnyChar(" \t\n\r\f\v"),
                           absl::SkipEmpty());
        if (maxsplit < 0 || name == "rsplit") {
          for (auto p : parts) out.emplace_back(p);
          return Value::List(std::move(out));
        }
        size_t pos = 0;
        for (int64_t k = 0; k < maxsplit; ++k) {
          pos = s.find_first_not_of(" \t\n\r\f\v", pos);
          if (pos == std::string::npos) break;
          size_t end = s.find_first_of(" \t\n\r\f\v", pos);
          if (end == std::string::npos) break;
          out.emplace_back(s.substr(pos, end - pos));
          pos = end;
        }
        if (pos != std::string::npos) {
          pos = s.find_first_not_of(" \t\n\r\f\v", pos);
          if (pos != std::string::npos) out.emplace_back(s.substr(pos));
        }
        return Value::List(std::move(out));
      }
      std::string sp = sep->Str();
      if (sp.empty()) return in->Error("empty separator");
      if (name == "rsplit" && maxsplit >= 0) {
        size_t end = s.size();
        int64_t done = 0;
        while (done < maxsplit) {
          if (end < sp.size()) break;
          size_t hit = s.rfind(sp, end - sp.size());
          if (hit == std::string::npos) break;
          out.emplace_back(s.substr(hit + sp.size(), end - hit - sp.size()));
          end = hit;
          ++done;
        }
        out.emplace_back(s.substr(0, end));
        std::reverse(out.begin(), out.end());
        return Value::List(std::move(out));
      }
      size_t pos = 0;
      int64_t done = 0;
      while (maxsplit < 0 || done < maxsplit) {
        size_t hit = s.find(sp, pos);
        if (hit == std::string::npos) break;
        out.emplace_back(s.substr(pos, hit - pos));
        pos = hit + sp.size();
        ++done;
      }
      out.emplace_back(s.substr(pos));
      return Value::List(std::move(out));
    }
    if (name == "replace") {
      CallArgs fa = a;
      return FindBuiltinFilter("replace")->operator()(in, obj, fa);
    }
    if (name == "title") return Like(obj, PyTitle(s));
    if (name == "capitalize" ||
        (name == "center" && a.positional.size() < 2)) {
      CallArgs fa = a;
      return FindBuiltinFilter(name)->operator()(in, obj, fa);
    }
    if (name == "join" && a.positional.size() == 1) {
      TRY(items, in->Iterate(a.positional[0]));
      std::vector<std::string> parts;
      for (const Value& v : items) parts.push_back(v.Str());
      return Like(obj, absl::StrJoin(parts, s));
    }
    if (name == "find" || name == "count") {
      const Value* sub = Arg(a, 0, "sub");
      if (sub == nullptr) return in->Error("missing argument");
      std::string needle = sub->Str();
      if (name == "find") {
        size_t p = s.find(needle);
        return Value(p == std::string::npos
                         ? int64_t{-1}
                         : CodepointCount(absl::string_view(s).substr(0, p)));
      }
      if (needle.empty()) return Value(CodepointCount(s) + 1);
      int64_t n = 0;
      for (size_t p = s.find(needle); p != std::string::npos;
           p = s.find(needle, p + needle.size())) {
        ++n;
      }
      return Value(n);
    }
    if (name == "format") {
      // str.format with {} / {0} / {name} fields.
      std::string out;
      size_t auto_index = 0;
      for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '{' && i + 1 < s.size() && s[i + 1] == '{') {
          out.push_back('{');
          ++i;
        } else if (s[i] == '}' && i + 1 < s.size() && s[i + 1] == '}') {
          out.push_back('}');
          ++i;
        } else if (s[i] == '{') {
          size_t close = s.find('}', i);
          if (close == std::string::npos) {
            return in->Error("Single '{' encountered in format string");
          }
          std::string field = s.substr(i + 1, close - i - 1);
          std::string spec, conversion;
          if (size_t colon = field.find(':'); colon != std::string::npos) {
            spec = field.substr(colon + 1);
            field.resize(colon);
          }
          if (size_t bang = field.find('!'); bang != std::string::npos) {
            conversion = field.substr(bang + 1);
            field.resize(bang);
          }
          // field[0].attr accessors after the argument name.
          std::string access;
          if (size_t acc = field.find_first_of("[."); acc != std::string::npos) {
            access = field.substr(acc);
            field.resize(acc);
          }
          Value v;
          int64_t idx;
          if (field.empty()) {
            if (auto_index >= a.positional.size()) {
              return in->Error("Replacement index out of range");
            }
            v = a.positional[auto_index++];
          } else if (absl::SimpleAtoi(field, &idx)) {
            if (idx < 0 || idx >= static_cast<int64_t>(a.positional.size())) {
              return in->Error("Replacement index out of range");
            }
            v = a.positional[idx];
          } else {
            bool got = false;
            for (const auto& [k, val] : a.named) {
              if (k == field) {
                v = val;
                got = true;
              }
            }
            if (!got) return in->Error(absl::StrCat("KeyError: '", field,
                                                    "'"));
          }
          for (size_t k = 0; k < access.size();) {
            if (access[k] == '.') {
              size_t end = access.find_first_of("[.", k + 1);
              v = v.GetAttr(access.substr(k + 1, end - k - 1));
              k = end == std::string::npos ? access.size() : end;
            } else {
              size_t end = access.find(']', k);
              if (end == std::string::npos) {
                return in->Error("Missing ']' in format string");
              }
              std::string key = access.substr(k + 1, end - k - 1);
              int64_t ki;
              v = absl::SimpleAtoi(key, &ki) ? v.GetItem(Value(ki))
                                             : v.GetItem(Value(key));
              k = end + 1;
            }
            if (v.is_undefined()) return in->Error("format field not found");
          }
          if (conversion == "r") v = Value(v.Repr());
          else if (conversion == "s") v = Value(v.Str());
          else if (!conversion.empty()) {
            return in->Error("Unknown conversion specifier " + conversion);
          }
          if (!spec.empty()) {
            TRY(formatted, FormatSpec(in, v, spec));
            v = v.is_safe() ? Value::Safe(formatted) : Value(formatted);
          }
          if (obj.is_safe() && !v.is_safe()) {
            out += EscapeString(v.Str());
          } else {
            out += v.Str();
          }
          i = close;
        } else {
          out.push_back(s[i]);
        }
      }
      return Like(obj, std::move(out));
    }
    if (name == "ljust" || name == "rjust" ||
        (name == "center" && a.positional.size() == 2)) {
      TRY(width, ToInt(in, ArgOr(a, 0, "width", Value(0))));
      std::string fill = ArgStr(a, 1, "fillchar", " ");
      if (CodepointCount(fill) != 1) {
        return in->Error("The fill character must be exactly one character "
                         "long");
      }
      int64_t n = CodepointCount(s);
      if (width <= n) return obj;
      int64_t pad = width - n;
      int64_t left = name == "ljust"   ? 0
                     : name == "rjust" ? pad
                                       : pad / 2 + (pad & width & 1);
      std::string out;
      for (int64_t i = 0; i < left; ++i) out += fill;
      out += s;
      for (int64_t i = left; i < pad; ++i) out += fill;
      return Like(obj, std::move(out));
    }
    if (name == "zfill" && a.positional.size() == 1) {
      TRY(width, ToInt(in, a.positional[0]));
      int64_t n = CodepointCount(s);
      if (width <= n) return obj;
      size_t sign = !s.empty() && (s[0] == '+' || s[0] == '-') ? 1 : 0;
      return Like(obj, s.substr(0, sign) + std::string(width - n, '0') +
                           s.substr(sign));
    }
    if (name == "swapcase" && a.positional.empty()) {
      std::string out;
      for (const std::string& cp : SplitCodepoints(s)) {
        std::string up = Upper(cp);
        out += up != cp ? up : Lower(cp);
      }
      return Like(obj, std::move(out));
    }
    if (name == "splitlines" && a.positional.empty()) {
      std::vector<Value> out;
      for (std::string& line : PySplitLines(s)) out.push_back(Like(obj, line));
      return Value::List(std::move(out));
    }
    if ((name == "rfind" || name == "index" || name == "rindex") &&
        a.positional.size() == 1) {
      std::string needle = a.positional[0].Str();
      size_t p = name == "index" ? s.find(needle) : s.rfind(needle);
      if (p == std::string::npos) {
        if (name == "rfind") return Value(int64_t{-1});
        return in->Error("substring not found");
      }
      return Value(CodepointCount(absl::string_view(s).substr(0, p)));
    }
    if ((name == "removeprefix" || name == "removesuffix") &&
        a.positional.size() == 1) {
      std::string affix = a.positional[0].Str();
      absl::string_view view(s);
      if (name == "removeprefix") absl::ConsumePrefix(&view, affix);
      else absl::ConsumeSuffix(&view, affix);
      return Like(obj, std::string(view));
    }
    if ((name == "partition" || name == "rpartition") &&
        a.positional.size() == 1) {
      std::string sep = a.positional[0].Str();
      if (sep.empty()) return in->Error("empty separator");
      size_t p = name == "partition" ? s.find(sep) : s.rfind(sep);
      if (p == std::string::npos) {
        return name == "partition"
                   ? Value::Tuple({Like(obj, s), Like(obj, ""), Like(obj, "")})
                   : Value::Tuple({Like(obj, ""), Like(obj, ""), Like(obj, s)});
      }
      return Value::Tuple({Like(obj, s.substr(0, p)), Like(obj, sep),
                           Like(obj, s.substr(p + sep.size()))});
    }
    if (name == "istitle" && a.positional.empty()) {
      bool prev_cased = false, any = false;
      for (const std::string& cp : SplitCodepoints(s)) {
        bool upper = Lower(cp) != cp, lower = Upper(cp) != cp;
        if (upper) {
          if (prev_cased) return Value(false);
          prev_cased = any = true;
        } else if (lower) {
          if (!prev_cased) return Value(false);
          prev_cased = true;
        } else {
          prev_cased = false;
        }
      }
      return Value(any);
    }
    if (name == "isdigit" || name == "isalpha" || name == "isalnum" ||
        name == "isspace" || name == "islower" || name == "isupper") {
      if (s.empty()) return Value(false);
      bool ok = true;
      bool cased = false;
      for (char c : s) {
        if (name == "isdigit") ok = ok && absl::ascii_isdigit(c);
        if (name == "isalpha") ok = ok && absl::ascii_isalpha(c);
        if (name == "isalnum") ok = ok && absl::ascii_isalnum(c);
        if (name == "isspace") ok = ok && absl::ascii_isspace(c);
        if (name == "islower") {
          ok = ok && !absl::ascii_isupper(c);
          cased = cased || absl::ascii_islower(c);
        }
        if (name == "isupper") {
          ok = ok && !absl::ascii_islower(c);
          cased = cased || absl::ascii_isupper(c);
        }
      }
      if (name == "islower" || name == "isupper") ok = ok && cased;
      return Value(ok);
    }
  }
  *found = false;
  return Value();
}

}  // namespace serval::tmpl

namespace serval::tmpl {

std::string StripTags(absl::string_view html) {
  return StripTagsImpl(html);
}

}  // namespace serval::tmpl
