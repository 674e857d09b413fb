#include "src/build/site_functions.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <memory>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "src/base/slug.h"
#include "src/build/incremental.h"
#include "src/content/date.h"
#include "src/markdown/markdown.h"
#include "src/postprocess/outputs.h"
#include "src/site/config.h"

namespace serval::build {
namespace {

// Records site key `key` on the render running on this thread, if any.
void Record(absl::string_view key) {
  if (cache::RenderRecorder* r = RecordingScope::Current()) r->AddSiteKey(key);
}


using tmpl::CallArgs;
using tmpl::Interpreter;
using tmpl::Value;

// The argument at `index`, or the keyword `name`; nullptr if absent.
const Value* Arg(const CallArgs& args, size_t index, absl::string_view name) {
  for (const auto& [key, value] : args.named) {
    if (key == name) return &value;
  }
  return index < args.positional.size() ? &args.positional[index] : nullptr;
}

std::string StrArg(const CallArgs& args, size_t index, absl::string_view name,
                   absl::string_view fallback) {
  const Value* v = Arg(args, index, name);
  return v == nullptr || v->is_undefined() ? std::string(fallback) : v->Str();
}

int64_t IntArg(const CallArgs& args, size_t index, absl::string_view name,
               int64_t fallback) {
  const Value* v = Arg(args, index, name);
  if (v == nullptr || !v->is_number()) return fallback;
  return v->is_float() ? static_cast<int64_t>(v->float_value())
                       : v->int_value();
}

bool BoolArg(const CallArgs& args, size_t index, absl::string_view name) {
  const Value* v = Arg(args, index, name);
  return v != nullptr && v->Truthy();
}

class FunctionValue : public tmpl::Callable {
 public:
  using Fn = std::function<absl::StatusOr<Value>(CallArgs&)>;
  FunctionValue(std::string name, Fn fn)
      : name_(std::move(name)), fn_(std::move(fn)) {}
  absl::StatusOr<Value> Call(Interpreter*, CallArgs& args) const override {
    return fn_(args);
  }
  std::string_view Name() const override { return name_; }

