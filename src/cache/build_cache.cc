#include "src/cache/build_cache.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <utility>
#include <vector>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "rapidjson/document.h"
#include "rapidjson/error/en.h"
#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"
#include "src/base/fingerprint.h"
#include "src/base/status_macros.h"
#include "src/base/utf8.h"

namespace serval::cache {
namespace {

using rapidjson::SizeType;
using rapidjson::Value;

constexpr size_t kMaxKeyBytes = 4096;
constexpr size_t kMaxHashDigits = 128;
// The checksum SerializeCache writes: XXH3-64 of the body. Files written
// before it carry FNV-1a 64 (byte-serial, a few times slower on megabytes),
// still accepted: ParseCache checks a checksum by the algorithm it names.
constexpr absl::string_view kChecksumPrefix = "xxh3:";
constexpr absl::string_view kFnvChecksumPrefix = "fnv1a64:";

// The dependency kinds stored in a page record, in file order.
constexpr DepKind kStoredKinds[] = {
    DepKind::kSource,      DepKind::kTemplate, DepKind::kData,
    DepKind::kPageContent, DepKind::kPageMeta, DepKind::kSiteKey,
};

// Valid UTF-8 without a control character. A cache holds hundreds of
// thousands of names: one branch-free pass over the bytes, and the UTF-8
// check only if one of them is not ASCII.
bool IsCleanText(absl::string_view text) {
  unsigned control = 0;
  unsigned high = 0;
  for (const char ch : text) {
    const unsigned char c = static_cast<unsigned char>(ch);
    control |= static_cast<unsigned>(c < 0x20) | static_cast<unsigned>(c == 0x7f);
    high |= c & 0x80u;
  }
  return control == 0 && (high == 0 || base::IsValidUtf8(text));
}

constexpr uint64_t kOnes = 0x0101010101010101ull;
constexpr uint64_t kHighBits = 0x8080808080808080ull;

inline uint64_t Load8(const char* p) {
  uint64_t w;
  std::memcpy(&w, p, 8);  // a constant size: one load
  return w;
}
// Nonzero iff a byte of `w` is below `c` (c <= 128; exact as a yes/no).
inline uint64_t AnyBelow(uint64_t w, uint8_t c) {
  return (w - kOnes * c) & ~w & kHighBits;
}
// The high bit of every byte of `w` equal to `c`, and no bit at all when
// none is (above a true match a bit may be set spuriously).
inline uint64_t BytesEqual(uint64_t w, uint8_t c) {
  return AnyBelow(w ^ (kOnes * c), 1);
}

// ---------------------------------------------------------------- writing

template <typename Writer>
void WriteString(Writer& w, absl::string_view s) {
  w.String(s.data(), static_cast<SizeType>(s.size()));
}

template <typename Writer>
void WriteKey(Writer& w, absl::string_view s) {
  w.Key(s.data(), static_cast<SizeType>(s.size()));
}

// "key":"value"
template <typename Writer>
void WriteMember(Writer& w, absl::string_view key, absl::string_view value) {
  WriteKey(w, key);
  WriteString(w, value);
}

// Every kind, kConfig included: a cache that (wrongly) holds one must
// serialize to a text ParseCache rejects, not silently lose it.
constexpr DepKind kAllKinds[] = {
    DepKind::kSource,      DepKind::kTemplate, DepKind::kData,
    DepKind::kPageContent, DepKind::kPageMeta, DepKind::kSiteKey,
    DepKind::kConfig,
};

// A JSON string as rapidjson::Writer writes it. Its cost is copying: a
// string that needs no escape (no byte below 0x20, no '"' or '\\', as
// almost every path and hash) is appended whole; any other is written by
// rapidjson::Writer itself.
class BodyAppender {
 public:
  explicit BodyAppender(std::string* out) : out_(*out) {}

  void String(absl::string_view text) {
    if (NeedsNoEscape(text)) {
      out_.push_back('"');
      out_.append(text.data(), text.size());
      out_.push_back('"');
      return;
    }
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
    writer.String(text.data(), static_cast<SizeType>(text.size()));
    out_.append(buffer.GetString(), buffer.GetSize());
  }
  // Punctuation and member names that need no escape, as they are.
  void Raw(absl::string_view text) { out_.append(text.data(), text.size()); }
  void Raw(char c) { out_.push_back(c); }
  void Uint64(uint64_t value) {
    char digits[absl::numbers_internal::kFastToBufferSize];
    out_.append(digits, static_cast<size_t>(
        absl::numbers_internal::FastIntToBuffer(value, digits) - digits));
  }
  // ',' before every member of an object and every item of an array but
  // the first, as rapidjson::Writer's Prefix.
  void Comma(bool* first) {
    if (!*first) out_.push_back(',');
    *first = false;
  }

 private:
  // No byte below 0x20, '"' or '\\': eight bytes at a time, the last
  // word overlapping the one before (short strings: byte by byte).
  static bool NeedsNoEscape(absl::string_view text) {
    const char* s = text.data();
    const size_t n = text.size();
    uint64_t odd = 0;
    auto check = [&odd](uint64_t w) {
      odd |= AnyBelow(w, 0x20) | BytesEqual(w, '"') | BytesEqual(w, '\\');
    };
    if (n < 8) {
      for (size_t i = 0; i < n; ++i) {
        const uint8_t c = static_cast<uint8_t>(s[i]);
        odd |= (c < 0x20) | (c == '"') | (c == '\\');
      }
      return odd == 0;
    }
    for (size_t i = 0; i + 8 <= n; i += 8) check(Load8(s + i));
    check(Load8(s + n - 8));
    return odd == 0;
  }

