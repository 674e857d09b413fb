#include "src/template/value.h"

#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "absl/base/attributes.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "rapidjson/document.h"
#include "rapidjson/error/en.h"
#include "src/template/output_buffer.h"
#include "src/template/utf8_util.h"

namespace serval::tmpl {
namespace {

const std::string& EmptyString() {
  static const std::string* const kEmpty = new std::string();
  return *kEmpty;
}

// The key under which DictData indexes `key`; equal Python keys (1, 1.0,
// True) share one.
std::string HashKey(const Value& key) {
  switch (key.kind()) {
    case Value::Kind::kString:
      return absl::StrCat("s", key.str());
    case Value::Kind::kBool:
    case Value::Kind::kInt:
      return absl::StrCat("n", key.int_value());
    case Value::Kind::kFloat: {
      double d = key.float_value();
      if (d == std::floor(d) && std::fabs(d) < 9e18) {
        return absl::StrCat("n", static_cast<int64_t>(d));
      }
      return absl::StrCat("f", FormatFloat(d));
    }
    case Value::Kind::kNone:
      return "N";
    default:
      return absl::StrCat("r", key.Repr());
  }
}

void AppendRepr(const Value& v, std::string* out);

void AppendStringRepr(const std::string& s, std::string* out) {
  char quote = '\'';
  if (s.find('\'') != std::string::npos && s.find('"') == std::string::npos) {
    quote = '"';
  }
  out->push_back(quote);
  for (char c : s) {
    switch (c) {
      case '\\': out->append("\\\\"); break;
      case '\n': out->append("\\n"); break;
      case '\r': out->append("\\r"); break;
      case '\t': out->append("\\t"); break;
      default:
        if (c == quote) {
          out->push_back('\\');
          out->push_back(c);
        } else if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\x%02x",
                        static_cast<unsigned char>(c));
          out->append(buf);
        } else {
          out->push_back(c);
        }
    }
  }
  out->push_back(quote);
}

void AppendRepr(const Value& v, std::string* out) {
  switch (v.kind()) {
    case Value::Kind::kString:
      if (v.is_safe()) out->append("Markup(");
      AppendStringRepr(v.str(), out);
      if (v.is_safe()) out->push_back(')');
      return;
    case Value::Kind::kUndefined:
      out->append("Undefined");
      return;
    default:
      v.AppendStr(out);
  }
}

}  // namespace

Value::Value(std::string s) : kind_(Kind::kString) {
  if (s.empty()) {
    // Strings are immutable: every empty one shares one payload.
    static const auto* const kEmptyPayload =
        new std::shared_ptr<void>(std::make_shared<std::string>());
    p_ = *kEmptyPayload;
    return;
  }
  p_ = std::make_shared<std::string>(std::move(s));
}

Value Value::None() {
  Value v;
  v.kind_ = Kind::kNone;
  return v;
}

Value Value::Undefined(std::string hint) {
  Value v;
  v.p_ = std::make_shared<std::string>(std::move(hint));
  return v;
}

Value Value::Safe(std::string s) {
  Value v(std::move(s));
  v.safe_ = true;
  return v;
}

Value Value::List(std::vector<Value> items) {
  Value v;
  v.kind_ = Kind::kList;
  auto data = std::make_shared<ListData>();
  data->items = std::move(items);
  v.p_ = std::move(data);
  return v;
}

Value Value::Tuple(std::vector<Value> items) {
  Value v = List(std::move(items));
  static_cast<ListData*>(v.p_.get())->tuple = true;
  return v;
}

Value Value::Dict(std::vector<std::pair<std::string, Value>> items) {
  auto data = std::make_shared<DictData>();
  for (auto& [k, val] : items) data->Set(Value(k), std::move(val));
  return FromDict(std::move(data));
}

Value Value::FromDict(std::shared_ptr<DictData> dict) {
  Value v;
  v.kind_ = Kind::kDict;
  v.p_ = std::move(dict);
  return v;
}

Value Value::FromCallable(std::shared_ptr<const Callable> fn) {
  Value v;
  v.kind_ = Kind::kCallable;
  v.p_ = std::const_pointer_cast<Callable>(std::move(fn));
  return v;
}