 private:
  const std::string name_;
  const Fn fn_;
};

// A time from a DateValue or a date string.
std::optional<absl::Time> TimeArg(const Value& v) {
  if (std::optional<absl::Time> t = TimeOf(v)) return t;
  if (v.is_string()) {
    absl::StatusOr<absl::Time> t = content::ParseDate(v.str());
    if (t.ok()) return *t;
  }
  return std::nullopt;
}

// Items of a list-like value (list, tuple or iterable object).
std::vector<Value> ItemsOf(const Value& v) {
  if (v.is_list()) return v.items();
  if (v.is_object()) {
    if (std::optional<std::vector<Value>> items = v.object().Iterate()) {
      return *items;
    }
  }
  return {};
}

// `item.a.b` for a dotted key.
Value Lookup(const Value& item, absl::string_view key) {
  Value current = item;
  for (absl::string_view part : absl::StrSplit(key, '.')) {
    current = current.GetAttr(part);
    if (current.is_undefined()) break;
  }
  return current;
}

// A total order for sort_by: missing and None last, then numbers, dates,
// strings (bytewise), anything else by str().
int Compare(const Value& a, const Value& b) {
  const bool a_missing = a.is_undefined() || a.is_none();
  const bool b_missing = b.is_undefined() || b.is_none();
  if (a_missing || b_missing) return a_missing - b_missing;
  if (a.is_number() && b.is_number()) {
    const double x = a.AsDouble(), y = b.AsDouble();
    return x < y ? -1 : (y < x ? 1 : 0);
  }
  std::optional<absl::Time> ta = TimeOf(a), tb = TimeOf(b);
  if (ta && tb) return *ta < *tb ? -1 : (*tb < *ta ? 1 : 0);
  const std::string sa = a.Str(), sb = b.Str();
  return sa.compare(sb) < 0 ? -1 : (sa == sb ? 0 : 1);
}

bool Contains(const Value& container, const Value& needle) {
  if (container.is_list()) {
    for (const Value& item : container.items()) {
      if (item.Equals(needle)) return true;
    }
    return false;
  }
  if (container.is_string()) {
    return absl::StrContains(container.str(), needle.Str());
  }
  return false;
}

bool Matches(const Value& attr, absl::string_view op, const Value& value) {
  if (op == "eq" || op == "==") return attr.Equals(value);
  if (op == "ne" || op == "!=") return !attr.Equals(value);
  if (op == "gt" || op == ">") return Compare(attr, value) > 0;
  if (op == "ge" || op == ">=") return Compare(attr, value) >= 0;
  if (op == "lt" || op == "<") return Compare(attr, value) < 0;
  if (op == "le" || op == "<=") return Compare(attr, value) <= 0;
  if (op == "in") {
    return attr.is_list() ? Contains(attr, value) : Contains(value, attr);
  }
  if (op == "not_in" || op == "not in") {
    return !(attr.is_list() ? Contains(attr, value) : Contains(value, attr));
  }
  return false;
}

absl::StatusOr<Value> Where(const Value& input, CallArgs& args, bool negate) {
  const std::string key = StrArg(args, 0, "key", "");
  const Value* value = Arg(args, 1, "value");
  const std::string op = StrArg(args, 2, "operator", "eq");
  if (key.empty() || value == nullptr) {
    return absl::InvalidArgumentError(
        "where: expected where(items, key, value[, operator])");
  }
  std::vector<Value> kept;
  for (const Value& item : ItemsOf(input)) {
    if (Matches(Lookup(item, key), op, *value) != negate) kept.push_back(item);
  }
  return Value::List(std::move(kept));
}

void AppendJsonString(absl::string_view s, std::string* out) {
  out->push_back('"');
  for (unsigned char c : s) {
    switch (c) {
      case '"': out->append("\\\""); break;
      case '\\': out->append("\\\\"); break;
      case '\n': out->append("\\n"); break;
      case '\r': out->append("\\r"); break;
      case '\t': out->append("\\t"); break;
      // HTML-significant characters, so the JSON is safe inside a page
      // (as Jinja2's tojson).
      case '<': out->append("\\u003c"); break;
      case '>': out->append("\\u003e"); break;
      case '&': out->append("\\u0026"); break;
      case '\'': out->append("\\u0027"); break;
      default:
        if (c < 0x20) {
          absl::StrAppendFormat(out, "\\u%04x", c);
        } else {
          out->push_back(static_cast<char>(c));
        }
    }
  }
  out->push_back('"');
}

void AppendJson(const Value& v, int depth, std::string* out) {
  if (depth > 64) {
    out->append("null");
    return;
  }
  switch (v.kind()) {
    case Value::Kind::kUndefined:
    case Value::Kind::kNone:
      out->append("null");
      return;
    case Value::Kind::kBool:
      out->append(v.bool_value() ? "true" : "false");
      return;
    case Value::Kind::kInt:
      absl::StrAppend(out, v.int_value());
      return;
    case Value::Kind::kFloat:
      if (std::isfinite(v.float_value())) {
        out->append(tmpl::FormatFloat(v.float_value()));
      } else {
        out->append("null");
      }
      return;
    case Value::Kind::kString:
      AppendJsonString(v.str(), out);
      return;
    case Value::Kind::kList: {
      out->push_back('[');
      bool first = true;
      for (const Value& item : v.items()) {
        if (!first) out->append(", ");
        first = false;
        AppendJson(item, depth + 1, out);
      }
      out->push_back(']');
      return;
    }
    case Value::Kind::kDict: {
      out->push_back('{');
      bool first = true;
      for (const auto& [key, value] : v.dict().entries()) {
        if (!first) out->append(", ");
        first = false;
        AppendJsonString(key.Str(), out);
        out->append(": ");
        AppendJson(value, depth + 1, out);
      }
      out->push_back('}');
      return;
    }
    case Value::Kind::kCallable:
      out->append("null");
      return;
    case Value::Kind::kObject:
      if (std::optional<absl::Time> t = TimeOf(v)) {
        AppendJsonString(content::FormatDateRfc3339(*t), out);
      } else {
        AppendJsonString(v.Str(), out);
      }
      return;
  }
}

std::vector<absl::string_view> Words(absl::string_view text) {
  return absl::StrSplit(text, absl::ByAnyChar(" \t\n\r\f\v"),
                        absl::SkipEmpty());
}

// Cuts `text` to at most `limit` bytes at a word boundary (or a UTF-8
// character boundary when there is none), adding an ellipsis when cut.
std::string CutText(const std::string& text, size_t limit) {
  if (text.size() <= limit) return text;
  size_t cut = text.rfind(' ', limit);
  if (cut == std::string::npos || cut == 0) {
    cut = limit;
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) {
      --cut;
    }
  }
  return absl::StrCat(absl::StripTrailingAsciiWhitespace(text.substr(0, cut)),
                      "\xE2\x80\xA6");
}

std::string TimeAgo(absl::Time then, absl::Time now) {
  const int64_t seconds = absl::ToInt64Seconds(now - then);
  if (seconds < 60) return seconds < 0 ? "in the future" : "just now";
  auto ago = [](int64_t n, const char* unit) {
    return absl::StrCat(n, " ", unit, n == 1 ? "" : "s", " ago");
  };
  if (seconds < 3600) return ago(seconds / 60, "minute");
  if (seconds < 86400) return ago(seconds / 3600, "hour");
  const int64_t days = seconds / 86400;
  if (days < 30) return ago(days, "day");
  if (days < 365) return ago(days / 30, "month");
  return ago(days / 365, "year");
}

std::vector<std::string> TagsOf(const Value& input) {
  std::vector<std::string> tags;
  const Value list = input.is_object() ? input.GetAttr("tags") : input;
  for (const Value& tag : ItemsOf(list)) tags.push_back(tag.Str());
  return tags;
}

}  // namespace