  std::string& out_;
};

void AppendDeps(BodyAppender& w, const std::set<Dependency>& deps) {
  w.Raw('{');
  bool first_kind = true;
  for (DepKind kind : kAllKinds) {
    auto it = deps.lower_bound(Dependency{kind, ""});
    if (it == deps.end() || it->kind != kind) continue;
    w.Comma(&first_kind);
    w.String(DepKindName(kind));
    w.Raw(":[");
    bool first = true;
    for (; it != deps.end() && it->kind == kind; ++it) {
      w.Comma(&first);
      w.String(it->key);
    }
    w.Raw(']');
  }
  w.Raw('}');
}

// The body (everything the checksum covers) in the compact form
// rapidjson::Writer gives the same values: no whitespace, members in the
// model's order (test: TextIsWhatRapidJsonWrites). Written straight, not
// through a writer's state machine: the layout is fixed.
void AppendBody(const BuildCache& cache, std::string* out) {
  BodyAppender w(out);
  w.Raw("{\"sources\":{");
  bool first = true;
  for (const auto& [path, source] : cache.sources) {
    w.Comma(&first);
    w.String(path);
    w.Raw(":{\"hash\":");
    w.String(source.hash);
    w.Raw(",\"size\":");
    w.Uint64(source.size);
    w.Raw('}');
  }
  w.Raw("},\"outputs\":{");
  first = true;
  for (const auto& [path, output] : cache.outputs) {
    w.Comma(&first);
    w.String(path);
    w.Raw(":{\"hash\":");
    w.String(output.hash);
    w.Raw(",\"producer\":");
    w.String(output.producer);
    w.Raw('}');
  }
  w.Raw("},\"pages\":{");
  first = true;
  for (const auto& [key, page] : cache.pages) {
    w.Comma(&first);
    w.String(key);
    w.Raw(":{\"content_hash\":");
    w.String(page.content_hash);
    w.Raw(",\"meta_hash\":");
    w.String(page.meta_hash);
    w.Raw(",\"deps\":");
    AppendDeps(w, page.deps);
    if (page.markdown_reads.has_value()) {
      w.Raw(",\"markdown_reads\":[");
      bool first_read = true;
      for (const std::string& path : *page.markdown_reads) {
        w.Comma(&first_read);
        w.String(path);
      }
      w.Raw(']');
    }
    w.Raw('}');
  }
  w.Raw("},\"site_keys\":{");
  first = true;
  for (const auto& [key, hash] : cache.site_keys) {
    w.Comma(&first);
    w.String(key);
    w.Raw(':');
    w.String(hash);
  }
  w.Raw("}}");
}

// The compact canonical text of the body.
std::string BodyText(const BuildCache& cache) {
  std::string text;
  AppendBody(cache, &text);
  return text;
}

// "xxh3:<16 hex>" of a body's compact canonical text; "fnv1a64:<16 hex>"
// when `like` (the file's checksum) names that algorithm.
std::string ChecksumOf(absl::string_view body_text,
                       absl::string_view like = kChecksumPrefix) {
  if (absl::StartsWith(like, kFnvChecksumPrefix)) {
    return absl::StrCat(kFnvChecksumPrefix, base::Fingerprint64Hex(body_text));
  }
  return absl::StrCat(kChecksumPrefix, base::FastFingerprint64Hex(body_text));
}

// What SerializeCache writes before the body:
// {"format":...,"checksum":"<checksum>","body":
std::string HeaderText(const BuildCache& cache, absl::string_view checksum) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  w.StartObject();
  WriteMember(w, "format", kCacheFormatName);
  WriteKey(w, "format_version");
  w.Int64(kCacheFormatVersion);
  WriteMember(w, "tool_version", cache.tool_version);
  WriteMember(w, "site_id", cache.site_id);
  WriteMember(w, "config_hash", cache.config_hash);
  WriteMember(w, "checksum", checksum);
  WriteKey(w, "body");
  return absl::StrCat(absl::string_view(buffer.GetString(), buffer.GetSize()),
                      ":");
}

// What SerializeCache writes after the body.
constexpr absl::string_view kTrailerText = "}\n";

// ---------------------------------------------------------------- reading

// A rejection on its way out of the parser.
struct Reject {
  RejectReason reason;
  std::string detail;
};

absl::string_view View(const Value& v) {
  return absl::string_view(v.GetString(), v.GetStringLength());
}

// Returns the member named `name` of the object `v`, or null.
const Value* Member(const Value& v, absl::string_view name) {
  for (auto it = v.MemberBegin(); it != v.MemberEnd(); ++it) {
    if (View(it->name) == name) return &it->value;
  }
  return nullptr;
}

// Where in the file a value is: `map["key"].field.sub` (parts may be
// empty). Built into text only for an error message, so the happy path
// allocates nothing for it.
struct Where {
  absl::string_view map;
  absl::string_view key;
  absl::string_view field;
  absl::string_view sub;

