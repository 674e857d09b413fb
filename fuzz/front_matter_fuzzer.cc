// front_matter_fuzzer — any bytes as a content file:
//  * parsing either succeeds or fails with "path:line:col: message";
//  * on success the front matter is an object and the body is a suffix of
//    the input; no crash, no unbounded recursion or expansion;
//  * YAML front matter the fast path for flat mappings takes is parsed by
//    libyaml alone to the same values (member order and number types
//    included) and key positions.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/string_view.h"
#include "src/content/front_matter.h"
#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"

namespace {
void Check(bool condition, const char* what) {
  if (!condition) {
    std::fprintf(stderr, "front_matter_fuzzer: invariant failed: %s\n", what);
    std::abort();
  }
}

std::string JsonOf(const rapidjson::Value& value) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  value.Accept(writer);
  return std::string(buffer.GetString(), buffer.GetSize());
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 64 * 1024) return 0;
  absl::string_view text(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<serval::content::ParsedContent> parsed =
      serval::content::ParseContentFile("content/f.md", text);
  if (!parsed.ok()) {
    Check(absl::StartsWith(parsed.status().message(), "content/f.md:"),
          "error names the file");
    Check(parsed.status().code() == absl::StatusCode::kInvalidArgument,
          "error is InvalidArgument");
    return 0;
  }
  Check(parsed->front_matter.IsObject(), "front matter is an object");
  Check(absl::EndsWith(text, parsed->body), "body is a suffix of the input");
  if (parsed->format == serval::content::FrontMatterFormat::kYaml) {
    absl::StatusOr<serval::content::SplitContent> split =
        serval::content::SplitFrontMatter("content/f.md", text);
    Check(split.ok(), "a parsed file splits");
    serval::content::ParsedData fast;
    if (serval::content::internal::ParseFlatYamlForTest(*split, &fast)) {
      serval::content::ParsedData slow;
      Check(serval::content::internal::ParseYamlWithLibyamlForTest(
                "content/f.md", *split, &slow)
                .ok(),
            "libyaml accepts what the fast path takes");
      Check(JsonOf(fast.value) == JsonOf(slow.value),
            "the fast path gives libyaml's values");
      Check(fast.key_positions == slow.key_positions,
            "the fast path gives libyaml's key positions");
    }
  }
  return 0;
}