std::string HtmlToText(absl::string_view html) {
  return tmpl::StripTags(html);
}

std::string ValueToJson(const Value& value) {
  std::string out;
  AppendJson(value, 0, &out);
  return out;
}

void RegisterSiteFunctions(const SiteView& view, tmpl::Environment* env) {
  const SiteView* v = &view;
  const std::string base_path = site::BaseUrlPath(view.site().config.baseurl);

  auto absolute_url = [v](const std::string& url) -> std::string {
    if (absl::StartsWith(url, "http://") || absl::StartsWith(url, "https://") ||
        absl::StartsWith(url, "//") || absl::StartsWith(url, "mailto:")) {
      return url;
    }
    return postprocess::Permalink(
        v->site().config, absl::StartsWith(url, "/") ? url : "/" + url);
  };
  auto url_for = [base_path](const Value& target) -> std::string {
    std::string url =
        target.is_object() ? target.GetAttr("url").Str() : target.Str();
    absl::string_view rest = url;
    if (absl::StartsWith(url, "http://") || absl::StartsWith(url, "https://")) {
      return url;
    }
    absl::ConsumePrefix(&rest, "/");
    return absl::StrCat(base_path, rest);
  };
  auto tag_url = [](const std::string& tag,
                     const std::string& taxonomy) -> std::string {
    return absl::StrCat("/", taxonomy, "/", base::Slugify(tag), "/");
  };
  auto get_page = [v](const std::string& ref) -> Value {
    Record(LookupKey(ref));
    const site::Page* page = FindPageRef(v->site(), ref);
    return page == nullptr ? Value::None() : v->PageValue(page);
  };

  // --- filters --------------------------------------------------------
  env->AddFilter("absolute_url", [absolute_url](Interpreter*, const Value& in,
                                                CallArgs&)
                     -> absl::StatusOr<Value> {
    return Value(absolute_url(in.Str()));
  });
  env->AddFilter("url_for", [url_for](Interpreter*, const Value& in, CallArgs&)
                     -> absl::StatusOr<Value> { return Value(url_for(in)); });
  env->AddFilter("dateformat", [](Interpreter*, const Value& in, CallArgs& a)
                     -> absl::StatusOr<Value> {
    std::optional<absl::Time> t = TimeArg(in);
    if (!t) return Value("");
    return Value(absl::FormatTime(StrArg(a, 0, "format", "%Y-%m-%d"), *t,
                                  absl::UTCTimeZone()));
  });
  env->AddFilter("date_iso", [](Interpreter*, const Value& in, CallArgs&)
                     -> absl::StatusOr<Value> {
    std::optional<absl::Time> t = TimeArg(in);
    return Value(t ? content::FormatDateRfc3339(*t) : std::string());
  });
  env->AddFilter("time_ago", [v](Interpreter*, const Value& in, CallArgs&)
                     -> absl::StatusOr<Value> {
    std::optional<absl::Time> t = TimeArg(in);
    Record(kBuildTimeKey);
    return Value(t ? TimeAgo(*t, v->build_time()) : std::string());
  });
  env->AddFilter("markdownify", [](Interpreter*, const Value& in, CallArgs&)
                     -> absl::StatusOr<Value> {
    markdown::MarkdownOptions options;
    options.source_path = "<markdownify>";
    absl::StatusOr<markdown::RenderedMarkdown> md =
        markdown::RenderMarkdown(in.Str(), options);
    if (!md.ok()) return md.status();
    return Value::Safe(std::move(md->html));
  });
  env->AddFilter("slugify", [](Interpreter*, const Value& in, CallArgs&)
                     -> absl::StatusOr<Value> {
    return Value(base::Slugify(in.Str()));
  });
  env->AddFilter("excerpt", [](Interpreter*, const Value& in, CallArgs& a)
                     -> absl::StatusOr<Value> {
    return Value(CutText(HtmlToText(in.Str()),
                         static_cast<size_t>(std::max<int64_t>(
                             1, IntArg(a, 0, "length", 200)))));
  });
  env->AddFilter("truncatewords", [](Interpreter*, const Value& in,
                                     CallArgs& a) -> absl::StatusOr<Value> {
    const std::string text = in.Str();
    std::vector<absl::string_view> words = Words(text);
    const int64_t count = std::max<int64_t>(0, IntArg(a, 0, "count", 50));
    if (static_cast<int64_t>(words.size()) <= count) return Value(text);
    words.resize(count);
    return Value(absl::StrCat(absl::StrJoin(words, " "),
                              StrArg(a, 1, "end", "...")));
  });
  env->AddFilter("reading_time", [](Interpreter*, const Value& in, CallArgs&)
                     -> absl::StatusOr<Value> {
    if (in.is_object()) return in.GetAttr("reading_time");
    const int64_t words = Words(HtmlToText(in.Str())).size();
    return Value(static_cast<int64_t>(words == 0 ? 0 : (words + 199) / 200));
  });
  env->AddFilter("word_count", [](Interpreter*, const Value& in, CallArgs&)
                     -> absl::StatusOr<Value> {
    if (in.is_object()) return in.GetAttr("word_count");
    return Value(static_cast<int64_t>(Words(HtmlToText(in.Str())).size()));
  });
  env->AddFilter("where", [](Interpreter*, const Value& in, CallArgs& a) {
    return Where(in, a, /*negate=*/false);
  });
  env->AddFilter("where_not", [](Interpreter*, const Value& in, CallArgs& a) {
    return Where(in, a, /*negate=*/true);
  });
  env->AddFilter("sort_by", [](Interpreter*, const Value& in, CallArgs& a)
                     -> absl::StatusOr<Value> {
    const std::string key = StrArg(a, 0, "key", "");
    const bool reverse = BoolArg(a, 1, "reverse");
    std::vector<Value> items = ItemsOf(in);
    std::vector<std::pair<Value, Value>> keyed;
    keyed.reserve(items.size());
    for (Value& item : items) {
      keyed.emplace_back(key.empty() ? item : Lookup(item, key), item);
    }
    std::stable_sort(keyed.begin(), keyed.end(),
                     [reverse](const auto& x, const auto& y) {
                       const int c = Compare(x.first, y.first);
                       return reverse ? c > 0 : c < 0;
                     });
    std::vector<Value> sorted;
    sorted.reserve(keyed.size());
    for (auto& entry : keyed) sorted.push_back(std::move(entry.second));
    return Value::List(std::move(sorted));
  });
  env->AddFilter("group_by", [](Interpreter*, const Value& in, CallArgs& a)
                     -> absl::StatusOr<Value> {
    const std::string key = StrArg(a, 0, "key", "");
    Value groups = Value::Dict();
    for (const Value& item : ItemsOf(in)) {
      const std::string group = Lookup(item, key).Str();
      const tmpl::Value* existing = groups.dict().Find(absl::string_view(group));
      if (existing == nullptr) {
        groups.mutable_dict()->Set(Value(group), Value::List({item}));
      } else {
        existing->mutable_items()->push_back(item);
      }
    }
    return groups;
  });
  env->AddFilter("limit", [](Interpreter*, const Value& in, CallArgs& a)
                     -> absl::StatusOr<Value> {
    std::vector<Value> items = ItemsOf(in);
    const int64_t n = std::max<int64_t>(0, IntArg(a, 0, "count", 0));
    if (static_cast<int64_t>(items.size()) > n) items.resize(n);
    return Value::List(std::move(items));
  });
  env->AddFilter("first_sentence", [](Interpreter*, const Value& in,
                                      CallArgs& a) -> absl::StatusOr<Value> {
    const std::string text = HtmlToText(in.Str());
    for (size_t i = 0; i < text.size(); ++i) {
      if ((text[i] == '.' || text[i] == '!' || text[i] == '?') &&
          (i + 1 == text.size() || text[i + 1] == ' ')) {
        return Value(text.substr(0, i + 1));
      }
    }
    return Value(CutText(text, static_cast<size_t>(std::max<int64_t>(
                                   1, IntArg(a, 0, "max_length", 200)))));
  });
  env->AddFilter("strip_html", [](Interpreter*, const Value& in, CallArgs&)
                     -> absl::StatusOr<Value> {
    return Value(HtmlToText(in.Str()));
  });
  env->AddFilter("jsonify", [](Interpreter*, const Value& in, CallArgs&)
                     -> absl::StatusOr<Value> {
    return Value::Safe(ValueToJson(in));
  });
  env->AddFilter("pluralize", [](Interpreter*, const Value& in, CallArgs& a)
                     -> absl::StatusOr<Value> {
    const bool one = in.is_number() ? in.AsDouble() == 1
                                    : in.Length().value_or(0) == 1;
    const Value* singular = Arg(a, 0, "singular");
    const Value* plural = Arg(a, 1, "plural");
    if (singular == nullptr) return Value(one ? "" : "s");
    if (plural == nullptr) {
      return Value(one ? singular->Str() : singular->Str() + "s");
    }
    return Value(one ? singular->Str() : plural->Str());
  });
  env->AddFilter("meta_keywords", [](Interpreter*, const Value& in,
                                     CallArgs& a) -> absl::StatusOr<Value> {
    std::vector<std::string> tags = TagsOf(in);
    const int64_t max = std::max<int64_t>(0, IntArg(a, 0, "max", 10));
    if (static_cast<int64_t>(tags.size()) > max) tags.resize(max);
    return Value(absl::StrJoin(tags, ", "));
  });
  env->AddFilter("has_tag", [](Interpreter*, const Value& in, CallArgs& a)
                     -> absl::StatusOr<Value> {
    const std::string wanted = absl::AsciiStrToLower(StrArg(a, 0, "tag", ""));
    for (const std::string& tag : TagsOf(in)) {
      if (absl::AsciiStrToLower(tag) == wanted) return Value(true);
    }
    return Value(false);
  });
  env->AddFilter("asset_url", [v](Interpreter*, const Value& in, CallArgs&)
                     -> absl::StatusOr<Value> {
    Record(AssetKey(in.Str()));
    return Value(v->manifest().Url(in.Str()));
  });
  env->AddFilter("tag_url", [tag_url](Interpreter*, const Value& in,
                                      CallArgs& a) -> absl::StatusOr<Value> {
    return Value(tag_url(in.Str(), StrArg(a, 0, "taxonomy", "tags")));
  });

  // --- globals --------------------------------------------------------
  auto global = [env](std::string name, FunctionValue::Fn fn) {
    env->AddGlobal(name, Value::FromCallable(std::make_shared<FunctionValue>(
                             name, std::move(fn))));
  };
  global("absolute_url", [absolute_url](CallArgs& a) -> absl::StatusOr<Value> {
    return Value(absolute_url(StrArg(a, 0, "url", "/")));
  });
  global("url_for", [url_for](CallArgs& a) -> absl::StatusOr<Value> {
    const Value* target = Arg(a, 0, "target");
    return Value(url_for(target == nullptr ? Value("/") : *target));
  });
  global("asset_url", [v](CallArgs& a) -> absl::StatusOr<Value> {
    const std::string path = StrArg(a, 0, "path", "");
    Record(AssetKey(path));
    return Value(v->manifest().Url(path));
  });
  global("tag_url", [tag_url](CallArgs& a) -> absl::StatusOr<Value> {
    return Value(tag_url(StrArg(a, 0, "tag", ""),
                         StrArg(a, 1, "taxonomy", "tags")));
  });
  global("get_page", [get_page](CallArgs& a) -> absl::StatusOr<Value> {
    return get_page(StrArg(a, 0, "path", ""));
  });
  global("get_section", [v](CallArgs& a) -> absl::StatusOr<Value> {
    std::string name = StrArg(a, 0, "name", "");
    Record(SectionLookupKey(name));
    const site::Page* page = FindSectionRef(v->site(), name);
    return page == nullptr ? Value::None() : v->PageValue(page);
  });
  global("icon", [](CallArgs& a) -> absl::StatusOr<Value> {
    const std::string name = base::Slugify(StrArg(a, 0, "name", ""));
    return Value::Safe(absl::StrCat("<span class=\"icon icon-", name,
                                    "\" aria-hidden=\"true\"></span>"));
  });
  global("now", [v](CallArgs&) -> absl::StatusOr<Value> {
    Record(kBuildTimeKey);
    return DateValue(v->build_time());
  });
}

}  // namespace serval::build