  Where Field(absl::string_view f) const { return {map, key, f, {}}; }
  Where Sub(absl::string_view s) const { return {map, key, field, s}; }
  std::string ToString() const {
    std::string out(map);
    if (!key.empty()) absl::StrAppend(&out, "[\"", key, "\"]");
    if (!field.empty()) absl::StrAppend(&out, ".", field);
    if (!sub.empty()) absl::StrAppend(&out, ".", sub);
    return out;
  }
};

Reject Malformed(const Where& where, absl::string_view what) {
  return {RejectReason::kMalformed, absl::StrCat(where.ToString(), ": ", what)};
}

// Checks that object `v` has exactly the members `names`, each once.
// Returns the members in the order of `names`.
// The last `optional` names may be missing (their out[] is then nullptr).
template <size_t N>
bool ExactMembers(const Value& v, const char* const (&names)[N],
                  const Value* (&out)[N], const Where& where,
                  Reject* reject, size_t optional = 0) {
  if (!v.IsObject()) {
    *reject = Malformed(where, "not an object");
    return false;
  }
  for (auto& o : out) o = nullptr;
  for (auto it = v.MemberBegin(); it != v.MemberEnd(); ++it) {
    size_t i = 0;
    while (i < N && View(it->name) != names[i]) ++i;
    if (i == N) {
      *reject = Malformed(
          where, absl::StrCat("unknown member \"", View(it->name), "\""));
      return false;
    }
    if (out[i] != nullptr) {
      *reject =
          Malformed(where, absl::StrCat("duplicate member \"", names[i], "\""));
      return false;
    }
    out[i] = &it->value;
  }
  for (size_t i = 0; i + optional < N; ++i) {
    if (out[i] == nullptr) {
      *reject =
          Malformed(where, absl::StrCat("missing member \"", names[i], "\""));
      return false;
    }
  }
  return true;
}

bool GetString(const Value* v, const Where& where, std::string* out,
               Reject* reject) {
  if (!v->IsString()) {
    *reject = Malformed(where, "not a string");
    return false;
  }
  out->assign(v->GetString(), v->GetStringLength());
  return true;
}

bool GetHash(const Value* v, const Where& where, std::string* out,
             Reject* reject) {
  if (!GetString(v, where, out, reject)) return false;
  if (!IsValidHash(*out)) {
    *reject = Malformed(where, "not a lowercase hex hash");
    return false;
  }
  return true;
}

// Calls `each(name, value)` for every member of object `v`, in file order;
// `each` returns false after setting *reject. Duplicate names are for
// `each` to reject (InsertUnique does, for the maps).
template <typename Each>
bool ForEachMember(const Value& v, const Where& where, Reject* reject,
                   Each each) {
  if (!v.IsObject()) {
    *reject = Malformed(where, "not an object");
    return false;
  }
  for (auto it = v.MemberBegin(); it != v.MemberEnd(); ++it) {
    if (!each(View(it->name), it->value)) return false;
  }
  return true;
}

// Inserts `value` under `key` into the sorted container `into` (a map, or a
// set when `key` is the value), rejecting a duplicate. The canonical file
// lists keys in order, so the hint makes each insertion constant time; a
// file in any other order still parses, in O(n log n).
template <typename Container, typename... Args>
bool InsertNew(Container* into, Args&&... entry) {
  const size_t before = into->size();
  into->emplace_hint(into->end(), std::forward<Args>(entry)...);
  return into->size() != before;
}
// InsertNew, rejecting a duplicate as malformed.
template <typename Container, typename... Args>
bool InsertUnique(Container* into, const Where& where, absl::string_view key,
                  Reject* reject, Args&&... entry) {
  if (InsertNew(into, std::forward<Args>(entry)...)) return true;
  *reject = Malformed(where, absl::StrCat("duplicate key \"", key, "\""));
  return false;
}

bool ParseSources(const Value& v, BuildCache* cache, Reject* reject) {
  static constexpr const char* kNames[] = {"hash", "size"};
  return ForEachMember(
      v, {"sources"}, reject, [&](absl::string_view path, const Value& entry) {
        const Where where{"sources", path};
        const Value* m[2];
        SourceRecord record;
        if (!ExactMembers(entry, kNames, m, where, reject) ||
            !GetHash(m[0], where.Field("hash"), &record.hash, reject)) {
          return false;
        }
        if (!m[1]->IsUint64()) {
          *reject = Malformed(where.Field("size"), "not an unsigned integer");
          return false;
        }
        record.size = m[1]->GetUint64();
        return InsertUnique(&cache->sources, {"sources"}, path, reject,
                            std::string(path), std::move(record));
      });
}

bool ParseOutputs(const Value& v, BuildCache* cache, Reject* reject) {
  static constexpr const char* kNames[] = {"hash", "producer"};
  return ForEachMember(
      v, {"outputs"}, reject, [&](absl::string_view path, const Value& entry) {
        const Where where{"outputs", path};
        const Value* m[2];
        OutputRecord record;
        if (!ExactMembers(entry, kNames, m, where, reject) ||
            !GetHash(m[0], where.Field("hash"), &record.hash, reject) ||
            !GetString(m[1], where.Field("producer"), &record.producer,
                       reject)) {
          return false;
        }
        return InsertUnique(&cache->outputs, {"outputs"}, path, reject,
                            std::string(path), std::move(record));
      });
}

bool ParseDeps(const Value& v, const Where& where, std::set<Dependency>* deps,
               Reject* reject) {
  unsigned kinds_seen = 0;  // bit i: kStoredKinds[i]
  return ForEachMember(
      v, where, reject, [&](absl::string_view name, const Value& list) {
        size_t k = 0;
        while (k < std::size(kStoredKinds) &&
               DepKindName(kStoredKinds[k]) != name) {
          ++k;
        }
        if (k == std::size(kStoredKinds)) {
          *reject = Malformed(
              where, absl::StrCat("unknown dependency kind \"", name, "\""));
          return false;
        }
        if (kinds_seen & (1u << k)) {
          *reject =
              Malformed(where, absl::StrCat("duplicate key \"", name, "\""));
          return false;
        }
        kinds_seen |= 1u << k;
        const Where list_where = where.Sub(name);
        if (!list.IsArray()) {
          *reject = Malformed(list_where, "not an array");
          return false;
        }
        for (const Value& item : list.GetArray()) {
          Dependency dep{kStoredKinds[k], ""};
          if (!GetString(&item, list_where, &dep.key, reject) ||
              !InsertUnique(deps, list_where, View(item), reject,
                            std::move(dep))) {
            return false;
          }
        }
        return true;
      });
}

bool ParseMarkdownReads(const Value& v, const Where& where,
                        std::optional<std::set<std::string>>* reads,
                        Reject* reject) {
  if (!v.IsArray()) {
    *reject = Malformed(where, "not an array");
    return false;
  }
  reads->emplace();
  for (const Value& item : v.GetArray()) {
    std::string path;
    if (!GetString(&item, where, &path, reject) ||
        !InsertUnique(&**reads, where, View(item), reject, std::move(path))) {
      return false;
    }
  }
  return true;
}

bool ParsePages(const Value& v, BuildCache* cache, Reject* reject) {
  static constexpr const char* kNames[] = {"content_hash", "meta_hash",
                                           "deps", "markdown_reads"};
  return ForEachMember(
      v, {"pages"}, reject, [&](absl::string_view key, const Value& entry) {
        const Where where{"pages", key};
        const Value* m[4];
        PageRecord record;
        if (!ExactMembers(entry, kNames, m, where, reject, /*optional=*/1) ||
            !GetHash(m[0], where.Field("content_hash"), &record.content_hash,
                     reject) ||
            !GetHash(m[1], where.Field("meta_hash"), &record.meta_hash,
                     reject) ||
            !ParseDeps(*m[2], where.Field("deps"), &record.deps, reject) ||
            (m[3] != nullptr &&
             !ParseMarkdownReads(*m[3], where.Field("markdown_reads"),
                                 &record.markdown_reads, reject))) {
          return false;
        }
        return InsertUnique(&cache->pages, {"pages"}, key, reject,
                            std::string(key), std::move(record));
      });
}

bool ParseSiteKeys(const Value& v, BuildCache* cache, Reject* reject) {
  return ForEachMember(
      v, {"site_keys"}, reject, [&](absl::string_view key, const Value& hash) {
        std::string value;
        if (!GetHash(&hash, Where{"site_keys", key}, &value, reject)) {
          return false;
        }
        return InsertUnique(&cache->site_keys, {"site_keys"}, key, reject,
                            std::string(key), std::move(value));
      });
}

bool ParseBody(const Value& v, BuildCache* cache, Reject* reject) {
  static constexpr const char* kNames[] = {"sources", "outputs", "pages",
                                           "site_keys"};
  const Value* m[4];
  return ExactMembers(v, kNames, m, {"body"}, reject) &&
         ParseSources(*m[0], cache, reject) &&
         ParseOutputs(*m[1], cache, reject) &&
         ParsePages(*m[2], cache, reject) &&
         ParseSiteKeys(*m[3], cache, reject);
}

// Compares an identity string of the file with the expected one.
bool CheckIdentity(const Value* v, absl::string_view name,
                   absl::string_view expected, RejectReason mismatch,
                   std::string* out, Reject* reject) {
  if (!GetString(v, {name}, out, reject)) return false;
  if (*out != expected) {
    *reject = {mismatch, absl::StrCat("cache has ", name, " \"", *out,
                                      "\", expected \"", expected, "\"")};
    return false;
  }
  return true;
}

// The general parse, through RapidJSON's DOM. With `defer_site_checks`,
// the site_id and config_hash are read but not compared with `expected`
// (VerifyCacheIdentity does that later); *site_id_read tells whether the
// parse got as far as reading the site_id.
bool ParseThroughDom(absl::string_view text, const CacheIdentity& expected,
                     BuildCache* cache, Reject* reject,
                     bool defer_site_checks = false,
                     bool* site_id_read = nullptr) {
  if (text.size() > kMaxCacheBytes) {
    *reject = {RejectReason::kParseError,
               absl::StrCat("file too large (", text.size(), " bytes)")};
    return false;
  }
  // RapidJSON would end the document at a NUL byte; JSON text has none.
  if (const void* nul = std::memchr(text.data(), '\0', text.size())) {
    *reject = {RejectReason::kParseError,
               absl::StrCat("NUL byte at offset ",
                            static_cast<const char*>(nul) - text.data())};
    return false;
  }
  rapidjson::Document doc;
  // Iterative: a deeply nested hostile file cannot exhaust the stack.
  // RapidJSON checks UTF-8 a byte at a time, a third of the parse: the
  // text is checked first (eight ASCII bytes at a time), and only a text
  // that is not valid UTF-8 is parsed with RapidJSON's check, for the
  // same rejection and offset as always.
  if (base::IsValidUtf8(text)) {
    doc.Parse<rapidjson::kParseIterativeFlag>(text.data(), text.size());
  } else {
    doc.Parse<rapidjson::kParseValidateEncodingFlag |
              rapidjson::kParseIterativeFlag>(text.data(), text.size());
  }
  if (doc.HasParseError()) {
    *reject = {RejectReason::kParseError,
               absl::StrCat("offset ", doc.GetErrorOffset(), ": ",
                            rapidjson::GetParseError_En(doc.GetParseError()))};
    return false;
  }
  const Value* format = doc.IsObject() ? Member(doc, "format") : nullptr;
  if (format == nullptr || !format->IsString() ||
      View(*format) != kCacheFormatName) {
    *reject = {RejectReason::kNotACache,
               absl::StrCat("no \"format\": \"", kCacheFormatName, "\"")};
    return false;
  }
  // The format version before anything else: another version may have
  // another layout.
  const Value* version = Member(doc, "format_version");
  if (version == nullptr || !version->IsInt64()) {
    if (version != nullptr && version->IsUint64()) {
      *reject = {RejectReason::kFormatVersion, "format version out of range"};
    } else {
      *reject = {RejectReason::kMalformed,
                 "format_version: missing or not an integer"};
    }
    return false;
  }
  if (version->GetInt64() != kCacheFormatVersion) {
    *reject = {RejectReason::kFormatVersion,
               absl::StrCat("format version ", version->GetInt64(),
                            ", expected ", kCacheFormatVersion)};
    return false;
  }
  static constexpr const char* kNames[] = {
      "format",      "format_version", "tool_version", "site_id",
      "config_hash", "checksum",       "body"};
  const Value* m[7];
  if (!ExactMembers(doc, kNames, m, {"cache"}, reject)) return false;
  if (!CheckIdentity(m[2], "tool_version", expected.tool_version,
                     RejectReason::kToolVersion, &cache->tool_version,
                     reject) ||
      !(defer_site_checks
            ? GetString(m[3], {"site_id"}, &cache->site_id, reject)
            : CheckIdentity(m[3], "site_id", expected.site_id,
                            RejectReason::kOtherSite, &cache->site_id,
                            reject)) ||
      !GetString(m[4], {"config_hash"}, &cache->config_hash, reject)) {
    return false;
  }
  if (site_id_read != nullptr) *site_id_read = true;
  std::string checksum;
  if (!GetString(m[5], {"checksum"}, &checksum, reject) ||
      !ParseBody(*m[6], cache, reject)) {
    return false;
  }
  // After the body is read (so the checksum is of its canonical form) and
  // before its contents are judged (so damage reads as damage). A file
  // laid out as SerializeCache writes it holds the body's canonical text
  // between the header and the trailer: its checksum is taken from there,
  // without writing the body again. Any other text (another layout, or a
  // checksum that does not match there) is judged by its body re-written.
  const std::string header = HeaderText(*cache, checksum);
  const bool canonical_layout =
      text.size() >= header.size() + kTrailerText.size() &&
      absl::StartsWith(text, header) && absl::EndsWith(text, kTrailerText) &&
      ChecksumOf(text.substr(header.size(), text.size() - header.size() -
                                                kTrailerText.size()),
                 checksum) == checksum;
  if (const std::string actual =
          canonical_layout ? checksum : ChecksumOf(BodyText(*cache), checksum);
      checksum != actual) {
    *reject = {RejectReason::kChecksumMismatch,
               absl::StrCat("checksum \"", checksum, "\", body has \"",
                            actual, "\"")};
    return false;
  }
  if (absl::Status valid = ValidateCache(*cache); !valid.ok()) {
    *reject = {RejectReason::kInvalidPath, std::string(valid.message())};
    return false;
  }
  // Last, so a cache rejected for it is a verified one (ParseCache keeps it).
  if (!defer_site_checks && cache->config_hash != expected.config_hash) {
    *reject = {RejectReason::kConfigChanged,
               absl::StrCat("cache has config_hash \"", cache->config_hash,
                            "\", expected \"", expected.config_hash, "\"")};
    return false;
  }
  return true;
}

// ------------------------------------------------- reading canonical text

// The fast path of ParseCache: a text laid out exactly as SerializeCache
// writes it (compact, members in its order, strings without an escape) is
// read in one pass straight into the model, without RapidJSON's DOM (which
// cost more than half of reading a 10,000-page site's cache). It accepts
// a text only when everything checks — layout, every hash, the checksum,
// ValidateCache, the identity — and then yields the very cache the general
// parse yields. On anything else (another layout, an escape, a duplicate,
// any damage or mismatch) it gives up, and the general parse decides, so
// every rejection and its message stay the general parse's.
// ParseCacheThroughDom is the general parse alone; the tests and the
// cache fuzzers check that the two agree on every input they make.
class CanonicalReader {
 public:
  explicit CanonicalReader(absl::string_view text)
      : p_(text.data()), end_(text.data() + text.size()) {}

