#include "src/template/builtins.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>

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

#define TRY(lhs, expr)                          \
  auto lhs##_or = (expr);                       \
  if (!lhs##_or.ok()) return lhs##_or.status(); \
  auto lhs = *std::move(lhs##_or)

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

// A string result that keeps Markup-ness of the input (markupsafe's
// methods return Markup).
Value Like(const Value& input, std::string s) {
  return input.is_safe() ? Value::Safe(std::move(s)) : Value(std::move(s));
}

std::string Lower(absl::string_view s) { return Utf8Lower(s); }
std::string Upper(absl::string_view s) { return Utf8Upper(s); }

bool IsPySpace(char c) { return absl::ascii_isspace(c); }

// Strict weak order for sort/min/max (Python <); errors on mixed types.
absl::StatusOr<bool> Less(Interpreter* interp, const Value& a,
                          const Value& b) {
  if (a.is_number() && b.is_number()) {
    if (!a.is_float() && !b.is_float()) return a.int_value() < b.int_value();
    return a.AsDouble() < b.AsDouble();
  }
  if (a.is_string() && b.is_string()) return a.str() < b.str();
  if (a.is_list() && b.is_list()) {
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

Value SortKey(const Value& v, bool case_sensitive) {
  if (!case_sensitive && v.is_string()) return Value(Lower(v.str()));
  return v;
}

// Jinja2's attribute path "a.b.0".
Value GetPath(const Value& v, absl::string_view path) {
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

Value AttrOf(const Value& v, const Value* attribute) {
  if (attribute == nullptr || attribute->is_none()) return v;
  if (attribute->is_int()) return v.GetItem(*attribute);
  return GetPath(v, attribute->Str());
}

absl::StatusOr<std::vector<Value>> SortValues(Interpreter* interp,
                                              std::vector<Value> items,
                                              bool reverse,
                                              bool case_sensitive,
                                              const Value* attribute) {
  std::vector<std::pair<Value, Value>> keyed;
  keyed.reserve(items.size());
  for (Value& v : items) {
    keyed.emplace_back(SortKey(AttrOf(v, attribute), case_sensitive),
                       std::move(v));
  }
  absl::Status error;
  std::stable_sort(keyed.begin(), keyed.end(),
                   [&](const auto& x, const auto& y) {
                     if (!error.ok()) return false;
                     absl::StatusOr<bool> r =
                         reverse ? Less(interp, y.first, x.first)
                                 : Less(interp, x.first, y.first);
                     if (!r.ok()) {
                       error = r.status();
                       return false;
                     }
                     return *r;
                   });
  if (!error.ok()) return error;
  std::vector<Value> out;
  out.reserve(keyed.size());
  for (auto& [k, v] : keyed) out.push_back(std::move(v));
  return out;
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

std::string StripTagsImpl(const std::string& s) {
  std::string text;
  size_t i = 0;
  while (i < s.size()) {
    if (s.compare(i, 4, "<!--") == 0) {
      size_t end = s.find("-->", i + 4);
      if (end == std::string::npos) {
        text.append(s, i, std::string::npos);
        break;
      }
      i = end + 3;
    } else if (s[i] == '<' && i + 1 < s.size() &&
               (absl::ascii_isalpha(s[i + 1]) || s[i + 1] == '/' ||
                s[i + 1] == '!')) {
      size_t end = s.find('>', i + 1);
      if (end == std::string::npos) {
        text.append(s, i, std::string::npos);
        break;
      }
      i = end + 1;
    } else {
      text.push_back(s[i++]);
    }
  }
  std::vector<absl::string_view> words =
      absl::StrSplit(text, absl::ByAnyChar(" \t\n\r\f\v"), absl::SkipEmpty());
  std::string joined = absl::StrJoin(words, " ");
  return absl::StrReplaceAll(joined, {{"&lt;", "<"},
                                      {"&gt;", ">"},
                                      {"&quot;", "\""},
                                      {"&#34;", "\""},
                                      {"&#39;", "'"},
                                      {"&amp;", "&"}});
}

void AppendJson(const Value& v, std::string* out) {
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
        if (!first) out->append(", ");
        first = false;
        AppendJson(item, out);
      }
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
        if (!first) out->append(", ");
        first = false;
        AppendJson(Value(k), out);
        out->append(": ");
        AppendJson(*val, out);
      }
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

// Markup % args escapes every argument that is not Markup itself.
Value EscapeOne(const Value& v) {
  if (v.is_string() && !v.is_safe()) return Value::Safe(EscapeString(v.str()));
  if (v.is_list() || v.is_dict() || v.is_none() || v.is_undefined()) {
    return Value::Safe(EscapeString(v.Str()));
  }
  return v;
}
Value EscapeArgs(const Value& args) {
  if (args.is_tuple()) {
    std::vector<Value> items;
    for (const Value& v : args.items()) items.push_back(EscapeOne(v));
    return Value::Tuple(std::move(items));
  }
  if (args.is_dict()) {
    auto d = std::make_shared<DictData>();
    for (const auto& [k, v] : args.dict().entries()) d->Set(k, EscapeOne(v));
    return Value::FromDict(std::move(d));
  }
  return EscapeOne(args);
}

using FilterMap = absl::flat_hash_map<std::string, FilterFn>;
using TestMap = absl::flat_hash_map<std::string, TestFn>;

absl::StatusOr<Value> SelectOrReject(Interpreter* interp, const Value& input,
                                     CallArgs& args, bool select,
                                     bool by_attr) {
  TRY(items, interp->Iterate(input));
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
  std::vector<Value> out;
  for (const Value& item : items) {
    Value v = by_attr ? AttrOf(item, &attr) : item;
    bool keep;
    if (test.empty()) {
      keep = v.Truthy();
    } else {
      CallArgs a = test_args;
      TRY(r, interp->ApplyTest(test, v, a));
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
    std::string s = Lower(v.Str());
    if (!s.empty()) s[0] = absl::ascii_toupper(s[0]);
    return Like(v, std::move(s));
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
    std::string by = ArgOr(a, 1, "by", Value("key")).Str();
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
  f["filesizeformat"] = [](Interpreter*, const Value& v, CallArgs& a)
      -> absl::StatusOr<Value> {
    bool binary = ArgOr(a, 0, "binary", Value(false)).Truthy();
    double bytes = v.is_string() ? std::strtod(v.str().c_str(), nullptr)
                                 : v.AsDouble();
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
    double unit = base;
    for (int i = 0; i < 8; ++i) {
      unit = std::pow(base, i + 2);
      if (bytes < unit || i == 7) {
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
  f["float"] = [](Interpreter*, const Value& v, CallArgs& a)
      -> absl::StatusOr<Value> {
    if (v.is_number()) return Value(v.AsDouble());
    double d;
    if (v.is_string() &&
        absl::SimpleAtod(absl::StripAsciiWhitespace(v.str()), &d)) {
      return Value(d);
    }
    return ArgOr(a, 0, "default", Value(0.0));
  };
  f["int"] = [](Interpreter*, const Value& v, CallArgs& a)
      -> absl::StatusOr<Value> {
    if (v.is_float()) return Value(static_cast<int64_t>(v.float_value()));
    if (v.is_number()) return Value(v.int_value());
    if (v.is_string()) {
      std::string s(absl::StripAsciiWhitespace(v.str()));
      s.erase(std::remove(s.begin(), s.end(), '_'), s.end());
      int64_t i;
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
    Value args = a.positional.size() == 1 && a.positional[0].is_dict()
                     ? a.positional[0]
                     : Value::Tuple(a.positional);
    if (!a.named.empty()) {
      auto d = std::make_shared<DictData>();
      for (auto& [k, val] : a.named) d->Set(Value(k), val);
      args = Value::FromDict(d);
    }
    TRY(s, in->PercentFormat(v.Str(), v.is_safe() ? EscapeArgs(args)
                                                     : args));
    return Like(v, std::move(s));
  };
  f["groupby"] = [](Interpreter* in, const Value& v, CallArgs& a)
      -> absl::StatusOr<Value> {
    TRY(items, in->Iterate(v));
    Value attr = ArgOr(a, 0, "attribute", Value());
    const Value* dflt = Arg(a, 1, "default");
    bool cs = ArgOr(a, 2, "case_sensitive", Value(false)).Truthy();
    std::vector<Value> keyed;
    for (Value& item : items) {
      Value key = AttrOf(item, &attr);
      if (key.is_undefined() && dflt != nullptr) key = *dflt;
      keyed.push_back(Value::Tuple({key, item}));
    }
    Value zero(0);
    Value key_attr(0);
    std::vector<Value> pairs;
    for (Value& kv : keyed) {
      pairs.push_back(Value::Tuple({SortKey(kv.items()[0], cs), kv}));
    }
    TRY(sorted, SortValues(in, std::move(pairs), false, true, &zero));
    std::vector<Value> groups;
    for (const Value& p : sorted) {
      const Value& norm = p.items()[0];
      const Value& orig = p.items()[1].items()[0];
      const Value& item = p.items()[1].items()[1];
      if (groups.empty() ||
          !SortKey(groups.back().items()[0], cs).Equals(norm)) {
        groups.push_back(Value::Tuple({orig, Value::List()}));
      }
      groups.back().items()[1].mutable_items()->push_back(item);
    }
    return Value::List(std::move(groups));
  };
  f["indent"] = [](Interpreter* in, const Value& v, CallArgs& a)
      -> absl::StatusOr<Value> {
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
    TRY(items, in->Iterate(v));
    Value sep = ArgOr(a, 0, "d", Value(""));
    const Value* attr = Arg(a, 1, "attribute");
    for (Value& item : items) item = AttrOf(item, attr);
    bool markup = sep.is_safe();
    for (const Value& item : items) markup = markup || item.is_safe();
    std::string out;
    for (size_t i = 0; i < items.size(); ++i) {
      if (i) {
        if (markup && in->autoescape() && !sep.is_safe()) {
          AppendEscaped(sep.Str(), &out);
        } else {
          out += sep.Str();
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
      for (const Value& item : items) {
        Value r = AttrOf(item, attr);
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
      for (size_t i = 1; i < items.size(); ++i) {
        Value x = SortKey(AttrOf(items[i], attr), cs);
        Value y = SortKey(AttrOf(best, attr), cs);
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
    TRY(precision, ToInt(in, ArgOr(a, 0, "precision", Value(0))));
    std::string method = ArgOr(a, 1, "method", Value("common")).Str();
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
      -> absl::StatusOr<Value> { return Value(StripTagsImpl(v.Str())); };
  f["sum"] = [](Interpreter* in, const Value& v, CallArgs& a)
      -> absl::StatusOr<Value> {
    TRY(items, in->Iterate(v));
    const Value* attr = Arg(a, 0, "attribute");
    Value total = ArgOr(a, 1, "start", Value(0));
    for (const Value& item : items) {
      TRY(next, BinaryOp(in, "+", total, AttrOf(item, attr)));
      total = std::move(next);
    }
    return total;
  };
  f["title"] = [](Interpreter*, const Value& v, CallArgs&)
      -> absl::StatusOr<Value> {
    std::string s = v.Str();
    bool start = true;
    for (char& c : s) {
      if (IsPySpace(c) || c == '-' || c == '(' || c == '{' || c == '[' ||
          c == '<') {
        start = true;
        continue;
      }
      c = start ? absl::ascii_toupper(c) : absl::ascii_tolower(c);
      start = false;
    }
    return Like(v, std::move(s));
  };
  f["tojson"] = [](Interpreter*, const Value& v, CallArgs&)
      -> absl::StatusOr<Value> {
    std::string out;
    AppendJson(v, &out);
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
    std::string end = ArgOr(a, 2, "end", Value("...")).Str();
    TRY(leeway, ToInt(in, ArgOr(a, 3, "leeway", Value(5))));
    std::vector<std::string> cps = SplitCodepoints(v.Str());
    int64_t n = static_cast<int64_t>(cps.size());
    if (n <= length + leeway) return v.is_string() ? v : Value(v.Str());
    int64_t keep = std::max<int64_t>(
        0, length - static_cast<int64_t>(CodepointCount(end)));
    std::string head;
    for (int64_t i = 0; i < keep && i < n; ++i) head += cps[i];
    if (!killwords) {
      size_t sp = head.rfind(' ');
      if (sp != std::string::npos) head.resize(sp);
    }
    return Value(head + end);
  };
  f["unique"] = [](Interpreter* in, const Value& v, CallArgs& a)
      -> absl::StatusOr<Value> {
    TRY(items, in->Iterate(v));
    bool cs = ArgOr(a, 0, "case_sensitive", Value(false)).Truthy();
    const Value* attr = Arg(a, 1, "attribute");
    std::vector<Value> out, seen;
    for (const Value& item : items) {
      Value key = SortKey(AttrOf(item, attr), cs);
      bool dup = false;
      for (const Value& s : seen) dup = dup || s.Equals(key);
      if (!dup) {
        seen.push_back(key);
        out.push_back(item);
      }
    }
    return Value::List(std::move(out));
  };
  f["urlencode"] = [](Interpreter*, const Value& v, CallArgs&)
      -> absl::StatusOr<Value> {
    if (v.is_dict()) {
      std::vector<std::string> parts;
      for (const auto& [k, val] : v.dict().entries()) {
        parts.push_back(UrlQuote(k.Str(), true) + "=" +
                        UrlQuote(val.Str(), true));
      }
      return Value(absl::StrJoin(parts, "&"));
    }
    return Value(UrlQuote(v.Str(), false));
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
    t[name] = [fn](Interpreter*, const Value& v, CallArgs&)
                  -> absl::StatusOr<bool> { return fn(v); };
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
  simple("iterable", [](const Value& v) {
    return v.is_string() || v.is_list() || v.is_dict() ||
           (v.is_object() && v.object().Iterate().has_value());
  });
  simple("sequence", [](const Value& v) {
    return v.is_string() || v.is_list() || v.is_dict();
  });
  simple("callable", [](const Value& v) { return v.is_callable(); });
  simple("escaped", [](const Value& v) { return v.is_safe(); });
  simple("lower", [](const Value& v) {
    std::string s = v.Str();
    return Lower(s) == s && Upper(s) != s;
  });
  simple("upper", [](const Value& v) {
    std::string s = v.Str();
    return Upper(s) == s && Lower(s) != s;
  });
  t["odd"] = [](Interpreter* in, const Value& v, CallArgs&)
      -> absl::StatusOr<bool> {
    TRY(i, ToInt(in, v));
    return ((i % 2) + 2) % 2 == 1;
  };
  t["even"] = [](Interpreter* in, const Value& v, CallArgs&)
      -> absl::StatusOr<bool> {
    TRY(i, ToInt(in, v));
    return i % 2 == 0;
  };
  t["divisibleby"] = [](Interpreter* in, const Value& v, CallArgs& a)
      -> absl::StatusOr<bool> {
    TRY(i, ToInt(in, v));
    TRY(n, ToInt(in, ArgOr(a, 0, "num", Value(1))));
    if (n == 0) return in->Error("integer division or modulo by zero");
    return i % n == 0;
  };
  auto cmp = [&t](std::vector<const char*> names, const char* op) {
    for (const char* name : names) {
      t[name] = [op](Interpreter* in, const Value& v, CallArgs& a)
                    -> absl::StatusOr<bool> {
        return Compare(in, op, v, ArgOr(a, 0, "other", Value()));
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

absl::flat_hash_map<std::string, Value> MakeGlobals() {
  absl::flat_hash_map<std::string, Value> g;
  g["range"] = MakeFn("range", [](Interpreter* in, CallArgs& a)
                                   -> absl::StatusOr<Value> {
    std::vector<int64_t> n;
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
  g["joiner"] = MakeFn("joiner", [](Interpreter*, CallArgs& a)
                                     -> absl::StatusOr<Value> {
    std::string sep = ArgOr(a, 0, "sep", Value(", ")).Str();
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
      double r = std::fmod(dx, dy);
      if (r != 0 && ((r < 0) != (dy < 0))) r += dy;
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
    TRY(s, PyPercentFormat(in, a.str(), a.is_safe() ? EscapeArgs(b) : b));
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
                                            const Value& args) {
  std::vector<Value> positional;
  if (args.is_tuple()) {
    positional = args.items();
  } else if (!args.is_dict()) {
    positional.push_back(args);
  }
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
      if (close == std::string::npos || !args.is_dict()) {
        return in->Error("format requires a mapping");
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
  if (!args.is_dict() && next < positional.size()) {
    return in->Error("not all arguments converted during string formatting");
  }
  return out;
}

// --- methods -------------------------------------------------------------

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
      for (const Value& o : options) {
        if (name == "startswith" ? absl::StartsWith(s, o.Str())
                                 : absl::EndsWith(s, o.Str())) {
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
    if (name == "title" || name == "capitalize" || name == "center") {
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
  return StripTagsImpl(std::string(html));
}

}  // namespace serval::tmpl