Value Value::FromObject(std::shared_ptr<const Object> object) {
  Value v;
  v.kind_ = Kind::kObject;
  v.p_ = std::const_pointer_cast<Object>(std::move(object));
  return v;
}

const std::string& Value::undefined_hint() const {
  return p_ ? str() : EmptyString();
}

std::shared_ptr<const Object> Value::object_ptr() const {
  return std::static_pointer_cast<const Object>(p_);
}

bool Value::TruthyOther() const {
  switch (kind_) {
    case Kind::kUndefined:
    case Kind::kNone: return false;
    case Kind::kBool: return b_;
    case Kind::kInt: return i_ != 0;
    case Kind::kFloat: return d_ != 0.0;
    case Kind::kString: return !str().empty();
    case Kind::kList: return !items().empty();
    case Kind::kDict: return dict().size() != 0;
    case Kind::kCallable: return true;
    case Kind::kObject: {
      std::optional<int64_t> n = object().Length();
      return !n.has_value() || *n != 0;
    }
  }
  return false;
}

std::string Value::Str() const {
  if (kind_ == Kind::kString) return str();
  std::string out;
  AppendStr(&out);
  return out;
}

void Value::AppendStr(std::string* out) const {
  switch (kind_) {
    case Kind::kUndefined: return;
    case Kind::kNone: out->append("None"); return;
    case Kind::kBool: out->append(b_ ? "True" : "False"); return;
    case Kind::kInt: absl::StrAppend(out, i_); return;
    case Kind::kFloat: out->append(FormatFloat(d_)); return;
    case Kind::kString: out->append(str()); return;
    case Kind::kList: {
      bool tuple = is_tuple();
      out->push_back(tuple ? '(' : '[');
      const auto& xs = items();
      for (size_t i = 0; i < xs.size(); ++i) {
        if (i) out->append(", ");
        AppendRepr(xs[i], out);
      }
      if (tuple && xs.size() == 1) out->push_back(',');
      out->push_back(tuple ? ')' : ']');
      return;
    }
    case Kind::kDict: {
      if (dict().is_namespace) {
        out->append("<Namespace ");
      }
      out->push_back('{');
      bool first = true;
      for (const auto& [k, v] : dict().entries()) {
        if (!first) out->append(", ");
        first = false;
        AppendRepr(k, out);
        out->append(": ");
        AppendRepr(v, out);
      }
      out->push_back('}');
      if (dict().is_namespace) out->push_back('>');
      return;
    }
    case Kind::kCallable: out->append(callable().Repr()); return;
    case Kind::kObject: out->append(object().Str()); return;
  }
}

std::string Value::Repr() const {
  std::string out;
  AppendRepr(*this, &out);
  return out;
}

bool Value::EqualsOther(const Value& o) const {
  if (is_number() && o.is_number()) {
    if (kind_ != Kind::kFloat && o.kind_ != Kind::kFloat) {
      return int_value() == o.int_value();
    }
    return AsDouble() == o.AsDouble();
  }
  if (kind_ != o.kind_) return false;
  switch (kind_) {
    case Kind::kUndefined:
    case Kind::kNone: return true;
    case Kind::kString: return str() == o.str();
    case Kind::kList: {
      if (is_tuple() != o.is_tuple()) return false;
      const auto& a = items();
      const auto& b = o.items();
      if (a.size() != b.size()) return false;
      for (size_t i = 0; i < a.size(); ++i) {
        if (!a[i].Equals(b[i])) return false;
      }
      return true;
    }
    case Kind::kDict: {
      if (dict().size() != o.dict().size()) return false;
      for (const auto& [k, v] : dict().entries()) {
        const Value* other = o.dict().Find(k);
        if (other == nullptr || !other->Equals(v)) return false;
      }
      return true;
    }
    default: return p_ == o.p_;
  }
}

std::optional<int64_t> Value::Length() const {
  switch (kind_) {
    case Kind::kString: return CodepointCount(str());
    case Kind::kList: return static_cast<int64_t>(items().size());
    case Kind::kDict: return static_cast<int64_t>(dict().size());
    case Kind::kObject: return object().Length();
    case Kind::kUndefined: return 0;
    default: return std::nullopt;
  }
}

