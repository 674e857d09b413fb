// value.h — the dynamic value type of Serval's Jinja2 engine.
//
// A Value is one of: undefined, none, bool, int (int64), float (double),
// string (UTF-8; a "safe" flag marks Jinja2/markupsafe Markup), list (also
// tuples), dict (insertion-ordered, like a Python dict), callable (filters,
// macros, globals, bound methods) or object (a lazy host object: Serval's
// site and pages implement Object so that a page render reads only the
// attributes it uses and never copies the site).
//
// Values are cheap to copy: scalars inline, everything else behind one
// shared_ptr. Lists and dicts are shared by reference, as in Python (a
// `{% do list.append(x) %}` is seen through every copy). Values built while
// compiling a template (literals) are never mutated after compilation, so
// compiled templates can be shared by threads; values built during one
// render belong to that render's thread.
//
// Example:
//   Value page = Value::Dict({{"title", Value("Hello <World>")}});
//   std::string s = page.GetAttr("title").Str();   // "Hello <World>"
//   std::string html = Escape(page.GetAttr("title")); // "Hello &lt;World&gt;"
//
// Python formatting is followed for str()/repr(): None, True, 1.0, 1e+20,
// [1, 'a'], {'a': 1}. Integers are int64 (Python's are unbounded: overflow
// is the one documented deviation).
//
// Thread-safety: a Value is as thread-safe as a shared_ptr to its payload:
// concurrent reads are safe; mutation (list append, dict set) is not
// synchronised and is only done by the render that built the value.
#ifndef SERVAL_TEMPLATE_VALUE_H_
#define SERVAL_TEMPLATE_VALUE_H_

#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/attributes.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/inlined_vector.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace serval::tmpl {

class Value;
class Interpreter;  // the renderer; opaque to host code

// Arguments of a call (defined after Value below).
struct CallArgs;

// Something a template can call: a global function, a macro, a bound
// method, loop.cycle... `interp` is the running render (never null when
// called from a template; host code may pass null to functions that do not
// render).
class Callable {
 public:
  virtual ~Callable() = default;
  virtual absl::StatusOr<Value> Call(Interpreter* interp,
                                     CallArgs& args) const = 0;
  virtual std::string_view Name() const = 0;
  // How the value prints (Python's repr of it).
  virtual std::string Repr() const {
    return "<function " + std::string(Name()) + ">";
  }
};

// A filter: input value and call arguments to a value; a test: to a bool.
using FilterFn = std::function<absl::StatusOr<Value>(
    Interpreter* interp, const Value& input, CallArgs& args)>;
using TestFn = std::function<absl::StatusOr<bool>(
    Interpreter* interp, const Value& input, CallArgs& args)>;

// A lazy host object (site, page, section...). Implementations must be
// safe for concurrent const calls when shared between render threads.
class Object {
 public:
  virtual ~Object() = default;
  // Python-like type name used in error messages ("page object").
  virtual std::string TypeName() const = 0;
  // The attribute `name`, or nullopt when the object has none (the
  // template then sees an undefined value).
  virtual std::optional<Value> GetAttr(absl::string_view name) const = 0;
  // The elements when iterated, or nullopt if not iterable.
  virtual std::optional<std::vector<Value>> Iterate() const {
    return std::nullopt;
  }
  // length, or nullopt when the object has none.
  virtual std::optional<int64_t> Length() const { return std::nullopt; }
  // str(object).
  virtual std::string Str() const { return "<" + TypeName() + ">"; }
};

// A name's tag: its length and first seven bytes in one word. Names with
// different tags differ; names with the same tag are equal when shorter
// than eight bytes (SameName compares the rest of longer ones). The tags
// of the names a template reads are made when it is compiled (Expr::tag),
// so finding a variable or a key compares words, not strings.
constexpr uint64_t NameTag(absl::string_view s) {
  uint64_t tag = 0;
  const size_t n = s.size() < 7 ? s.size() : 7;
  for (size_t i = 0; i < n; ++i) {
    tag |= uint64_t{static_cast<uint8_t>(s[i])} << (8 * i);
  }
  return tag | uint64_t{s.size() < 255 ? s.size() : 255} << 56;
}

