// front_matter_fuzzer — any bytes as a content file:
//  * parsing either succeeds or fails with "path:line:col: message";
//  * on success the front matter is an object and the body is a suffix of
//    the input; no crash, no unbounded recursion or expansion.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/string_view.h"
#include "src/content/front_matter.h"

namespace {
void Check(bool condition, const char* what) {
  if (!condition) {
    std::fprintf(stderr, "front_matter_fuzzer: invariant failed: %s\n", what);
    std::abort();
  }
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
  return 0;
}