  const char* position() const { return p_; }
  bool AtEnd() const { return p_ == end_; }

  // Consumes `s` if the text continues with it.
  bool Literal(absl::string_view s) {
    if (static_cast<size_t>(end_ - p_) < s.size() ||
        std::memcmp(p_, s.data(), s.size()) != 0) {
      return false;
    }
    p_ += s.size();
    return true;
  }
  bool Char(char c) {
    if (p_ == end_ || *p_ != c) return false;
    ++p_;
    return true;
  }
  // A string with no escape and no control byte: its bytes as they lie
  // (UTF-8 is ValidateCache's to check). Eight bytes at a time: the
  // lowest flagged byte of a word is a true one.
  bool String(absl::string_view* out) {
    if (!Char('"')) return false;
    const char* start = p_;
    while (end_ - p_ >= 8) {
      const uint64_t w = Load8(p_);
      const uint64_t flags =
          AnyBelow(w, 0x20) | BytesEqual(w, '"') | BytesEqual(w, '\\');
      if (flags != 0) {
        p_ += static_cast<size_t>(__builtin_ctzll(flags)) / 8;
        return EndString(start, out);
      }
      p_ += 8;
    }
    while (p_ != end_ && *p_ != '"' && *p_ != '\\' &&
           static_cast<unsigned char>(*p_) >= 0x20) {
      ++p_;
    }
    return EndString(start, out);
  }