// Whether name `a` with tag `a_tag` equals name `b` with tag `b_tag`.
inline bool SameName(uint64_t a_tag, absl::string_view a, uint64_t b_tag,
                     absl::string_view b) {
  return a_tag == b_tag &&
         (a.size() < 8 ||
          (a.size() == b.size() &&
           std::memcmp(a.data() + 7, b.data() + 7, a.size() - 7) == 0));
}

struct ListData;
class DictData;

class Value {
 public:
  enum class Kind : uint8_t {
    kUndefined,
    kNone,
    kBool,
    kInt,
    kFloat,
    kString,
    kList,
    kDict,
    kCallable,
    kObject,
  };

  Value() : kind_(Kind::kUndefined) {}
  Value(bool b) : kind_(Kind::kBool) { b_ = b; }  // NOLINT
  Value(int v) : kind_(Kind::kInt) { i_ = v; }  // NOLINT
  Value(int64_t v) : kind_(Kind::kInt) { i_ = v; }  // NOLINT
  Value(double v) : kind_(Kind::kFloat) { d_ = v; }  // NOLINT
  Value(std::string s);  // NOLINT
  Value(const char* s) : Value(std::string(s)) {}  // NOLINT
  Value(absl::string_view s) : Value(std::string(s)) {}  // NOLINT

  static Value None();
  // An undefined value; `hint` says why, for error messages
  // ("'foo' is undefined").
  static Value Undefined(std::string hint);
  // A Markup string: output as is, never escaped again.
  static Value Safe(std::string s);
  static Value List(std::vector<Value> items = {});
  static Value Tuple(std::vector<Value> items);
  static Value Dict(std::vector<std::pair<std::string, Value>> items = {});
  static Value FromDict(std::shared_ptr<DictData> dict);
  static Value FromCallable(std::shared_ptr<const Callable> fn);
  static Value FromObject(std::shared_ptr<const Object> object);

  Kind kind() const { return kind_; }
  bool is_undefined() const { return kind_ == Kind::kUndefined; }
  bool is_none() const { return kind_ == Kind::kNone; }
  bool is_bool() const { return kind_ == Kind::kBool; }
  bool is_int() const { return kind_ == Kind::kInt; }
  bool is_float() const { return kind_ == Kind::kFloat; }
  // int or float; bool counts as a number too, as in Python.
  bool is_number() const {
    return kind_ == Kind::kInt || kind_ == Kind::kFloat || kind_ == Kind::kBool;
  }
  bool is_string() const { return kind_ == Kind::kString; }
  bool is_safe() const { return kind_ == Kind::kString && safe_; }
  bool is_list() const { return kind_ == Kind::kList; }
  bool is_tuple() const;
  bool is_dict() const { return kind_ == Kind::kDict; }
  bool is_callable() const { return kind_ == Kind::kCallable; }
  bool is_object() const { return kind_ == Kind::kObject; }

  bool bool_value() const { return b_; }
  int64_t int_value() const { return kind_ == Kind::kBool ? b_ : i_; }
  double float_value() const { return d_; }
  // The number as a double (int, bool or float; 0 for anything else).
  double AsDouble() const {
    if (kind_ == Kind::kFloat) return d_;
    if (kind_ == Kind::kInt) return static_cast<double>(i_);
    return kind_ == Kind::kBool && b_ ? 1.0 : 0.0;
  }
  const std::string& str() const {  // REQUIRES: string
    return *static_cast<const std::string*>(p_.get());
  }
  // The hint of an undefined value.
  const std::string& undefined_hint() const;
  const std::vector<Value>& items() const;  // REQUIRES: list
  std::vector<Value>* mutable_items() const;  // REQUIRES: list
  const DictData& dict() const;  // REQUIRES: dict
  DictData* mutable_dict() const;  // REQUIRES: dict
  const Callable& callable() const;  // REQUIRES: callable
  const Object& object() const;  // REQUIRES: object
  std::shared_ptr<const Object> object_ptr() const;
  // Whether this Value is the only one that refers to its payload (a list
  // or dict just made): then no other Value, in this thread or another,
  // can see a change to it, and its contents may be moved out.
  bool payload_unique() const { return p_ != nullptr && p_.use_count() == 1; }

