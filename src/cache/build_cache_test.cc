// BuildCache: round trips, the exact text, and every corruption issue 7
// names (truncation at every offset, every single-bit flip, wrong format
// version, other tool version, checksum mismatch, another site's or
// config's cache) — each rejected with its reason, never a crash. Loading
// and writing on PosixFs and MemFs.
#include "src/cache/build_cache.h"

#include <cstdio>
#include <cstring>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "rapidjson/document.h"
#include "rapidjson/prettywriter.h"
#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"
#include "src/base/fingerprint.h"
#include "src/cache/test_caches.h"
#include "src/fs/atomic_writer.h"
#include "src/fs/fs.h"
#include "src/fs/mem_fs.h"
#include "src/fs/test_fs.h"

namespace serval::cache {
namespace {

using R = RejectReason;

// ParseCache(text, id), after checking that the two halves
// (ReadCacheUnverified, then VerifyCacheIdentity) and the general parse
// alone (ParseCacheThroughDom) give exactly the same.
LoadedCache Judge(absl::string_view text, const CacheIdentity& id) {
  LoadedCache whole = ParseCache(text, id);
  fs::MemFs mem;
  {
    auto file = mem.OpenForWrite("/cache.json", fs::OpenMode::kTruncate, 0644);
    EXPECT_TRUE(file.ok() && fs::WriteAll(**file, text).ok() && (*file)->Close().ok());
  }
  LoadedCache halves = VerifyCacheIdentity(
      ReadCacheUnverified(mem, "/cache.json", id.tool_version), id);
  EXPECT_EQ(halves.reason, whole.reason) << whole.Message() << " vs " << halves.Message();
  EXPECT_EQ(halves.detail, whole.detail);
  EXPECT_TRUE(halves.cache == whole.cache) << whole.Message();
  // ParseCache's fast path for canonical text changes no result.
  LoadedCache general = ParseCacheThroughDom(text, id);
  EXPECT_EQ(general.reason, whole.reason) << whole.Message() << " vs " << general.Message();
  EXPECT_EQ(general.detail, whole.detail);
  EXPECT_TRUE(general.cache == whole.cache) << whole.Message();
  return whole;
}

LoadedCache Parse(absl::string_view text) { return Judge(text, SmallIdentity()); }

// `text` laid out as the cache was written before it was compact
// (RapidJSON's PrettyWriter, two spaces): another layout of the same
// JSON, which ParseCache accepts the same (its checksum is of the body's
// canonical form), and which the tests below edit by its lines.
std::string PrettyText(absl::string_view text) {
  rapidjson::Document doc;
  doc.Parse(text.data(), text.size());
  EXPECT_FALSE(doc.HasParseError());
  rapidjson::StringBuffer buffer;
  rapidjson::PrettyWriter<rapidjson::StringBuffer> writer(buffer);
  writer.SetIndent(' ', 2);
  doc.Accept(writer);
  return absl::StrCat(absl::string_view(buffer.GetString(), buffer.GetSize()),
                      "\n");
}

// Replaces the one occurrence of `from` in `text`.
std::string ReplaceOnce(std::string text, absl::string_view from,
                        absl::string_view to) {
  size_t at = text.find(std::string(from));
  EXPECT_NE(at, std::string::npos) << from;
  EXPECT_EQ(text.find(std::string(from), at + 1), std::string::npos) << from;
  if (at != std::string::npos) text.replace(at, from.size(), std::string(to));
  return text;
}

TEST(BuildCacheTest, RoundTripIsExactAndDeterministic) {
  for (const BuildCache& cache : {BuildCache(), SmallCache(), TinyCache()}) {
    const std::string text = SerializeCache(cache);
    EXPECT_EQ(text, SerializeCache(cache));
    CacheIdentity id{cache.site_id, cache.config_hash};
    LoadedCache loaded = Judge(text, id);
    ASSERT_TRUE(loaded.ok()) << loaded.Message() << "\n" << text;
    EXPECT_EQ(loaded.cache, cache);
    EXPECT_EQ(SerializeCache(loaded.cache), text);
  }
}

// ParseCache takes the checksum of a file in SerializeCache's layout from
// the file's own text: spaces, quotes and backslashes inside strings are
// part of the body, and a file written with them verifies.
TEST(BuildCacheTest, ChecksumKeepsWhatIsInsideStrings) {
  BuildCache cache = TinyCache();
  const std::string odd = "content/a b\\c \"d\" \xc3\xa9 \\\\ .md";
  ASSERT_TRUE(IsValidRelativePath(odd));
  cache.sources[odd] = {"ab", 7};
  cache.outputs["x y/\"z\"/index.html"] = {"cd", odd};
  cache.pages[odd].content_hash = "1";
  cache.pages[odd].meta_hash = "2";
  cache.pages[odd].deps = {{DepKind::kSource, odd},
                           {DepKind::kSiteKey, "section: a \" b"}};
  const std::string text = SerializeCache(cache);
  LoadedCache loaded = Judge(text, {cache.site_id, cache.config_hash});
  ASSERT_TRUE(loaded.ok()) << loaded.Message() << "\n" << text;
  EXPECT_EQ(loaded.cache, cache);
  // The same cache with one space inside a string changed is not.
  std::string damaged = text;
  const size_t at = damaged.find("a b");
  ASSERT_NE(at, std::string::npos);
  damaged[at + 1] = '_';
  EXPECT_EQ(Judge(damaged, {cache.site_id, cache.config_hash}).reason,
            RejectReason::kChecksumMismatch);
}

// A site of 10,000 pages: the no-op rebuild budget (100 ms) includes
// loading this. Prints the times; asserts only correctness.
TEST(BuildCacheTest, TenThousandPagesRoundTrip) {
  BuildCache cache;
  cache.site_id = SmallIdentity().site_id;
  cache.config_hash = SmallIdentity().config_hash;
  for (int i = 0; i < 10000; ++i) {
    const std::string section = absl::StrCat("s", i % 20);
    const std::string page = absl::StrCat("content/", section, "/p", i, ".md");
    cache.sources[page] = {ContentHash(page), 1000u + i};
    cache.outputs[absl::StrCat(section, "/p", i, "/index.html")] = {
        ContentHash(section), page};
    PageRecord& record = cache.pages[page];
    record.content_hash = ContentHash(absl::StrCat("c", i));
    record.meta_hash = ContentHash(absl::StrCat("m", i));
    record.deps = {{DepKind::kSource, page},
                   {DepKind::kTemplate, "templates/base.html"},
                   {DepKind::kTemplate, "templates/page.html"},
                   {DepKind::kTemplate, "templates/partials/nav.html"},
                   {DepKind::kData, "data/menu.yaml"},
                   {DepKind::kPageMeta, absl::StrCat("content/", section,
                                                     "/p", i + 20, ".md")},
                   {DepKind::kSiteKey, SectionPagesKey(section)}};
    cache.site_keys[SectionPagesKey(section)] = ContentHash(section);
  }
  absl::Time start = absl::Now();
  const std::string text = SerializeCache(cache);
  absl::Time serialized = absl::Now();
  LoadedCache loaded = Parse(text);
  absl::Time parsed = absl::Now();
  ASSERT_TRUE(loaded.ok()) << loaded.Message();
  EXPECT_EQ(loaded.cache, cache);
  std::printf("10k pages: %zu bytes, serialize %s, parse+verify %s\n",
              text.size(),
              absl::FormatDuration(serialized - start).c_str(),
              absl::FormatDuration(parsed - serialized).c_str());
}

TEST(BuildCacheTest, ExactText) {
  EXPECT_EQ(SerializeCache(TinyCache()),
            R"({"format":"serval-build-cache","format_version":2,)"
            R"("tool_version":"0.1.0","site_id":"5e1f0c2b9a3d4e71",)"
            R"("config_hash":"c0ffee0123456789",)"
            R"("checksum":"xxh3:2517295b803dce71","body":{)"
            R"("sources":{"content/a.md":{"hash":"1f","size":3}},)"
            R"("outputs":{"a.html":{"hash":"2e","producer":"content/a.md"}},)"
            R"("pages":{"content/a.md":{"content_hash":"3d","meta_hash":"4c",)"
            R"("deps":{"source":["content/a.md"],"template":["t.html"],)"
            R"("site_key":["s:x"]},"markdown_reads":["content/b.md"]}},)"
            R"("site_keys":{"s:x":"5b"}}})"
            "\n");
}

// The checksum is of the body's canonical form, not of its layout: the
// same cache pretty-printed (whitespace between every token, in the
// header, in the body, around the body) is accepted, equal.
TEST(BuildCacheTest, ChecksumIgnoresWhitespaceOnly) {
  for (const BuildCache& cache : {TinyCache(), SmallCache()}) {
    const std::string text = SerializeCache(cache);
    std::string spaced;
    bool in_string = false;
    for (size_t i = 0; i < text.size(); ++i) {
      const char c = text[i];
      spaced += c;
      if (in_string) {
        if (c == '\\') spaced += text[++i];
        if (c == '"') in_string = false;
      } else if (c == '"') {
        in_string = true;
      } else if (c == ',' || c == ':' || c == '{' || c == '[') {
        spaced += "\n  ";
      }
    }
    ASSERT_NE(spaced, text);
    LoadedCache loaded = Judge(spaced, {cache.site_id, cache.config_hash});
    ASSERT_TRUE(loaded.ok()) << loaded.Message();
    EXPECT_EQ(loaded.cache, cache);
    // Only around the body, or only inside it.
    for (absl::string_view variant :
         {absl::StrCat(" \n", text), absl::StrCat(text, "\n\n")}) {
      LoadedCache again = Judge(variant, {cache.site_id, cache.config_hash});
      ASSERT_TRUE(again.ok()) << again.Message();
      EXPECT_EQ(again.cache, cache);
    }
  }
}

// Edits of a canonical text at the edges of what the fast path reads
// (escapes, numbers, empty and duplicate entries, member order, identity):
// Judge checks each result against the general parse's.
TEST(BuildCacheTest, FastPathAgreesAtItsEdges) {
  const std::string text = SerializeCache(SmallCache());
  ASSERT_TRUE(Parse(text).ok());
  const std::pair<const char*, const char*> edits[] = {
      {"\"size\":4}", "\"size\":0}"},
      {"\"size\":4}", "\"size\":04}"},
      {"\"size\":4}", "\"size\":18446744073709551615}"},
      {"\"size\":4}", "\"size\":18446744073709551616}"},
      {"\"size\":4}", "\"size\":-4}"},
      {"\"size\":4}", "\"size\":4.0}"},
      {"\"size\":4}", "\"size\":4 }"},
      {"\"content/_index.md\":{\"hash\"", "\"content\\/_index.md\":{\"hash\""},
      {"\"content/_index.md\":{\"hash\"", "\"content/_index.m\\u0064\":{\"hash\""},
      {"\"content/_index.md\":{\"hash\"", "\"content/\x7f.md\":{\"hash\""},
      {"\"content/_index.md\":{\"hash\"", "\"content/\t.md\":{\"hash\""},
      {"\"content/_index.md\":{\"hash\"", "\"content/blog/a.md\":{\"hash\""},
      {"\"markdown_reads\":[]", "\"markdown_reads\":[\"a.md\",\"a.md\"]"},
      {"\"markdown_reads\":[]", ""},
      {"\"site_key\":[\"term:tags/go\"]", "\"site_key\":[]"},
      {"\"site_key\":[\"term:tags/go\"]", "\"config\":[\"serval.toml\"]"},
      {"\"site_key\":[\"term:tags/go\"]",
       "\"site_key\":[\"term:tags/go\"],\"site_key\":[\"x\"]"},
      {"{\"page_meta\":[\"content/blog/a.md\"],\"site_key\":[\"term:tags/go\"]}",
       "{\"site_key\":[\"term:tags/go\"],\"page_meta\":[\"content/blog/a.md\"]}"},
      // Not UTF-8 inside a path, a producer, a hash and a site key: the
      // fast path leaves UTF-8 to ValidateCache, the general parse
      // rejects the text.
      {"\"content/_index.md\":{\"hash\"", "\"content/\xff.md\":{\"hash\""},
      {"\"producer\":\"content/_index.md\"", "\"producer\":\"content/\xc3.md\""},
      {"\"size\":4}", "\"size\":4,\"hash\":\"\xc3\xa9\"}"},
      {"\"site_keys\":{", "\"site_keys\":{\"s\xe2\x82\":\"1f\","},
      {"\"format_version\":2", "\"format_version\":2.0"},
      {"\"site_id\":\"5e1f", "\"site_id\":\"6e1f"},
      {"\"config_hash\":\"c0ff", "\"config_hash\":\"d0ff"},
      {"\"tool_version\":\"", "\"tool_version\":\"x"},
  };
  for (const auto& [from, to] : edits) {
    std::string edited = text;
    const size_t at = edited.find(from);
    ASSERT_NE(at, std::string::npos) << from;
    edited.replace(at, std::strlen(from), to);
    SCOPED_TRACE(to);
    Parse(edited);
    // With its checksum made right, so that the body's edit is judged.
    const size_t body = edited.find("\"body\":") + 7;
    const std::string body_text =
        edited.substr(body, edited.size() - body - 2);
    const size_t sum = edited.find("xxh3:") + 5;
    edited.replace(sum, 16, base::FastFingerprint64Hex(body_text));
    Parse(edited);
  }
  // A site_id and a config_hash that need escapes: the general parse
  // decides, and accepts.
  BuildCache escaped = SmallCache();
  escaped.site_id = "a\"b";
  escaped.config_hash = "c\\d";
  const CacheIdentity id{escaped.site_id, escaped.config_hash};
  LoadedCache loaded = Judge(SerializeCache(escaped), id);
  ASSERT_TRUE(loaded.ok()) << loaded.Message();
  EXPECT_EQ(loaded.cache, escaped);
}

TEST(BuildCacheTest, TruncatedAtEveryOffsetIsRejected) {
  const std::string text = SerializeCache(TinyCache());
  for (size_t n = 0; n < text.size(); ++n) {
    LoadedCache loaded = Parse(text.substr(0, n));
    if (n == text.size() - 1) {  // only the final newline is gone
      ASSERT_TRUE(loaded.ok()) << loaded.Message();
      EXPECT_EQ(loaded.cache, TinyCache());
      continue;
    }
    EXPECT_EQ(loaded.reason, R::kParseError) << n << ": " << loaded.Message();
  }
}

// The reasons a flip in each part of the file may give. Everything may
// also break the JSON syntax.
std::set<R> AllowedReasons(const std::string& text, size_t offset) {
  auto inside_value = [&](absl::string_view member) {
    const std::string key = absl::StrCat("\"", member, "\":");
    size_t start = text.find(key) + key.size();
    if (text[start] == ' ') ++start;
    size_t end = text.find_first_of(",\n", start);
    if (text[start] == '"') {  // the string's contents, not its quotes
      ++start;
      --end;
    }
    return offset >= start && offset < end;
  };
  const size_t body = text.find("\"body\":") + 7;
  if (inside_value("format")) return {R::kParseError, R::kNotACache};
  if (inside_value("format_version")) return {R::kParseError, R::kFormatVersion};
  if (inside_value("tool_version")) return {R::kParseError, R::kToolVersion};
  if (inside_value("site_id")) return {R::kParseError, R::kOtherSite};
  if (inside_value("config_hash")) return {R::kParseError, R::kConfigChanged};
  if (inside_value("checksum")) return {R::kParseError, R::kChecksumMismatch};
  if (offset >= body && offset < text.size() - 2) {
    return {R::kParseError, R::kMalformed, R::kChecksumMismatch};
  }
  return {R::kParseError, R::kMalformed, R::kNotACache};
}

// In the layout SerializeCache writes, and in another (PrettyText).
TEST(BuildCacheTest, EverySingleBitFlipIsRejectedForItsReason) {
  for (const std::string& text : {SerializeCache(TinyCache()),
                                  PrettyText(SerializeCache(TinyCache()))}) {
    std::map<R, int> seen;
    for (size_t offset = 0; offset < text.size(); ++offset) {
      const std::set<R> allowed = AllowedReasons(text, offset);
      for (int bit = 0; bit < 8; ++bit) {
        std::string flipped = text;
        flipped[offset] = static_cast<char>(flipped[offset] ^ (1 << bit));
        LoadedCache loaded = Parse(flipped);
        ++seen[loaded.reason];
        if (loaded.ok()) {
          EXPECT_EQ(loaded.cache, TinyCache()) << offset << "/" << bit;
          continue;
        }
        EXPECT_EQ(allowed.count(loaded.reason), 1u)
            << "offset " << offset << " ('" << text[offset] << "') bit " << bit
            << ": " << loaded.Message();
      }
    }
    // Every header field's reason is reached by some flip.
    for (R reason : {R::kParseError, R::kNotACache, R::kFormatVersion,
                     R::kToolVersion, R::kOtherSite, R::kConfigChanged,
                     R::kMalformed, R::kChecksumMismatch}) {
      EXPECT_GT(seen[reason], 0) << RejectReasonName(reason);
    }
  }
}

TEST(BuildCacheTest, WrongFormatVersion) {
  const std::string text = PrettyText(SerializeCache(SmallCache()));
  for (const char* version : {"0", "1", "3", "-1", "9223372036854775807",
                              "18446744073709551615"}) {
    LoadedCache loaded = Parse(ReplaceOnce(text, "\"format_version\": 2",
                                           absl::StrCat("\"format_version\": ",
                                                        version)));
    EXPECT_EQ(loaded.reason, R::kFormatVersion) << version;
  }
  // Floating point is malformed even when its value is 2.
  for (const char* version : {"2.0", "2e0", "\"2\""}) {
    LoadedCache loaded = Parse(ReplaceOnce(text, "\"format_version\": 2",
                                           absl::StrCat("\"format_version\": ",
                                                        version)));
    EXPECT_EQ(loaded.reason, R::kMalformed) << version;
  }
}

TEST(BuildCacheTest, OtherToolVersion) {
  BuildCache cache = SmallCache();
  cache.tool_version = "0.0.9";
  LoadedCache loaded = Parse(SerializeCache(cache));
  EXPECT_EQ(loaded.reason, R::kToolVersion);
  EXPECT_EQ(loaded.Message(),
            "cache discarded: other tool version (cache has tool_version "
            "\"0.0.9\", expected \"0.1.0\")");
  EXPECT_EQ(loaded.cache, BuildCache());  // nothing half-loaded
}

TEST(BuildCacheTest, AnotherSitesOrConfigsCache) {
  const std::string text = PrettyText(SerializeCache(SmallCache()));
  CacheIdentity other_site = SmallIdentity();
  other_site.site_id = "0000000000000000";
  EXPECT_EQ(Judge(text, other_site).reason, R::kOtherSite);
  CacheIdentity other_config = SmallIdentity();
  other_config.config_hash = "1111111111111111";
  EXPECT_EQ(Judge(text, other_config).reason, R::kConfigChanged);
  // The site is judged before the body: another site's damaged cache is
  // another site's, a damaged cache of this site is damaged.
  const std::string damaged = text.substr(0, text.size() - 40) + "}";
  EXPECT_EQ(Judge(damaged, other_site).reason, R::kParseError);
  std::string bad_sum = text;
  const size_t at = bad_sum.find("\"checksum\": \"") + 13;
  bad_sum[at] = bad_sum[at] == '0' ? '1' : '0';
  EXPECT_EQ(Judge(bad_sum, other_site).reason, R::kOtherSite);
  EXPECT_EQ(Judge(bad_sum, other_config).reason, R::kChecksumMismatch);
  EXPECT_EQ(Judge(bad_sum, SmallIdentity()).reason, R::kChecksumMismatch);
  // Read for one tool version and judged for another: not trusted.
  fs::MemFs mem;
  {
    auto file = mem.OpenForWrite("/c.json", fs::OpenMode::kTruncate, 0644);
    ASSERT_TRUE(file.ok() && fs::WriteAll(**file, text).ok() && (*file)->Close().ok());
  }
  CacheIdentity id = SmallIdentity();
  EXPECT_TRUE(VerifyCacheIdentity(ReadCacheUnverified(mem, "/c.json", id.tool_version), id).ok());
  EXPECT_EQ(VerifyCacheIdentity(ReadCacheUnverified(mem, "/c.json", "9.9.9"), id).reason,
            R::kUnreadable);
}

TEST(BuildCacheTest, ChecksumMismatch) {
  const std::string text = PrettyText(SerializeCache(TinyCache()));
  // A plausible edit of each part of the body, checksum left as it was.
  for (auto [from, to] : std::vector<std::pair<const char*, const char*>>{
           {"\"size\": 3", "\"size\": 4"},
           {"\"hash\": \"1f\"", "\"hash\": \"1e\""},
           {"\"producer\": \"content/a.md\"", "\"producer\": \"content/b.md\""},
           {"\"t.html\"", "\"u.html\""},
           {"\"s:x\": \"5b\"", "\"s:x\": \"5c\""},
           {"\"content/a.md\": {\n        \"hash\"",
            "\"content/b.md\": {\n        \"hash\""},
       }) {
    LoadedCache loaded = Parse(ReplaceOnce(text, from, to));
    EXPECT_EQ(loaded.reason, R::kChecksumMismatch) << from;
  }
  // Dropping a whole dependency list is a change too.
  LoadedCache loaded = Parse(ReplaceOnce(
      text, ",\n          \"site_key\": [\n            \"s:x\"\n          ]",
      ""));
  EXPECT_EQ(loaded.reason, R::kChecksumMismatch);
  // And dropping, emptying or editing a page's Markdown reads.
  for (auto [from, to] : std::vector<std::pair<const char*, const char*>>{
           {",\n        \"markdown_reads\": [\n          \"content/b.md\"\n        ]", ""},
           {"[\n          \"content/b.md\"\n        ]", "[]"},
           {"\"content/b.md\"\n", "\"content/c.md\"\n"},
       }) {
    EXPECT_EQ(Parse(ReplaceOnce(text, from, to)).reason, R::kChecksumMismatch)
        << from;
  }
  // So is a tampered checksum, or one of another length.
  const size_t at = text.find("\"xxh3:");
  ASSERT_NE(at, std::string::npos);
  const std::string checksum = text.substr(at + 1, 5 + 16);
  std::string tampered = checksum;
  tampered.back() = tampered.back() == '0' ? '1' : '0';
  EXPECT_EQ(Parse(ReplaceOnce(text, checksum, tampered)).reason,
            R::kChecksumMismatch);
  EXPECT_EQ(Parse(ReplaceOnce(text, checksum, checksum + "0")).reason,
            R::kChecksumMismatch);
  EXPECT_EQ(Parse(ReplaceOnce(text, "\"xxh3:", "\"md5:")).reason,
            R::kChecksumMismatch);
}

// Caches written before the checksum became XXH3 carry an FNV-1a one: still
// accepted when it matches, by either layout, and rejected when it does not.
TEST(BuildCacheTest, FnvChecksumOfEarlierBuildsIsAccepted) {
  for (const BuildCache& cache : {TinyCache(), SmallCache()}) {
    const std::string text = SerializeCache(cache);
    const size_t at = text.find("\"xxh3:");
    ASSERT_NE(at, std::string::npos);
    const std::string checksum = text.substr(at + 1, 5 + 16);
    const size_t body = text.find("\"body\":") + 7;
    const std::string fnv = absl::StrCat(
        "fnv1a64:",
        base::Fingerprint64Hex(absl::string_view(text).substr(
            body, text.size() - body - 2)));  // without the "}\n" trailer
    const std::string old = ReplaceOnce(text, checksum, fnv);
    for (const std::string& variant : {old, PrettyText(old)}) {
      LoadedCache loaded = Judge(variant, {cache.site_id, cache.config_hash});
      ASSERT_TRUE(loaded.ok()) << loaded.Message();
      EXPECT_EQ(loaded.cache, cache);
      std::string wrong = ReplaceOnce(variant, fnv, "fnv1a64:0123456789abcdef");
      EXPECT_EQ(Judge(wrong, {cache.site_id, cache.config_hash}).reason,
                R::kChecksumMismatch);
    }
  }
}

TEST(BuildCacheTest, NotJsonOrNotACache) {
  EXPECT_EQ(Parse("").reason, R::kParseError);
  EXPECT_EQ(Parse("{").reason, R::kParseError);
  EXPECT_EQ(Parse("{} x").reason, R::kParseError);
  EXPECT_EQ(Parse("{\"format\": \"serval-build-cache\"} // c").reason,
            R::kParseError);
  EXPECT_EQ(Parse(std::string("{}\0", 3)).reason, R::kParseError);
  EXPECT_EQ(Parse("\xff").reason, R::kParseError);
  EXPECT_EQ(Parse("{}").reason, R::kNotACache);
  EXPECT_EQ(Parse("[]").reason, R::kNotACache);
  EXPECT_EQ(Parse("null").reason, R::kNotACache);
  EXPECT_EQ(Parse("{\"format\": 1}").reason, R::kNotACache);
  // Deep nesting is parsed iteratively: no stack overflow.
  const std::string deep = std::string(200000, '[') + std::string(200000, ']');
  EXPECT_EQ(Parse(deep).reason, R::kNotACache);
}

TEST(BuildCacheTest, SchemaViolationsAreMalformed) {
  const std::string text = PrettyText(SerializeCache(TinyCache()));
  for (auto [from, to] : std::vector<std::pair<const char*, const char*>>{
           {"\"size\": 3", "\"size\": 3.0"},
           {"\"size\": 3", "\"size\": 3e0"},
           {"\"size\": 3", "\"size\": -3"},
           {"\"size\": 3", "\"size\": 18446744073709551616"},
           {"\"size\": 3", "\"size\": \"3\""},
           {"\"size\": 3", "\"size\": 3, \"size\": 3"},
           {"\"size\": 3", "\"size\": 3, \"mtime\": 3"},
           {"\"hash\": \"1f\"", "\"hash\": \"1F\""},
           {"\"hash\": \"1f\"", "\"hash\": \"\""},
           {"\"hash\": \"1f\"", "\"hash\": 31"},
           {"\"site_id\"", "\"site\""},
           {"\"body\": {", "\"extra\": 1, \"body\": {"},
           {"\"site_keys\": {", "\"site_keys\": {\"s:x\": \"5b\", "},
           {"\"source\": [", "\"sources\": ["},
           {"\"t.html\"", "\"t.html\", \"t.html\""},
           {"\"t.html\"", "7"},
           {"\"t.html\"", "{\"a\": \"t.html\"}"},
           {"\"markdown_reads\": [", "\"markdown_read\": ["},
           {"\"markdown_reads\": [", "\"markdown_reads\": 1, \"x\": ["},
           {"\"content/b.md\"\n", "\"content/b.md\", \"content/b.md\"\n"},
           {"\"content/b.md\"\n", "7\n"},
       }) {
    LoadedCache loaded = Parse(ReplaceOnce(text, from, to));
    EXPECT_EQ(loaded.reason, R::kMalformed)
        << from << " -> " << to << ": " << loaded.Message();
  }
}

TEST(BuildCacheTest, UnsafePathsAreRejected) {
  for (const std::string& path :
       {std::string("../etc/passwd"), std::string("/etc/passwd"),
        std::string("a/../../b"), std::string("a//b"), std::string("./a"),
        std::string("a/"), std::string(""), std::string("a\nb"),
        std::string("a\0b", 3), std::string(5000, 'a')}) {
    BuildCache cache = TinyCache();
    cache.sources[path] = {"ab", 1};
    EXPECT_FALSE(ValidateCache(cache).ok());
    LoadedCache loaded = Parse(SerializeCache(cache));
    EXPECT_EQ(loaded.reason, R::kInvalidPath) << loaded.Message();

    cache = TinyCache();
    cache.outputs[path] = {"ab", "content/a.md"};
    EXPECT_EQ(Parse(SerializeCache(cache)).reason, R::kInvalidPath);
    cache = TinyCache();
    cache.pages["content/a.md"].deps.insert({DepKind::kTemplate, path});
    EXPECT_EQ(Parse(SerializeCache(cache)).reason, R::kInvalidPath);
    cache = TinyCache();
    cache.pages["content/a.md"].markdown_reads->insert(path);
    EXPECT_EQ(Parse(SerializeCache(cache)).reason, R::kInvalidPath);
  }
  // Page keys may be URL paths; other keys must still be safe.
  EXPECT_TRUE(IsValidPageKey("/"));
  EXPECT_TRUE(IsValidPageKey("/tags/go/"));
  EXPECT_TRUE(IsValidPageKey("content/a.md"));
  EXPECT_FALSE(IsValidPageKey("//"));
  EXPECT_FALSE(IsValidPageKey("/tags/../x/"));
  EXPECT_TRUE(IsValidSiteKey("term:tags/c++"));
  EXPECT_FALSE(IsValidSiteKey(""));
  EXPECT_FALSE(IsValidSiteKey("a\tb"));
  // Invalid UTF-8 never gets through either way.
  BuildCache cache = TinyCache();
  cache.sources["content/\xc3("] = {"ab", 1};
  EXPECT_FALSE(ValidateCache(cache).ok());
  EXPECT_FALSE(Parse(SerializeCache(cache)).ok());
}

// SerializeCache writes the body with its own compact writer: the bytes
// must be what rapidjson::Writer writes for the same values (the text is
// re-written through RapidJSON's DOM, which keeps member order), strings
// that need escapes included.
TEST(BuildCacheTest, TextIsWhatRapidJsonWrites) {
  BuildCache odd = SmallCache();
  odd.sources["content/quote\"back\\slash.md"] = {"ab", 18446744073709551615u};
  odd.sources[std::string("content/ctl\x01\x1f\n\t.md")] = {"cd", 0};
  odd.outputs["caf\xc3\xa9/\xe6\x97\xa5/index.html"] = {"ef", "content/\x7f.md"};
  odd.pages["content/a.md"].deps.insert({DepKind::kSiteKey, "term:tags/\"q\""});
  // Strings are checked eight bytes at a time: an escape at every offset
  // of every length up to 20.
  for (size_t length = 1; length <= 20; ++length) {
    for (size_t at = 0; at < length; ++at) {
      for (char c : {'"', '\\', '\x01', '\x1f', '\x7f', ' '}) {
        std::string key(length, 'k');
        key[at] = c;
        odd.site_keys[key] = "ab";
      }
    }
  }
  // Empty maps, a page without dependencies, empty markdown reads.
  BuildCache empty;
  BuildCache bare = TinyCache();
  bare.pages["content/bare.md"] = {};
  bare.pages["content/reads.md"].markdown_reads.emplace();
  bare.pages["content/reads.md"].deps.insert({DepKind::kTemplate, "t.html"});
  for (const BuildCache& cache : {TinyCache(), SmallCache(), odd, empty, bare}) {
    const std::string text = SerializeCache(cache);
    // The size hint reserves, and changes no byte.
    for (size_t hint : {size_t{0}, size_t{1}, text.size() - 1, text.size(),
                        text.size() * 3}) {
      EXPECT_EQ(SerializeCache(cache, hint), text) << hint;
    }
    rapidjson::Document doc;
    doc.Parse(text.data(), text.size());
    ASSERT_FALSE(doc.HasParseError());
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
    doc.Accept(writer);
    EXPECT_EQ(absl::StrCat(absl::string_view(buffer.GetString(), buffer.GetSize()),
                           "\n"),
              text);
  }
}

// IsValidRelativePath's fast path against the rule it implements, on every
// string of up to 6 bytes over an alphabet of the bytes that matter
// (segment letters, '/', '.', a control byte, DEL, a UTF-8 pair and a
// byte that is never UTF-8).
TEST(BuildCacheTest, RelativePathCheckMatchesItsRule) {
  auto rule = [](absl::string_view path) {
    if (path.empty() || path.size() > 4096) return false;
    for (size_t i = 0; i < path.size();) {
      const unsigned char c = static_cast<unsigned char>(path[i]);
      if (c < 0x20 || c == 0x7f || c == 0xff) return false;
      if (c == 0xc3) {  // the pair's lead byte needs its continuation
        if (i + 1 == path.size() ||
            static_cast<unsigned char>(path[i + 1]) != 0xa9) {
          return false;
        }
        i += 2;
        continue;
      }
      if (c == 0xa9) return false;  // a continuation byte alone
      ++i;
    }
    for (absl::string_view part : absl::StrSplit(path, '/')) {
      if (part.empty() || part == "." || part == "..") return false;
    }
    return true;
  };
  const std::string alphabet = {'a', '/', '.', '\x01', '\x7f', '\xc3',
                                '\xa9', '\xff'};
  std::vector<std::string> level = {""};
  size_t checked = 0;
  for (int length = 1; length <= 6; ++length) {
    std::vector<std::string> next;
    for (const std::string& prefix : level) {
      for (char c : alphabet) next.push_back(prefix + c);
    }
    for (const std::string& path : next) {
      ASSERT_EQ(IsValidRelativePath(path), rule(path))
          << absl::CHexEscape(path);
      ++checked;
    }
    level = std::move(next);
  }
  EXPECT_EQ(checked, 299592u);  // 8 + 8^2 + ... + 8^6
  // The check goes eight or sixteen bytes at a time: every three-byte
  // string at every offset across the first two boundaries of either,
  // alone and followed by more segment bytes.
  for (size_t pad = 0; pad <= 35; ++pad) {
    for (char a : alphabet) {
      for (char b : alphabet) {
        for (char c : alphabet) {
          for (absl::string_view tail : {"", "b", "bcdefghij"}) {
            const std::string path =
                absl::StrCat(std::string(pad, 'a'), std::string{a, b, c}, tail);
            ASSERT_EQ(IsValidRelativePath(path), rule(path))
                << absl::CHexEscape(path);
          }
        }
      }
    }
  }
  EXPECT_TRUE(IsValidRelativePath("content/.well-known/a.md"));
  EXPECT_TRUE(IsValidRelativePath(".hidden/a"));
  EXPECT_FALSE(IsValidRelativePath("a/./b"));
  EXPECT_FALSE(IsValidRelativePath(std::string(4097, 'a')));
  EXPECT_TRUE(IsValidRelativePath(std::string(4096, 'a')));
}

// Found by cache_roundtrip_fuzzer (corpus file
// crash-config-dependency-dropped): a kConfig dependency, which is implicit
// and never stored, was silently dropped by SerializeCache, so an invalid
// cache round-tripped into a different, valid one. It now serializes and is
// refused.
TEST(BuildCacheTest, StoredConfigDependencyIsRefusedNotDropped) {
  BuildCache with_config = TinyCache();
  with_config.pages["content/a.md"].deps.insert({DepKind::kConfig, "x"});
  EXPECT_FALSE(ValidateCache(with_config).ok());
  EXPECT_EQ(Parse(SerializeCache(with_config)).reason, R::kMalformed);
}

TEST(BuildCacheTest, ReasonNames) {
  EXPECT_EQ(RejectReasonName(R::kChecksumMismatch), "checksum mismatch");
  LoadedCache ok;
  EXPECT_EQ(ok.Message(), "cache accepted");
  LoadedCache missing{R::kMissing, "", {}};
  EXPECT_EQ(missing.Message(), "cache discarded: missing");
}

class BuildCacheFsTest : public ::testing::TestWithParam<fs::FsKind> {
 protected:
  fs::TestFs t_{GetParam()};
  fs::AtomicWriter Writer() {
    fs::AtomicWriteOptions options;
    options.durability = fs::Durability::kStrict;
    options.root = t_.root();
    return fs::AtomicWriter(&t_.fs(), options);
  }
};

TEST_P(BuildCacheFsTest, WriteThenLoad) {
  const std::string path = t_.Path(kCacheRelativePath);
  fs::AtomicWriter writer = Writer();
  ASSERT_TRUE(WriteCache(writer, path, SmallCache()).ok());
  LoadedCache loaded = LoadCache(t_.fs(), path, SmallIdentity());
  ASSERT_TRUE(loaded.ok()) << loaded.Message();
  EXPECT_EQ(loaded.cache, SmallCache());
  EXPECT_EQ(t_.fs().ReadFile(path).value(), SerializeCache(SmallCache()));

  // Rewriting replaces it whole.
  ASSERT_TRUE(WriteCache(writer, path, TinyCache()).ok());
  EXPECT_EQ(LoadCache(t_.fs(), path, SmallIdentity()).cache, TinyCache());
}

TEST_P(BuildCacheFsTest, MissingCorruptAndUnreadable) {
  const std::string path = t_.Path(kCacheRelativePath);
  EXPECT_EQ(LoadCache(t_.fs(), path, SmallIdentity()).reason, R::kMissing);
  ASSERT_TRUE(Writer().Write(path, "{\"format\": \"serval-build-c").ok());
  EXPECT_EQ(LoadCache(t_.fs(), path, SmallIdentity()).reason,
            R::kParseError);
  // A directory where the file should be.
  const std::string dir = t_.Path("dir.json");
  ASSERT_TRUE(t_.fs().CreateDir(dir, 0755).ok());
  EXPECT_EQ(LoadCache(t_.fs(), dir, SmallIdentity()).reason,
            R::kUnreadable);
}

TEST_P(BuildCacheFsTest, InvalidCacheIsNeverWritten) {
  const std::string path = t_.Path(kCacheRelativePath);
  BuildCache cache = SmallCache();
  cache.outputs["../escape.html"] = {"ab", "content/a.md"};
  absl::Status status = WriteCache(Writer(), path, cache);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  EXPECT_EQ(LoadCache(t_.fs(), path, SmallIdentity()).reason, R::kMissing);
}

INSTANTIATE_TEST_SUITE_P(Fs, BuildCacheFsTest,
                         ::testing::Values(fs::FsKind::kPosix,
                                           fs::FsKind::kMem),
                         fs::FsKindName<
                             ::testing::TestParamInfo<fs::FsKind>>);

}  // namespace
}  // namespace serval::cache