  // "key": (a string, then the colon).
  bool Key(absl::string_view* out) { return String(out) && Char(':'); }

  // A JSON integer as RapidJSON reads it into a uint64: "0", or digits
  // without a leading zero, at most 2^64 - 1.
  bool Uint64(uint64_t* out) {
    if (p_ == end_ || *p_ < '0' || *p_ > '9') return false;
    if (*p_ == '0') {
      ++p_;
      *out = 0;
      return p_ == end_ || (*p_ < '0' || *p_ > '9');
    }
    uint64_t value = 0;
    while (p_ != end_ && *p_ >= '0' && *p_ <= '9') {
      const uint64_t digit = static_cast<uint64_t>(*p_ - '0');
      if (value > (UINT64_MAX - digit) / 10) return false;
      value = value * 10 + digit;
      ++p_;
    }
    *out = value;
    return true;
  }

  // `{` item (`,` item)* `}`, or `{}`; the same with brackets for arrays.
  template <typename Item>
  bool Sequence(char open, char close, Item item) {
    if (!Char(open)) return false;
    if (Char(close)) return true;
    do {
      if (!item()) return false;
    } while (Char(','));
    return Char(close);
  }

 private:
  bool EndString(const char* start, absl::string_view* out) {
    if (p_ == end_ || *p_ != '"') return false;  // an escape or control byte
    *out = absl::string_view(start, static_cast<size_t>(p_ - start));
    ++p_;
    return true;
  }