  // Python truth value; bools, strings and lists (most conditions) inline.
  bool Truthy() const;
  // Python str(); undefined is "".
  std::string Str() const;
  // Appends Python str() to `out`.
  void AppendStr(std::string* out) const;
  // Python repr().
  std::string Repr() const;
  // Python ==. Two strings (the common case: selectattr, `==` of names and
  // URLs) are compared inline.
  bool Equals(const Value& other) const;
  // Python len(), or nullopt when the value has none.
  std::optional<int64_t> Length() const;
  // Jinja2 attribute lookup (`a.b`): attribute, else item. Undefined when
  // missing (never an error: the caller decides).
  Value GetAttr(absl::string_view name) const {
    return GetAttr(name, NameTag(name));
  }
  // GetAttr(name) with name's NameTag already made.
  Value GetAttr(absl::string_view name, uint64_t tag) const;
  // Jinja2 subscript (`a[b]`): item, else attribute for string keys.
  Value GetItem(const Value& key) const;
  // A short type name for messages: "int", "str", "dict object"...
  std::string TypeName() const;

 private:
  // Equals of anything but two strings.
  bool EqualsOther(const Value& other) const;
  // Truthy of anything but a bool, a string or a list.
  bool TruthyOther() const;

  Kind kind_;
  bool safe_ = false;
  union {
    bool b_;
    int64_t i_ = 0;
    double d_;
  };
  // The payload: the std::string of a string or of an undefined value's
  // hint (never changed once made), ListData, DictData, Callable or
  // Object. One pointer for all kinds keeps a Value to 32 bytes and its
  // copies to one reference count.
  std::shared_ptr<void> p_;
};

// Arguments of a call: positional then keyword, in source order. A few of
// each are kept inline: most calls (filters, tests, macros) pass fewer, and
// then building the arguments does not allocate.
struct CallArgs {
  absl::InlinedVector<Value, 3> positional;
  absl::InlinedVector<std::pair<std::string, Value>, 2> named;
};

struct ListData {
  std::vector<Value> items;
  bool tuple = false;
};

// An insertion-ordered dict with Python key equality for str/int/float/bool
// /None keys.
class DictData {
 public:
  const std::vector<std::pair<Value, Value>>& entries() const {
    return entries_;
  }
  size_t size() const { return entries_.size(); }
  const Value* Find(const Value& key) const;
  const Value* Find(absl::string_view key) const {
    return Find(key, NameTag(key));
  }
  // Find(key) with key's NameTag already made. A small dict (the common
  // case: a page, a namespace, a module) is scanned here, inline.
  ABSL_ATTRIBUTE_ALWAYS_INLINE const Value* Find(absl::string_view key,
                                                 uint64_t tag) const {
    if (entries_.size() > kSmallDict) return FindHashed(key);
    const size_t i = ScanSmall(key, tag);
    return i == kNoEntry ? nullptr : &entries_[i].second;
  }
  // Find(key, tag), looking at entry *hint first and leaving in *hint the
  // entry found by a scan. A lookup site keeps its hint between lookups:
  // the dicts one site reads mostly have one shape (every page dict has
  // its keys in the same order), so the first look mostly hits and the
  // scan is skipped. Any hint is safe: the entry is checked. The check is
  // inline; a miss goes on out of line (FindMissedHint).
  ABSL_ATTRIBUTE_ALWAYS_INLINE const Value* FindHinted(absl::string_view key,
                                                       uint64_t tag,
                                                       uint32_t* hint) const {
    if (*hint < tags_.size() && EntryIs(*hint, key, tag)) {
      return &entries_[*hint].second;
    }
    return FindMissedHint(key, tag, hint);
  }
  void Set(Value key, Value value);
  // Set(Value(key), value) without making the key's Value when the key is
  // already there (a namespace attribute assigned in a loop).
  void SetByName(absl::string_view key, Value value);
  // namespace() objects are dicts whose attributes can be assigned.
  bool is_namespace = false;