namespace {

// The undefined value of a missing attribute; out of line, so that a
// found attribute needs no stack frame for the message.
ABSL_ATTRIBUTE_NOINLINE Value NoAttribute(const Value& v,
                                          absl::string_view name) {
  return Value::Undefined(absl::StrCat("'", v.TypeName(),
                                       "' has no attribute '", name, "'"));
}

}  // namespace

Value Value::GetAttr(absl::string_view name, uint64_t tag) const {
  switch (kind_) {
    case Kind::kDict: {
      const Value* v = dict().Find(name, tag);
      if (v != nullptr) return *v;
      break;
    }
    case Kind::kObject: {
      std::optional<Value> v = object().GetAttr(name);
      if (v.has_value()) return *std::move(v);
      break;
    }
    default: break;
  }
  return NoAttribute(*this, name);
}

Value Value::GetItem(const Value& key) const {
  switch (kind_) {
    case Kind::kDict: {
      const Value* v = dict().Find(key);
      if (v != nullptr) return *v;
      break;
    }
    case Kind::kList: {
      if (key.is_int() || key.is_bool()) {
        int64_t n = static_cast<int64_t>(items().size());
        int64_t i = key.int_value();
        if (i < 0) i += n;
        if (i >= 0 && i < n) return items()[i];
      }
      break;
    }
    case Kind::kString: {
      if (key.is_int() || key.is_bool()) {
        std::vector<std::string> cps = SplitCodepoints(str());
        int64_t n = static_cast<int64_t>(cps.size());
        int64_t i = key.int_value();
        if (i < 0) i += n;
        if (i >= 0 && i < n) return Value(cps[i]);
      }
      break;
    }
    case Kind::kObject: {
      if (key.is_string()) return GetAttr(key.str());
      break;
    }
    default: break;
  }
  if (key.is_string() && kind_ != Kind::kDict) return GetAttr(key.str());
  return Undefined(absl::StrCat("'", TypeName(), "' has no attribute ",
                                key.Repr()));
}

std::string Value::TypeName() const {
  switch (kind_) {
    case Kind::kUndefined: return "Undefined";
    case Kind::kNone: return "None";
    case Kind::kBool: return "bool object";
    case Kind::kInt: return "int object";
    case Kind::kFloat: return "float object";
    case Kind::kString: return "str object";
    case Kind::kList: return is_tuple() ? "tuple object" : "list object";
    case Kind::kDict: return "dict object";
    case Kind::kCallable: return "function object";
    case Kind::kObject: return object().TypeName();
  }
  return "object";
}

const Value* DictData::Find(const Value& key) const {
  if (key.is_string()) return Find(absl::string_view(key.str()));
  if (entries_.size() <= kSmallDict) {
    // Python key equality of numbers, None...: as the index compares them.
    const std::string h = HashKey(key);
    for (const auto& [k, v] : entries_) {
      if (!k.is_string() && HashKey(k) == h) return &v;
    }
    return nullptr;
  }
  auto it = index_.find(HashKey(key));
  return it == index_.end() ? nullptr : &entries_[it->second].second;
}

// Out of line, so that the small-dict scan (DictData::Find) needs no stack
// frame for the hash key it builds.
ABSL_ATTRIBUTE_NOINLINE const Value* DictData::FindHashed(
    absl::string_view key) const {
  auto it = index_.find(absl::StrCat("s", key));
  return it == index_.end() ? nullptr : &entries_[it->second].second;
}

const Value* DictData::FindMissedHint(absl::string_view key, uint64_t tag,
                                      uint32_t* hint) const {
  if (entries_.size() > kSmallDict) return FindHashed(key);
  const size_t i = ScanSmall(key, tag);
  if (i == kNoEntry) return nullptr;
  *hint = static_cast<uint32_t>(i);
  return &entries_[i].second;
}

void DictData::SetByName(absl::string_view key, Value value) {
  if (const Value* v = Find(key)) {
    *const_cast<Value*>(v) = std::move(value);  // an entry of this dict
    return;
  }
  Set(Value(key), std::move(value));
}