  const char* p_;
  const char* end_;
};

bool ReadString(CanonicalReader& in, std::string* out) {
  absl::string_view text;
  if (!in.String(&text)) return false;
  out->assign(text.data(), text.size());
  return true;
}

bool ReadCanonicalDeps(CanonicalReader& in, std::set<Dependency>* deps) {
  size_t next_kind = 0;  // kinds in kStoredKinds order, each at most once
  return in.Sequence('{', '}', [&] {
    absl::string_view name;
    if (!in.Key(&name)) return false;
    while (next_kind < std::size(kStoredKinds) &&
           DepKindName(kStoredKinds[next_kind]) != name) {
      ++next_kind;
    }
    if (next_kind == std::size(kStoredKinds)) return false;
    const DepKind kind = kStoredKinds[next_kind++];
    return in.Sequence('[', ']', [&] {
      absl::string_view key;
      return in.String(&key) &&
             InsertNew(deps, Dependency{kind, std::string(key)});
    });
  });
}

bool ReadCanonicalBody(CanonicalReader& in, BuildCache* cache) {
  auto sources = [&] {
    absl::string_view path;
    SourceRecord record;
    if (!in.Key(&path) || !in.Literal("{\"hash\":") ||
        !ReadString(in, &record.hash) || !in.Literal(",\"size\":") ||
        !in.Uint64(&record.size) || !in.Char('}')) {
      return false;
    }
    return InsertNew(&cache->sources, std::string(path), std::move(record));
  };
  auto outputs = [&] {
    absl::string_view path;
    OutputRecord record;
    if (!in.Key(&path) || !in.Literal("{\"hash\":") ||
        !ReadString(in, &record.hash) || !in.Literal(",\"producer\":") ||
        !ReadString(in, &record.producer) || !in.Char('}')) {
      return false;
    }
    return InsertNew(&cache->outputs, std::string(path), std::move(record));
  };
  auto pages = [&] {
    absl::string_view key;
    PageRecord record;
    if (!in.Key(&key) || !in.Literal("{\"content_hash\":") ||
        !ReadString(in, &record.content_hash) ||
        !in.Literal(",\"meta_hash\":") || !ReadString(in, &record.meta_hash) ||
        !in.Literal(",\"deps\":") || !ReadCanonicalDeps(in, &record.deps)) {
      return false;
    }
    if (in.Literal(",\"markdown_reads\":")) {
      std::set<std::string>& reads = record.markdown_reads.emplace();
      if (!in.Sequence('[', ']', [&] {
            absl::string_view path;
            return in.String(&path) && InsertNew(&reads, std::string(path));
          })) {
        return false;
      }
    }
    if (!in.Char('}')) return false;
    return InsertNew(&cache->pages, std::string(key), std::move(record));
  };
  auto site_keys = [&] {
    absl::string_view key;
    std::string hash;
    return in.Key(&key) && ReadString(in, &hash) &&
           InsertNew(&cache->site_keys, std::string(key), std::move(hash));
  };
  return in.Literal("{\"sources\":") && in.Sequence('{', '}', sources) &&
         in.Literal(",\"outputs\":") && in.Sequence('{', '}', outputs) &&
         in.Literal(",\"pages\":") && in.Sequence('{', '}', pages) &&
         in.Literal(",\"site_keys\":") && in.Sequence('{', '}', site_keys) &&
         in.Char('}');
}

// True when `text` is a canonical cache the general parse would accept
// (with `defer_site_checks`, leaving the site_id and config_hash unjudged);
// `cache` is then what it would return. False: the general parse decides.
//
// Nothing is checked twice on the way: a hash read is not checked as hex
// nor a string as UTF-8 here, because ValidateCache checks every one of
// them (paths, keys and producers as clean UTF-8, hashes as lowercase
// hex, the identity as UTF-8) and, when one fails, the general parse
// decides (RapidJSON's UTF-8 check, the hash's kMalformed). Outside its
// strings the text is this layout's ASCII literals and digits, and the
// checksum string must equal the one computed.
bool ParseCanonical(absl::string_view text, const CacheIdentity& expected,
                    bool defer_site_checks, BuildCache* cache) {
  if (text.size() > kMaxCacheBytes || !absl::EndsWith(text, kTrailerText)) {
    return false;
  }
  CanonicalReader in(text.substr(0, text.size() - kTrailerText.size()));
  absl::string_view tool_version, site_id, config_hash, checksum;
  static const std::string* const kFormatPrefix = new std::string(absl::StrCat(
      "{\"format\":\"", kCacheFormatName,
      "\",\"format_version\":", kCacheFormatVersion, ",\"tool_version\":"));
  if (!in.Literal(*kFormatPrefix) || !in.String(&tool_version) ||
      !in.Literal(",\"site_id\":") || !in.String(&site_id) ||
      !in.Literal(",\"config_hash\":") || !in.String(&config_hash) ||
      !in.Literal(",\"checksum\":") || !in.String(&checksum) ||
      !in.Literal(",\"body\":")) {
    return false;
  }
  if (tool_version != expected.tool_version ||
      (!defer_site_checks && (site_id != expected.site_id ||
                              config_hash != expected.config_hash))) {
    return false;
  }
  const char* body_start = in.position();
  if (!ReadCanonicalBody(in, cache) || !in.AtEnd()) return false;
  const absl::string_view body(
      body_start, static_cast<size_t>(in.position() - body_start));
  if (ChecksumOf(body, checksum) != checksum) return false;
  cache->tool_version.assign(tool_version.data(), tool_version.size());
  cache->site_id.assign(site_id.data(), site_id.size());
  cache->config_hash.assign(config_hash.data(), config_hash.size());
  return ValidateCache(*cache).ok();
}

// ParseThroughDom, by the fast path when the text is canonical.
bool Parse(absl::string_view text, const CacheIdentity& expected,
           BuildCache* cache, Reject* reject, bool defer_site_checks = false,
           bool* site_id_read = nullptr) {
  {
    BuildCache fast;
    if (ParseCanonical(text, expected, defer_site_checks, &fast)) {
      *cache = std::move(fast);
      if (site_id_read != nullptr) *site_id_read = true;
      return true;
    }
  }
  return ParseThroughDom(text, expected, cache, reject, defer_site_checks,
                         site_id_read);
}

LoadedCache ToLoadedCache(bool accepted, BuildCache cache, Reject reject) {
  LoadedCache loaded;
  loaded.cache = std::move(cache);
  if (!accepted) {
    loaded.reason = reject.reason;
    loaded.detail = std::move(reject.detail);
    if (reject.reason != RejectReason::kConfigChanged) loaded.cache = BuildCache();
  }
  return loaded;
}

}  // namespace

std::string ContentHash(absl::string_view bytes) {
  return base::FastFingerprint64Hex(bytes);
}

absl::string_view DepKindName(DepKind kind) {
  switch (kind) {
    case DepKind::kSource:
      return "source";
    case DepKind::kTemplate:
      return "template";
    case DepKind::kData:
      return "data";
    case DepKind::kPageContent:
      return "page_content";
    case DepKind::kPageMeta:
      return "page_meta";
    case DepKind::kSiteKey:
      return "site_key";
    case DepKind::kConfig:
      return "config";
  }
  return "unknown";
}

std::string Dependency::ToString() const {
  if (kind == DepKind::kConfig) return "config";
  return absl::StrCat(DepKindName(kind), " ", key);
}

std::string SectionPagesKey(absl::string_view section) {
  return absl::StrCat("section:", section);
}
std::string TaxonomyKey(absl::string_view taxonomy) {
  return absl::StrCat("taxonomy:", taxonomy);
}
std::string TermKey(absl::string_view taxonomy, absl::string_view term) {
  return absl::StrCat("term:", taxonomy, "/", term);
}

namespace {

// IsValidRelativePath's exact check: clean text, then every segment.
bool IsValidRelativePathExact(absl::string_view path) {
  if (path.empty() || path.size() > kMaxKeyBytes || !IsCleanText(path)) {
    return false;
  }
  // No empty, "." or ".." segment (segments found by memchr).
  size_t start = 0;
  while (true) {
    const size_t slash = path.find('/', start);
    const size_t end = slash == absl::string_view::npos ? path.size() : slash;
    const size_t n = end - start;
    if (n == 0 || (n <= 2 && path[start] == '.' &&
                   (n == 1 || path[start + 1] == '.'))) {
      return false;
    }
    if (slash == absl::string_view::npos) return true;
    start = slash + 1;
  }
}

}  // namespace