 private:
  // A dict of at most kSmallDict entries is scanned and has no hash index
  // (most are a few keys); the index is made when a dict grows past it.
  static constexpr size_t kSmallDict = 8;

  const Value* FindHashed(absl::string_view key) const;
  // FindHinted after *hint was not the entry.
  const Value* FindMissedHint(absl::string_view key, uint64_t tag,
                              uint32_t* hint) const;
  // Entry i's key is the string `key` (whose NameTag is `tag`).
  bool EntryIs(size_t i, absl::string_view key, uint64_t tag) const {
    if (tags_[i] != tag) return false;
    const Value& k = entries_[i].first;
    return k.is_string() && SameName(tag, k.str(), tag, key);
  }
  // The index of the entry named `key` in a small dict, or kNoEntry.
  static constexpr size_t kNoEntry = ~size_t{0};
  size_t ScanSmall(absl::string_view key, uint64_t tag) const {
    for (size_t i = 0; i < tags_.size(); ++i) {
      if (EntryIs(i, key, tag)) return i;
    }
    return kNoEntry;
  }

  std::vector<std::pair<Value, Value>> entries_;
  // Per entry of a small dict (see index_), NameTag of a string key (0 for
  // other keys).
  absl::InlinedVector<uint64_t, 8> tags_;
  // HashKey -> entry; made only once there are more than kSmallDict
  // entries.
  absl::flat_hash_map<std::string, size_t> index_;
};

// Whether two names are equal. Names are short and mostly differ in length
// or first byte, so those are compared before a memcmp call.
inline bool SameKey(absl::string_view a, absl::string_view b) {
  return a.size() == b.size() &&
         (a.empty() ||
          (a[0] == b[0] && std::memcmp(a.data(), b.data(), a.size()) == 0));
}

inline bool Value::Equals(const Value& other) const {
  if (kind_ == Kind::kString && other.kind_ == Kind::kString) {
    return SameKey(str(), other.str());
  }
  return EqualsOther(other);
}

inline bool Value::Truthy() const {
  switch (kind_) {
    case Kind::kBool: return b_;
    case Kind::kString: return !str().empty();
    case Kind::kList: return !items().empty();
    default: return TruthyOther();
  }
}

// The payload accessors, inline: they are on every lookup and loop.
inline bool Value::is_tuple() const {
  return kind_ == Kind::kList && static_cast<ListData*>(p_.get())->tuple;
}
inline const std::vector<Value>& Value::items() const {
  return static_cast<const ListData*>(p_.get())->items;
}
inline std::vector<Value>* Value::mutable_items() const {
  return &static_cast<ListData*>(p_.get())->items;
}
inline const DictData& Value::dict() const {
  return *static_cast<const DictData*>(p_.get());
}
inline DictData* Value::mutable_dict() const {
  return static_cast<DictData*>(p_.get());
}
inline const Callable& Value::callable() const {
  return *static_cast<const Callable*>(p_.get());
}
inline const Object& Value::object() const {
  return *static_cast<const Object*>(p_.get());
}

// Python float repr: 1.0, 0.1, 1e+20, inf, nan.
std::string FormatFloat(double d);
// markupsafe.escape of a plain string: & < > " ' become entities.
void AppendEscaped(absl::string_view s, std::string* out);
std::string EscapeString(absl::string_view s);
// The index of the first byte at or after `i` that markupsafe escapes
// (& < > " '), or s.size().
size_t NextEscaped(absl::string_view s, size_t i);

// Builds a Value from JSON text (RapidJSON): objects become dicts (in
// document order), arrays lists, integers int, other numbers float.
absl::StatusOr<Value> ValueFromJson(absl::string_view json);

}  // namespace serval::tmpl

#endif  // SERVAL_TEMPLATE_VALUE_H_
