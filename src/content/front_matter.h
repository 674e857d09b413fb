// front_matter.h — splitting a content file into front matter and body, and
// parsing the front matter into one JSON tree whatever its syntax.
//
//   ---            YAML (libyaml, YAML 1.2 core schema)
//   title: Hi
//   ---
//   +++            TOML (toml++)
//   title = "Hi"
//   +++
//   {              JSON (RapidJSON); the object ends the front matter
//     "title": "Hi"
//   }
//
// Whatever the syntax, the result is a RapidJSON object: YAML/TOML scalars
// become strings, integers, doubles, booleans or null; TOML dates become
// RFC 3339 strings. Every error is "path:line:col: message" with the
// position in the *file* (not in the front matter), and a non-OK Status.
// Hostile input is bounded: nesting depth and YAML alias expansion are
// capped, duplicate keys are errors.
//
// Example:
//   SERVAL_ASSIGN_OR_RETURN(ParsedContent page,
//                           ParseContentFile("content/a.md", text));
//   page.front_matter["title"].GetString();
//   page.body;  // the Markdown after the closing delimiter
//
// Thread-safe: pure functions (each call owns its parser).
#ifndef SERVAL_CONTENT_FRONT_MATTER_H_
#define SERVAL_CONTENT_FRONT_MATTER_H_

#include <memory>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "rapidjson/document.h"
#include "src/content/source_position.h"

namespace serval::content {

enum class FrontMatterFormat { kNone, kYaml, kToml, kJson };

// Maximum nesting of front matter values, and maximum number of values a
// YAML document may expand to through aliases ("billion laughs").
inline constexpr int kMaxFrontMatterDepth = 64;
inline constexpr int kMaxFrontMatterNodes = 100000;

struct SplitContent {
  FrontMatterFormat format = FrontMatterFormat::kNone;
  absl::string_view front_matter;   // between the delimiters
  SourcePosition front_matter_start;  // where front_matter begins in the file
  absl::string_view body;           // after the closing delimiter line
  SourcePosition body_start;
};

// Finds the front matter of `text`. A file without front matter has format
// kNone and the whole text as body. An opening delimiter without a closing
// one is an error at the opening line.
absl::StatusOr<SplitContent> SplitFrontMatter(absl::string_view path,
                                              absl::string_view text);

// A parsed data file (data/*.yaml|json|toml, serval.toml).
struct ParsedData {
  // Null (value owns a default allocator), or the pool `value` allocates
  // from; held here so that moving a ParsedData keeps it alive.
  std::unique_ptr<rapidjson::MemoryPoolAllocator<>> pool;
  rapidjson::Document value;
  absl::flat_hash_map<std::string, SourcePosition> key_positions;  // top level
};

struct ParsedContent {
  FrontMatterFormat format = FrontMatterFormat::kNone;
  // front_matter's values live in this pool of small chunks: a build holds
  // every page's ParsedContent at once, and RapidJSON's default allocator
  // takes a 64 KiB chunk per document (640 MiB asked of malloc for 10,000
  // pages).
  std::unique_ptr<rapidjson::MemoryPoolAllocator<>> front_matter_pool;
  rapidjson::Document front_matter;  // always an object
  static constexpr size_t kFrontMatterChunkBytes = 1024;
  // Where each top-level key appears in the file, for typed-field errors.
  absl::flat_hash_map<std::string, SourcePosition> key_positions;
  std::string body;
  SourcePosition body_start;
};

// Validates UTF-8 (an invalid byte is an error at its line:col), splits and
// parses the front matter.
absl::StatusOr<ParsedContent> ParseContentFile(absl::string_view path,
                                               absl::string_view text);

// Parses a whole file in `format` (not kNone). With `require_mapping` the
// root must be a mapping/object (config files); data files may hold any
// value. Errors as for front matter: "path:line:col: message".
absl::StatusOr<ParsedData> ParseDataFile(absl::string_view path,
                                         absl::string_view text,
                                         FrontMatterFormat format,
                                         bool require_mapping);

namespace internal {
// For front_matter_test and the fuzzer, which check that the two agree:
// YAML front matter through the fast path for flat mappings alone (false:
// not in its subset, `out` untouched), and through libyaml alone.
bool ParseFlatYamlForTest(const SplitContent& split, ParsedData* out);
absl::Status ParseYamlWithLibyamlForTest(absl::string_view path,
                                         const SplitContent& split,
                                         ParsedData* out);
}  // namespace internal

}  // namespace serval::content

#endif  // SERVAL_CONTENT_FRONT_MATTER_H_