bool IsValidRelativePath(absl::string_view path) {
  if (path.empty() || path.size() > kMaxKeyBytes) return false;
  // The common case, eight bytes at a time: ASCII without a control
  // character, neither '/' nor '.' first, no '/' last, and no '/' followed
  // by '/' or '.'. Then every segment is non-empty and does not start with
  // '.', so none is "." or "..": valid. Anything else (a non-ASCII byte, a
  // segment such as ".x", a spurious flag) is decided by the exact check.
  const char* s = path.data();
  const size_t n = path.size();
  uint64_t odd = (s[0] == '/') | (s[0] == '.') | (s[n - 1] == '/');
  if (n < 9) {
    for (size_t i = 0; i < n; ++i) {
      const uint8_t c = static_cast<uint8_t>(s[i]);
      odd |= (c < 0x20) | (c >= 0x7f) |
             (c == '/' && i + 1 < n && (s[i + 1] == '/' || s[i + 1] == '.'));
    }
#ifdef __SSE2__
  } else if (n >= 17) {
    // Sixteen bytes at a time, as below: bytes i..i+15 and, for the pairs,
    // i+1..i+16; the last window overlaps the one before. A signed
    // compare flags bytes below 0x20 and, as negative, every non-ASCII
    // byte (which the sign mask flags anyway).
    const __m128i space = _mm_set1_epi8(0x20);
    const __m128i del = _mm_set1_epi8(0x7f);
    const __m128i slash = _mm_set1_epi8('/');
    const __m128i dot = _mm_set1_epi8('.');
    __m128i any = _mm_setzero_si128();
    auto check = [&](size_t i) {
      const __m128i w = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + i));
      const __m128i next =
          _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + i + 1));
      any = _mm_or_si128(any, _mm_or_si128(_mm_cmplt_epi8(w, space),
                                           _mm_cmpeq_epi8(w, del)));
      any = _mm_or_si128(any, _mm_or_si128(_mm_cmplt_epi8(next, space),
                                           _mm_cmpeq_epi8(next, del)));
      any = _mm_or_si128(
          any, _mm_and_si128(_mm_cmpeq_epi8(w, slash),
                             _mm_or_si128(_mm_cmpeq_epi8(next, slash),
                                          _mm_cmpeq_epi8(next, dot))));
    };
    for (size_t i = 0; i + 17 <= n; i += 16) check(i);
    check(n - 17);
    odd |= static_cast<uint64_t>(_mm_movemask_epi8(any));
#endif
  } else {
    // Bytes i..i+7 and, for the pairs, i+1..i+8; the last words overlap
    // the ones before (every check is "any byte", so a byte seen twice is
    // harmless).
    auto check = [&odd](uint64_t w, uint64_t next) {
      odd |= ((w | next) & kHighBits) | AnyBelow(w, 0x20) |
             AnyBelow(next, 0x20) | BytesEqual(w, 0x7f) |
             BytesEqual(next, 0x7f) |
             (BytesEqual(w, '/') & (BytesEqual(next, '/') | BytesEqual(next, '.')));
    };
    for (size_t i = 0; i + 9 <= n; i += 8) check(Load8(s + i), Load8(s + i + 1));
    check(Load8(s + n - 9), Load8(s + n - 8));
  }
  return odd == 0 || IsValidRelativePathExact(path);
}

bool IsValidPageKey(absl::string_view key) {
  if (key == "/") return true;
  if (key.empty() || key[0] != '/') return IsValidRelativePath(key);
  key.remove_prefix(1);
  if (key.back() == '/') key.remove_suffix(1);
  return IsValidRelativePath(key);
}

bool IsValidSiteKey(absl::string_view key) {
  return !key.empty() && key.size() <= kMaxKeyBytes &&
         IsCleanText(key);
}