void DictData::Set(Value key, Value value) {
  if (entries_.size() <= kSmallDict) {
    if (const Value* v = Find(key)) {
      *const_cast<Value*>(v) = std::move(value);  // an entry of this dict
      return;
    }
    if (entries_.size() < kSmallDict) {
      tags_.push_back(key.is_string() ? NameTag(key.str()) : 0);
    }
    entries_.emplace_back(std::move(key), std::move(value));
    if (entries_.size() > kSmallDict) {
      index_.reserve(entries_.size());
      for (size_t i = 0; i < entries_.size(); ++i) {
        index_.emplace(HashKey(entries_[i].first), i);
      }
    }
    return;
  }
  std::string h = HashKey(key);
  auto it = index_.find(h);
  if (it != index_.end()) {
    entries_[it->second].second = std::move(value);
    return;
  }
  index_.emplace(std::move(h), entries_.size());
  entries_.emplace_back(std::move(key), std::move(value));
}

std::string FormatFloat(double d) {
  if (std::isnan(d)) return "nan";
  if (std::isinf(d)) return d > 0 ? "inf" : "-inf";
  if (d == 0) return std::signbit(d) ? "-0.0" : "0.0";
  // Shortest round-tripping digits, as Python's repr.
  char buf[40];
  int precision = 1;
  for (; precision <= 17; ++precision) {
    std::snprintf(buf, sizeof buf, "%.*e", precision - 1, d);
    if (std::strtod(buf, nullptr) == d) break;
  }
  // buf: [-]D[.DDD]e[+-]XX
  std::string s(buf);
  bool negative = s[0] == '-';
  if (negative) s.erase(0, 1);
  size_t e = s.find('e');
  int exponent = std::atoi(s.c_str() + e + 1);
  std::string digits;
  for (size_t i = 0; i < e; ++i) {
    if (s[i] != '.') digits.push_back(s[i]);
  }
  while (digits.size() > 1 && digits.back() == '0') digits.pop_back();
  std::string out = negative ? "-" : "";
  if (exponent >= -5 + 1 && exponent < 16) {
    int n = static_cast<int>(digits.size());
    if (exponent >= 0) {
      if (n <= exponent + 1) {
        out += digits + std::string(exponent + 1 - n, '0') + ".0";
      } else {
        out += digits.substr(0, exponent + 1) + "." +
               digits.substr(exponent + 1);
      }
    } else {
      out += "0." + std::string(-exponent - 1, '0') + digits;
    }
    return out;
  }
  out += digits.substr(0, 1);
  if (digits.size() > 1) out += "." + digits.substr(1);
  char exp[8];
  std::snprintf(exp, sizeof exp, "e%c%02d", exponent < 0 ? '-' : '+',
                std::abs(exponent));
  return out + exp;
}