bool IsValidHash(absl::string_view hash) {
  if (hash.empty() || hash.size() > kMaxHashDigits) return false;
  for (char c : hash) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

absl::Status ValidateCache(const BuildCache& cache) {
  for (absl::string_view field :
       {cache.tool_version, cache.site_id, cache.config_hash}) {
    if (!base::IsValidUtf8(field)) {
      return absl::InvalidArgumentError("identity: not valid UTF-8");
    }
  }
  auto bad = [](absl::string_view what, absl::string_view key) {
    std::string shown;
    base::AppendValidUtf8(key, &shown);
    return absl::InvalidArgumentError(
        absl::StrCat("invalid ", what, " \"", absl::CHexEscape(shown), "\""));
  };
  for (const auto& [path, source] : cache.sources) {
    if (!IsValidRelativePath(path)) return bad("source path", path);
    if (!IsValidHash(source.hash)) return bad("hash of", path);
  }
  for (const auto& [path, output] : cache.outputs) {
    if (!IsValidRelativePath(path)) return bad("output path", path);
    if (!IsValidHash(output.hash)) return bad("hash of", path);
    if (!IsValidPageKey(output.producer)) return bad("producer", path);
  }
  for (const auto& [key, page] : cache.pages) {
    if (!IsValidPageKey(key)) return bad("page key", key);
    if (!IsValidHash(page.content_hash) || !IsValidHash(page.meta_hash)) {
      return bad("fingerprint of page", key);
    }
    for (const Dependency& dep : page.deps) {
      bool ok = false;
      switch (dep.kind) {
        case DepKind::kSource:
        case DepKind::kTemplate:
        case DepKind::kData:
          ok = IsValidRelativePath(dep.key);
          break;
        case DepKind::kPageContent:
        case DepKind::kPageMeta:
          ok = IsValidPageKey(dep.key);
          break;
        case DepKind::kSiteKey:
          ok = IsValidSiteKey(dep.key);
          break;
        case DepKind::kConfig:
          ok = false;  // implicit, never stored
          break;
      }
      if (!ok) return bad(absl::StrCat(DepKindName(dep.kind), " of ", key),
                          dep.key);
    }
    if (page.markdown_reads.has_value()) {
      for (const std::string& path : *page.markdown_reads) {
        if (!IsValidRelativePath(path)) {
          return bad(absl::StrCat("markdown read of ", key), path);
        }
      }
    }
  }
  for (const auto& [key, hash] : cache.site_keys) {
    if (!IsValidSiteKey(key)) return bad("site key", key);
    if (!IsValidHash(hash)) return bad("fingerprint of site key", key);
  }
  return absl::OkStatus();
}

absl::string_view RejectReasonName(RejectReason reason) {
  switch (reason) {
    case RejectReason::kNone:
      return "accepted";
    case RejectReason::kMissing:
      return "missing";
    case RejectReason::kUnreadable:
      return "unreadable";
    case RejectReason::kParseError:
      return "parse error";
    case RejectReason::kNotACache:
      return "not a Serval build cache";
    case RejectReason::kFormatVersion:
      return "other format version";
    case RejectReason::kToolVersion:
      return "other tool version";
    case RejectReason::kOtherSite:
      return "another site's cache";
    case RejectReason::kConfigChanged:
      return "configuration changed";
    case RejectReason::kMalformed:
      return "malformed";
    case RejectReason::kChecksumMismatch:
      return "checksum mismatch";
    case RejectReason::kInvalidPath:
      return "invalid path";
  }
  return "unknown";
}

std::string LoadedCache::Message() const {
  if (ok()) return "cache accepted";
  std::string shown;
  base::AppendValidUtf8(detail, &shown);
  return absl::StrCat("cache discarded: ", RejectReasonName(reason),
                      shown.empty() ? "" : " (", shown,
                      shown.empty() ? "" : ")");
}

std::string SerializeCache(const BuildCache& cache, size_t size_hint) {
  // Header, body and trailer in one string, the body written in place:
  // the header is first written with a placeholder checksum of the same
  // length ("xxh3:" and 16 hex digits), then overwritten with the real one.
  std::string text = HeaderText(cache, ChecksumOf(""));
  const size_t body_start = text.size();
  text.reserve(std::max(size_hint, body_start + kTrailerText.size()));
  AppendBody(cache, &text);
  const std::string header = HeaderText(
      cache, ChecksumOf(absl::string_view(text).substr(body_start)));
  if (header.size() == body_start) {
    text.replace(0, body_start, header);
  } else {  // not reached: hex digits need no escape, and are 16
    text = absl::StrCat(header, absl::string_view(text).substr(body_start));
  }
  text.append(kTrailerText.data(), kTrailerText.size());
  return text;
}

LoadedCache ParseCache(absl::string_view text, const CacheIdentity& expected) {
  BuildCache cache;
  Reject reject{RejectReason::kNone, ""};
  const bool accepted = Parse(text, expected, &cache, &reject);
  return ToLoadedCache(accepted, std::move(cache), std::move(reject));
}

LoadedCache ParseCacheThroughDom(absl::string_view text,
                                 const CacheIdentity& expected) {
  BuildCache cache;
  Reject reject{RejectReason::kNone, ""};
  const bool accepted = ParseThroughDom(text, expected, &cache, &reject);
  return ToLoadedCache(accepted, std::move(cache), std::move(reject));
}

LoadedCache LoadCache(fs::Fs& fs, absl::string_view path,
                      const CacheIdentity& expected) {
  absl::StatusOr<std::string> text = fs.ReadFile(path);
  if (!text.ok()) {
    LoadedCache loaded;
    loaded.reason = absl::IsNotFound(text.status()) ? RejectReason::kMissing
                                                    : RejectReason::kUnreadable;
    loaded.detail = std::string(text.status().message());
    return loaded;
  }
  return ParseCache(*text, expected);
}

UnverifiedCache ReadCacheUnverified(fs::Fs& fs, absl::string_view path,
                                    absl::string_view tool_version) {
  UnverifiedCache unverified;
  unverified.tool_version = std::string(tool_version);
  LoadedCache& loaded = unverified.loaded;
  absl::StatusOr<std::string> text = fs.ReadFile(path);
  if (!text.ok()) {
    loaded.reason = absl::IsNotFound(text.status()) ? RejectReason::kMissing
                                                    : RejectReason::kUnreadable;
    loaded.detail = std::string(text.status().message());
    return unverified;
  }
  CacheIdentity expected;
  expected.tool_version = unverified.tool_version;
  Reject reject{RejectReason::kNone, ""};
  if (!Parse(*text, expected, &loaded.cache, &reject, /*defer_site_checks=*/true,
             &unverified.site_id_read)) {
    loaded.reason = reject.reason;
    loaded.detail = std::move(reject.detail);
  }
  unverified.text = std::move(text).value();
  return unverified;
}

LoadedCache VerifyCacheIdentity(UnverifiedCache unverified,
                                const CacheIdentity& expected) {
  LoadedCache loaded = std::move(unverified.loaded);
  if (expected.tool_version != unverified.tool_version) {
    // A caller's mistake (it read for another version): not trusted.
    LoadedCache other;
    other.reason = RejectReason::kUnreadable;
    other.detail = absl::StrCat("read for tool_version \"", unverified.tool_version,
                                "\", judged for \"", expected.tool_version, "\"");
    return other;
  }
  // The order of ParseCache's checks: the site_id before everything read
  // after it, the config_hash last.
  if (unverified.site_id_read && loaded.cache.site_id != expected.site_id) {
    LoadedCache other;
    other.reason = RejectReason::kOtherSite;
    other.detail = absl::StrCat("cache has site_id \"", loaded.cache.site_id,
                                "\", expected \"", expected.site_id, "\"");
    return other;
  }
  if (!loaded.ok()) {
    loaded.cache = BuildCache();
    return loaded;
  }
  if (loaded.cache.config_hash != expected.config_hash) {
    loaded.reason = RejectReason::kConfigChanged;
    loaded.detail = absl::StrCat("cache has config_hash \"", loaded.cache.config_hash,
                                 "\", expected \"", expected.config_hash, "\"");
  }
  return loaded;
}

absl::Status WriteCache(const fs::AtomicWriter& writer, absl::string_view path,
                        const BuildCache& cache) {
  SERVAL_RETURN_IF_ERROR(ValidateCache(cache));
  SERVAL_ASSIGN_OR_RETURN(fs::WriteOutcome outcome,
                          writer.Write(path, SerializeCache(cache)));
  (void)outcome;
  return absl::OkStatus();
}

}  // namespace serval::cache