// Sixteen bytes at a time (SSE2), else eight (most text has none of them;
// the word that has one says where); the last, partial step looks at the
// string's last sixteen (eight) bytes, skipping those already looked at.
// Byte by byte only for what is shorter than a word.
ABSL_ATTRIBUTE_ALWAYS_INLINE size_t NextEscaped(absl::string_view s,
                                              size_t i) {
  static constexpr auto kSpecial = [] {
    std::array<bool, 256> t{};
    for (unsigned char c : {'&', '<', '>', '"', '\''}) t[c] = true;
    return t;
  }();
#if defined(__SSE2__)
  // Bit k set: byte k of the sixteen at `at` is special. & ' (0x26 0x27)
  // and < > (0x3C 0x3E) are each one compare after setting the lowest /
  // second-lowest bit.
  auto special_mask = [&s](size_t at) {
    const __m128i w =
        _mm_loadu_si128(reinterpret_cast<const __m128i*>(s.data() + at));
    const __m128i special = _mm_or_si128(
        _mm_or_si128(_mm_cmpeq_epi8(_mm_or_si128(w, _mm_set1_epi8(0x01)),
                                    _mm_set1_epi8(0x27)),
                     _mm_cmpeq_epi8(_mm_or_si128(w, _mm_set1_epi8(0x02)),
                                    _mm_set1_epi8(0x3E))),
        _mm_cmpeq_epi8(w, _mm_set1_epi8('"')));
    return static_cast<unsigned>(_mm_movemask_epi8(special));
  };
  if (s.size() - i >= 16) {
    for (; i + 16 <= s.size(); i += 16) {
      const unsigned mask = special_mask(i);
      if (mask != 0) return i + static_cast<size_t>(__builtin_ctz(mask));
    }
    if (i == s.size()) return i;
    const size_t last = s.size() - 16;
    const unsigned mask = special_mask(last) >> (i - last);
    return mask != 0 ? i + static_cast<size_t>(__builtin_ctz(mask))
                     : s.size();
  }
#endif
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  constexpr uint64_t kOnes = 0x0101010101010101ULL;
  constexpr uint64_t kHigh = 0x8080808080808080ULL;
  // The high bit of each byte of `w` that is `c`, exact up to the first
  // one (a borrow may mark bytes after it, never before).
  auto bytes_equal = [](uint64_t w, unsigned char c) {
    const uint64_t x = w ^ (kOnes * c);
    return (x - kOnes) & ~x & kHigh;
  };
  auto special_word = [&](size_t at) {
    uint64_t w;
    std::memcpy(&w, s.data() + at, 8);
    return bytes_equal(w | (kOnes * 0x01), 0x27) | bytes_equal(w, '"') |
           bytes_equal(w | (kOnes * 0x02), 0x3E);
  };
  if (s.size() - i >= 8) {
    for (; i + 8 <= s.size(); i += 8) {
      const uint64_t special = special_word(i);
      if (special != 0) {
        return i + static_cast<size_t>(__builtin_ctzll(special)) / 8;
      }
    }
    if (i == s.size()) return i;
    const size_t last = s.size() - 8;
    const uint64_t special = special_word(last) >> (8 * (i - last));
    return special != 0
               ? i + static_cast<size_t>(__builtin_ctzll(special)) / 8
               : s.size();
  }
#endif
  while (i < s.size() && !kSpecial[static_cast<unsigned char>(s[i])]) ++i;
  return i;
}

void AppendEscaped(absl::string_view s, std::string* out) {
  AppendEscapedTo(s, out);
}

std::string EscapeString(absl::string_view s) {
  std::string out;
  out.reserve(s.size());
  AppendEscaped(s, &out);
  return out;
}

void AppendEscaped(absl::string_view s, OutputBuffer* out) {
  AppendEscapedTo(s, out);
}

void AppendOutputOther(const Value& v, bool autoescape, OutputBuffer* out) {
  if (v.is_int()) {
    out->append(absl::AlphaNum(v.int_value()).Piece());
    return;
  }
  std::string text = v.Str();
  if (autoescape) {
    AppendEscaped(text, out);
  } else {
    out->append(text);
  }
}

namespace {

Value FromJson(const rapidjson::Value& j) {
  switch (j.GetType()) {
    case rapidjson::kNullType: return Value::None();
    case rapidjson::kFalseType: return Value(false);
    case rapidjson::kTrueType: return Value(true);
    case rapidjson::kNumberType:
      if (j.IsInt64()) return Value(static_cast<int64_t>(j.GetInt64()));
      return Value(j.GetDouble());
    case rapidjson::kStringType:
      return Value(std::string(j.GetString(), j.GetStringLength()));
    case rapidjson::kArrayType: {
      std::vector<Value> items;
      items.reserve(j.Size());
      for (auto e = j.Begin(); e != j.End(); ++e) {
        items.push_back(FromJson(*e));
      }
      return Value::List(std::move(items));
    }
    case rapidjson::kObjectType: {
      auto dict = std::make_shared<DictData>();
      for (auto m = j.MemberBegin(); m != j.MemberEnd(); ++m) {
        dict->Set(Value(std::string(m->name.GetString(),
                                    m->name.GetStringLength())),
                  FromJson(m->value));
      }
      return Value::FromDict(std::move(dict));
    }
  }
  return Value::None();
}

}  // namespace

absl::StatusOr<Value> ValueFromJson(absl::string_view json) {
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseFullPrecisionFlag>(json.data(), json.size());
  if (doc.HasParseError()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "JSON parse error at offset ", doc.GetErrorOffset(), ": ",
        rapidjson::GetParseError_En(doc.GetParseError())));
  }
  return FromJson(doc);
}

}  // namespace serval::tmpl
